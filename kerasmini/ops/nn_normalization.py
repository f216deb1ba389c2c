"""keras.ops.nn's normalizations by Keras's signatures: layer_normalization and
rms_normalization over `axis` (batch_normalization, with given statistics, is in
ops/nn.py).

Written as NumPy on tensors the tape follows, in Keras's order of operations (the
gradients are the pieces'); layer and RMS normalization compute in at least float32
and return the input's dtype, as Keras does for half precision.
"""
import warnings

import numpy as np

from kerasmini import config
from kerasmini.ops.arguments import as_axis, tensor
from kerasmini.ops.dtypes import result_type
from kerasmini.ops.symbolic import NN, keras_operation


def _wide(x):
    """x in at least float32 (Keras's compute dtype for normalizations)."""
    x = tensor(x)
    return tensor(x, result_type(x.dtype, "float32")), x.dtype


def _along(v, x, axes):
    """A weight of the normalized axes' sizes broadcast against x."""
    if v is None:
        return None
    v = tensor(v, x.dtype)
    if v.ndim != x.ndim and axes != [x.ndim - 1]:
        v = v.reshape([x.shape[a] if a in axes else 1 for a in range(x.ndim)])
    return v


def _axes(axis, ndim):
    return sorted(a % ndim for a in ((axis,) if np.ndim(axis) == 0 else axis))


def rms_scaling_argument(kwargs):
    """Keras 3 takes the deprecated rms_scaling in **kwargs, with this warning."""
    rms_scaling = kwargs.pop("rms_scaling", False)
    if rms_scaling:
        warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument "
                      "scales the input by the variance, not the root mean square. For "
                      "RMS normalization use `keras.layers.RMSNormalization` instead.",
                      stacklevel=3)
    return rms_scaling


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """(x - mean) / sqrt(variance + epsilon) * gamma + beta over `axis`; rms_scaling
    (deprecated in Keras, a keyword) divides x by sqrt(variance + epsilon), times gamma."""
    rms_scaling = rms_scaling_argument(kwargs)
    if kwargs:
        raise TypeError(f"layer_normalization() got unexpected keyword arguments: {kwargs}")
    # gamma and beta given even when None, so that a graph node saves them, as Keras's
    return _layer_normalization(x, gamma, beta, axis=axis, epsilon=epsilon,
                                rms_scaling=rms_scaling)


@keras_operation("LayerNorm", config=("axis", "epsilon", "rms_scaling"), module=NN,
                 full_call=True)
def _layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None,
                         rms_scaling=False):
    epsilon = config.epsilon() if epsilon is None else epsilon
    x, dtype = _wide(x)
    axes = _axes(axis, x.ndim)
    gamma, beta = _along(gamma, x, axes), _along(beta, x, axes)
    mean = np.mean(x, axis=tuple(axes), keepdims=True)
    variance = np.mean(np.square(x - mean), axis=tuple(axes), keepdims=True)
    inverse = 1.0 / np.sqrt(variance + np.asarray(epsilon, x.dtype))
    if rms_scaling:
        out = x * inverse
        return (out if gamma is None else out * gamma).astype(dtype)
    if gamma is not None:
        inverse = inverse * gamma
    shift = -mean * inverse if beta is None else beta - mean * inverse
    return (x * inverse + shift).astype(dtype)


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x / sqrt(mean(x^2) + epsilon) over `axis`, times `scale`."""
    # scale given even when None, so that a graph node saves it, as Keras's
    return _rms_normalization(x, scale, axis=axis, epsilon=epsilon)


@keras_operation("RMSNorm", config=("axis", "epsilon"), module=NN, full_call=True)
def _rms_normalization(x, scale=None, axis=-1, epsilon=None):
    epsilon = config.epsilon() if epsilon is None else epsilon
    x, dtype = _wide(x)
    if x.ndim == 0:
        x = x.reshape(1)
    mean_square = np.mean(np.square(x), axis=as_axis(axis), keepdims=True)
    out = x / np.sqrt(mean_square + np.asarray(epsilon, x.dtype))
    if scale is not None:
        out = out * tensor(scale, x.dtype)
    return out.astype(dtype)
