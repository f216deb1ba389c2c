"""Differentiable math with keras.ops names and signatures (losses and regularizers are
built from these, and get their gradients for free).

Each is the NumPy function applied to `_traced(x)`: on an active tape a Variable becomes
its recorded value and a watched array a TapeArray, so NumPy dispatches to the tape's
rules (kerasmini/autodiff/numpy_rules.py); with no tape it is plain NumPy.
"""
import numpy as np

from kerasmini import activations
from kerasmini.autodiff import track


def _traced(x):
    if getattr(x, "_is_variable", False):
        return x.value
    return track(x)


def _unary(ufunc):
    def op(x):
        return ufunc(_traced(x))
    op.__name__ = op.__qualname__ = ufunc.__name__
    op.__doc__ = f"numpy.{ufunc.__name__}(x), recorded on an active GradientTape."
    return op


def _binary(ufunc):
    def op(x1, x2):
        return ufunc(_traced(x1), _traced(x2))
    op.__name__ = op.__qualname__ = ufunc.__name__
    op.__doc__ = f"numpy.{ufunc.__name__}(x1, x2), recorded on an active GradientTape."
    return op


add, subtract, multiply, divide = map(_binary, (np.add, np.subtract, np.multiply, np.divide))
maximum, minimum, power, matmul = map(_binary, (np.maximum, np.minimum, np.power, np.matmul))
true_divide = divide
negative, square, sqrt, absolute = map(_unary, (np.negative, np.square, np.sqrt, np.abs))
exp, log, log1p, expm1, tanh = map(_unary, (np.exp, np.log, np.log1p, np.expm1, np.tanh))
abs = absolute  # noqa: A001  (keras.ops.abs)


def sum(x, axis=None, keepdims=False):  # noqa: A001  (keras.ops.sum)
    return np.sum(_traced(x), axis=_axis(axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    return np.mean(_traced(x), axis=_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001  (keras.ops.max)
    return np.max(_traced(x), axis=_axis(axis), keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001  (keras.ops.min)
    return np.min(_traced(x), axis=_axis(axis), keepdims=keepdims)


def clip(x, x_min, x_max):
    return np.clip(_traced(x), x_min, x_max)


def where(condition, x1=None, x2=None):
    return np.where(np.asarray(condition), _traced(x1), _traced(x2))


def reshape(x, newshape):
    return np.reshape(_traced(x), newshape)


def transpose(x, axes=None):
    return np.transpose(_traced(x), axes)


def expand_dims(x, axis):
    return np.expand_dims(_traced(x), axis)


def squeeze(x, axis=None):
    return np.squeeze(_traced(x), axis)


def concatenate(xs, axis=0):
    return np.concatenate([_traced(x) for x in xs], axis=axis)


def take_along_axis(x, indices, axis=None):
    return np.take_along_axis(_traced(x), np.asarray(indices), axis=axis)


def cast(x, dtype):
    return np.asanyarray(_traced(x)).astype(dtype)


def sigmoid(x):
    return activations.sigmoid(_traced(x))


def softmax(x, axis=-1):
    return activations.softmax(_traced(x), axis=axis)


def log_softmax(x, axis=-1):
    return activations.log_softmax(_traced(x), axis=axis)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) with the maximum taken out first (a constant: its gradient
    cancels), so exp never overflows."""
    x = _traced(x)
    axis = _axis(axis)
    peak = np.max(np.asarray(x), axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)
    total = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return total if keepdims else np.squeeze(total, axis=axis)


def one_hot(x, num_classes, axis=-1, dtype=None):
    """Indices -> one-hot rows (a constant: indices have no gradient)."""
    x = np.asarray(x)
    out = (x[..., None] == np.arange(num_classes)).astype(dtype or "float32")
    return np.moveaxis(out, -1, axis)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def shape(x):
    """The shape as a tuple (keras.ops.shape; a custom layer's `batch = shape(x)[0]`)."""
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)
