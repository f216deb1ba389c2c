"""keras.ops.nn: activations, encodings, moments, normalization, crossentropies and
dot-product attention, by Keras's names and defaults (keras.ops.gelu is approximate
by default, unlike the activation).

Activations are kerasmini.activations' (each records its own derivative); the rest is
arithmetic of recorded operations, written as Keras's TensorFlow backend writes it
(the same clipping by epsilon, the same stable logit forms), so the gradients are the
pieces' and the values TensorFlow's.
"""
import inspect

import numpy as np

from kerasmini import activations, config
from kerasmini.ops import elementwise as el
from kerasmini.ops import linalg, reductions
from kerasmini.ops.arguments import as_axis, floating, promoted, tensor
from kerasmini.ops.dtypes import standardize_dtype
from kerasmini.ops.symbolic import NN, keras_operation
# keras.ops.nn's window ops, normalizations and rearrangements, each family in its file
from kerasmini.ops.nn_ctc import ctc_decode, ctc_loss  # noqa: F401
from kerasmini.ops.nn_normalization import (  # noqa: F401
    layer_normalization, rms_normalization)
from kerasmini.ops.nn_rearrange import (  # noqa: F401
    depth_to_space, fold, space_to_depth, unfold)
from kerasmini.ops.nn_windows import (  # noqa: F401
    adaptive_average_pool, adaptive_max_pool, average_pool, conv, conv_transpose,
    depthwise_conv, max_pool, separable_conv)


def _activation(fn, class_name, config_names=()):
    def op(x, *args, **options):
        return fn(floating(x), *args, **options)
    op.__name__ = op.__qualname__ = fn.__name__
    op.__doc__ = fn.__doc__
    op.__signature__ = inspect.signature(fn)
    return keras_operation(class_name, config=config_names, module=NN)(op)


(relu6, sigmoid, softplus, softsign, silu, log_sigmoid, hard_sigmoid, hard_silu,
 selu, tanh_shrink, sparse_plus, sparse_sigmoid) = [
    _activation(getattr(activations, name), class_name) for name, class_name in [
        ("relu6", "Relu6"), ("sigmoid", "Sigmoid"), ("softplus", "Softplus"),
        ("softsign", "Softsign"), ("silu", "Silu"), ("log_sigmoid", "LogSigmoid"),
        ("hard_sigmoid", "HardSigmoid"), ("hard_silu", "HardSilu"), ("selu", "Selu"),
        ("tanh_shrink", "TanhShrink"), ("sparse_plus", "SparsePlus"),
        ("sparse_sigmoid", "SparseSigmoid")]]


@keras_operation("Relu", module=NN)
def relu(x):
    return activations.relu(floating(x))


swish, hard_swish = silu, hard_silu
hard_tanh = _activation(activations.hard_tanh, "HardTanh")
leaky_relu = _activation(activations.leaky_relu, "LeakyRelu", ("negative_slope",))
elu = _activation(activations.elu, "Elu", ("alpha",))
celu = _activation(activations.celu, "Celu", ("alpha",))
glu = _activation(activations.glu, "Glu", ("axis",))
softmax = _activation(activations.softmax, "Softmax", ("axis",))
log_softmax = _activation(activations.log_softmax, "LogSoftmax", ("axis",))
sparsemax = _activation(activations.sparsemax, "Sparsemax", ("axis",))
soft_shrink = _activation(activations.soft_shrink, "SoftShrink", ("threshold",))
hard_shrink = _activation(activations.hard_shrink, "HardShrink", ("threshold",))
squareplus = _activation(activations.squareplus, "Squareplus", ("b",))


@keras_operation("Threshold", config=("threshold", "default_value"), module=NN)
def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value."""
    x = tensor(x)
    return np.where(x > threshold, x, np.asarray(default_value, x.dtype))


@keras_operation("PSNR", config=("max_val",), module=NN)
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio 20 log10(max_val) - 10 log10(mean((x1 - x2)^2)),
    in x2's dtype."""
    x1, x2 = tensor(x1), tensor(x2)
    if x1.shape != x2.shape:
        raise ValueError(f"Input shapes {x1.shape} and {x2.shape} must match for PSNR "
                         "calculation. ")
    x1, x2 = promoted(x1, x2, dtype=x2.dtype.name)
    mse = np.mean(np.square(x1 - x2))
    return 20 * np.log10(np.asarray(max_val, x2.dtype)) - 10 * np.log10(mse)


@keras_operation("Polar", module=NN)
def polar(abs_, angle):
    """The complex number abs_ * (cos(angle) + i sin(angle)) (complex64 from float32).
    Not differentiable: kerasmini's tape follows real arrays only."""
    abs_, angle = promoted(np.asarray(tensor(abs_)), np.asarray(tensor(angle)))
    out = np.empty(abs_.shape, np.result_type(abs_.dtype, np.complex64))
    out.real, out.imag = abs_ * np.cos(angle), abs_ * np.sin(angle)
    return out


@keras_operation("Gelu", config=("approximate",), module=NN)
def gelu(x, approximate=True):
    """GELU; keras.ops.gelu approximates by tanh by default (the activation does not)."""
    return activations.gelu(floating(x), approximate=approximate)


@keras_operation("OneHot", config=("num_classes", "axis", "dtype", "sparse"), module=NN)
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer classes -> one-hot vectors along a new `axis` (an index outside
    [0, num_classes) gives zeros, as TensorFlow's). A constant: no gradient."""
    _dense_only(sparse)
    x = np.asarray(tensor(x))
    out = (x[..., None] == np.arange(num_classes)).astype(standardize_dtype(dtype))
    return np.moveaxis(out, -1, axis)


@keras_operation("MultiHot", config=("num_classes", "axis", "dtype", "sparse"), module=NN)
def multi_hot(inputs, num_classes, axis=-1, dtype=None, sparse=False):
    """Each row of class indices -> one vector with ones at those classes."""
    _dense_only(sparse)
    inputs = np.asarray(tensor(inputs))
    if inputs.ndim == 1:
        inputs = inputs[None]
    hot = one_hot(inputs, num_classes, axis=-1, dtype=dtype).max(axis=-2)
    return np.moveaxis(hot, -1, axis)


def _dense_only(sparse):
    if sparse:
        raise ValueError("kerasmini has no sparse tensors: `sparse` must be False. "
                         f"Received: sparse={sparse}")


@keras_operation("Moments", config=("axes", "keepdims", "synchronized"), module=NN)
def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) of x over `axes` (float16 computed in float32, as Keras)."""
    if synchronized:
        raise NotImplementedError("kerasmini runs on one device: `synchronized=True` "
                                  "is not supported.")
    x = floating(x)
    wide = x.astype("float32") if x.dtype == np.float16 else x
    mean = reductions.mean(wide, axis=axes, keepdims=True)
    variance = reductions.mean(el.square(wide - mean), axis=axes, keepdims=True)
    if not keepdims:
        mean, variance = np.squeeze(mean, as_axis(axes)), np.squeeze(variance, as_axis(axes))
    return mean.astype(x.dtype), variance.astype(x.dtype)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset with the statistics given
    (per feature along `axis`), as tf.nn.batch_normalization: x * inv + (offset -
    mean * inv), inv = scale / sqrt(variance + epsilon). Recorded piece by piece, so the
    gradient reaches every argument. (BatchNormalization's training pass, whose
    statistics are x's own, has its own rule: ops/normalization.py.)"""
    # every call argument given, so that a graph node saves them all, as Keras's does
    return _batch_normalization(x, mean, variance, axis, offset, scale, epsilon=epsilon)


@keras_operation("BatchNorm", config=("axis", "epsilon"), module=NN, full_call=True)
def _batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    x = floating(x)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]

    def per_feature(v):
        return np.reshape(tensor(v, x.dtype.name), shape)
    inv = 1 / np.sqrt(per_feature(variance) + np.asarray(epsilon, x.dtype))
    if scale is not None:
        inv = inv * per_feature(scale)
    shift = -per_feature(mean) * inv
    if offset is not None:
        shift = shift + per_feature(offset)
    return x * inv + shift


@keras_operation("Normalize", config=("axis", "order", "epsilon"), module=NN)
def normalize(x, axis=-1, order=2, epsilon=None):
    """x divided by its `order`-norm along `axis` (at least epsilon): ops.norm's, as
    Keras, so an order other than 2 over two axes (or axis=None on a matrix) is the
    matrix norm (for order=1 the largest column sum of |x|), not the vector norm."""
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"Argument `order` must be an int >= 1. Received: order={order}")
    x = floating(x)
    epsilon = config.epsilon() if epsilon is None else epsilon
    if order == 2:
        square_sum = np.sum(x * x, axis=as_axis(axis), keepdims=True)
        return x * np.minimum(1 / np.sqrt(square_sum), 1.0 / epsilon)
    return x / np.maximum(linalg.norm(x, ord=order, axis=axis, keepdims=True), epsilon)


def _check_same_shape(target, output):
    if target.ndim != output.ndim or any(a != b for a, b in zip(target.shape,
                                                                 output.shape)):
        raise ValueError("Arguments `target` and `output` must have the same shape. "
                         f"Received: target.shape={target.shape}, "
                         f"output.shape={output.shape}")


@keras_operation("BinaryCrossentropy", config=("from_logits",), module=NN)
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise binary crossentropy; probabilities are clipped to
    [epsilon, 1 - epsilon], logits use max(x, 0) - x z + log(1 + exp(-|x|))."""
    target, output = promoted(target, output, dtype=floating(output).dtype.name)
    _check_same_shape(target, output)
    if from_logits:
        return (np.maximum(output, 0) - output * target
                + np.log1p(np.exp(-np.abs(output))))
    eps = config.epsilon()
    output = np.clip(output, eps, 1.0 - eps)
    return -(target * np.log(output) + (1 - target) * np.log(1 - output))


@keras_operation("CategoricalCrossentropy", config=("from_logits", "axis"), module=NN)
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Crossentropy along the class axis `axis`, an int as Keras documents it (its
    backends disagree on None and tuples: TensorFlow's logits path reads None as -1,
    its probabilities path and NumPy's as every axis), so other values are refused."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"Argument `axis` must be an int. Received: axis={axis}")
    target, output = promoted(target, output, dtype=floating(output).dtype.name)
    _check_same_shape(target, output)
    if from_logits:
        return -np.sum(target * log_softmax(output, axis=axis), axis=axis)
    output = output / np.sum(output, axis=axis, keepdims=True)
    eps = config.epsilon()
    return -np.sum(target * np.log(np.clip(output, eps, 1.0 - eps)), axis=axis)


@keras_operation("SparseCategoricalCrossentropy", config=("from_logits", "axis"),
                 module=NN)
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    output = floating(output)
    if axis not in (-1, output.ndim - 1):
        raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    target = np.asarray(tensor(target)).astype("int64")
    if target.ndim == output.ndim and target.shape[-1] == 1:
        target = target[..., 0]
    if target.shape != output.shape[:-1]:
        raise ValueError("Arguments `target` and `output` must have the same shape up "
                         f"until the last dimension: target.shape={target.shape}, "
                         f"output.shape={output.shape}")
    if not from_logits:
        eps = config.epsilon()
        output = np.log(np.clip(output, eps, 1 - eps))
    return -np.take_along_axis(log_softmax(output, axis=-1), target[..., None], axis=-1)[
        ..., 0]


@keras_operation("DotProductAttention",
                 config=("is_causal", "flash_attention", "attn_logits_soft_cap"),
                 module=NN)
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None,
                          is_causal=False, flash_attention=None, attn_logits_soft_cap=None):
    """softmax(q k^T * scale + bias, masked) v over (batch, steps, heads, depth)
    tensors; key/value heads are repeated for grouped queries (as Keras)."""
    if flash_attention:
        raise ValueError("Flash attention is not supported in kerasmini (nor in Keras's "
                         "TensorFlow backend).")
    if attn_logits_soft_cap is not None:
        raise ValueError("kerasmini does not support `attn_logits_soft_cap` (Keras's "
                         "TensorFlow backend ignores it). Received: "
                         f"attn_logits_soft_cap={attn_logits_soft_cap}")
    query, key, value = promoted(query, key, value)
    if query.ndim != 4:
        raise ValueError("`dot_product_attention` only supports 4D inputs. Received: "
                         f"query.shape={query.shape}, key.shape={key.shape}, "
                         f"value.shape={value.shape}.")
    heads, kv_heads = query.shape[2], key.shape[2]
    if heads > kv_heads > 1:
        key = np.repeat(key, heads // kv_heads, axis=2)
        value = np.repeat(value, heads // kv_heads, axis=2)
    scale = 1.0 / np.sqrt(key.shape[-1]) if scale is None else scale
    logits = np.einsum("btnh,bsnh->bnts", query, key) * np.asarray(scale, query.dtype)
    if bias is not None:
        logits = logits + tensor(bias, query.dtype)
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep &= np.asarray(tensor(mask), bool)
    if is_causal:
        keep &= np.tri(logits.shape[2], logits.shape[3], dtype=bool)
    if mask is not None or is_causal:
        logits = np.where(keep, logits, np.asarray(_large_negative(logits.dtype),
                                                   logits.dtype))
    probs = activations.softmax(logits, axis=-1)
    return np.einsum("bnts,bsnh->btnh", probs, value)


def _large_negative(dtype):
    """Keras's fill for masked logits: -0.7 times float16's or bfloat16's largest value
    (the same number in float32 and float64)."""
    return -0.7 * (65500.0 if dtype == np.float16 else 3.38953e38)
