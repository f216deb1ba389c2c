"""Activation functions, by the names `keras.activations` gives them.

Every function takes an array and returns an array of the same shape and float dtype
(float16 is computed in float32 and rounded back; ints become `config.floatx()`).
`get('relu')` returns the function itself, `serialize(relu)` returns 'relu'.
"""
import functools
import math

import numpy as np

from kerasmini import config
from kerasmini.object_configs import deserialize as _deserialize
from kerasmini.object_configs import serialize_keras_object

# ---------------------------------------------------------------------------------------
# dtype handling


def _float_array(x):
    """x as a float16/32/64 array; other dtypes become config.floatx()."""
    x = np.asarray(x)
    if x.dtype.name in ("float16", "float32", "float64"):
        return x
    return x.astype(config.floatx())


def _keeps_dtype(fn):
    """Run fn on a float array (float16 widened to float32); return the input dtype."""

    @functools.wraps(fn)
    def wrapper(x, *args, **kwargs):
        x = _float_array(x)
        dtype = x.dtype
        if dtype == np.float16:
            x = x.astype(np.float32)
        return np.asarray(fn(x, *args, **kwargs), dtype=dtype)

    return wrapper


# ---------------------------------------------------------------------------------------
# erf and erfc in float64, with no SciPy.
#
# Near the origin (|x| <= 6): Taylor series around the nearest node a = k/16, where erf(a)
# and erfc(a) come from the math module once at import. The n-th derivative of erf is
# (2/sqrt(pi)) (-1)^(n-1) H_{n-1}(a) exp(-a^2), H the Hermite polynomials, and |x-a| <= 1/32
# makes the series converge in a few terms, with no cancellation against erfc(a).
# Beyond 6: the continued fraction erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + ...))).

_NODES_PER_UNIT = 16
_TAYLOR_LIMIT = 6.0
_NODES = np.arange(int(_TAYLOR_LIMIT * _NODES_PER_UNIT) + 1) / _NODES_PER_UNIT
_ERF_AT_NODE = np.array([math.erf(a) for a in _NODES])
_ERFC_AT_NODE = np.array([math.erfc(a) for a in _NODES])
_SLOPE_AT_NODE = 2.0 / math.sqrt(math.pi) * np.exp(-_NODES * _NODES)  # erf'(a)
_TAYLOR_TERMS = 18
_FRACTION_TERMS = 40


def _taylor_from_node(ax):
    """For ax in [0, 6]: the node index k and erf(ax) - erf(node k)."""
    k = np.rint(ax * _NODES_PER_UNIT).astype(np.intp)
    a = _NODES[k]
    h = ax - a
    hermite_prev, hermite = np.zeros_like(a), np.ones_like(a)  # H_{-1} = 0, H_0 = 1
    term = h.copy()  # (-1)^(n-1) h^n / n!, for n = 1
    total = h.copy()
    for n in range(1, _TAYLOR_TERMS):
        hermite_prev, hermite = hermite, 2 * a * hermite - 2 * (n - 1) * hermite_prev
        term = term * (-h) / (n + 1)
        total = total + hermite * term
    return k, _SLOPE_AT_NODE[k] * total


def _erfc_tail(ax):
    """erfc for ax > 6, by the continued fraction; 0 once it underflows."""
    ax = np.minimum(ax, 28.0)  # erfc(27.3) is already below the smallest float64
    denominator = ax.copy()
    for n in range(_FRACTION_TERMS, 0, -1):
        denominator = ax + (n / 2) / denominator
    # exp(-x^2) = exp(-hi^2) exp(-(x - hi)(x + hi)), hi = x with 26 mantissa bits (hi^2 exact)
    hi = (ax.view(np.uint64) & np.uint64(0xFFFFFFFFF8000000)).view(np.float64)
    scale = np.exp(-(ax - hi) * (ax + hi)) / (math.sqrt(math.pi) * denominator)
    return np.exp(-hi * hi) * scale


def erf(x):
    """The error function, in float64, to about 1e-16 relative."""
    x = np.asarray(x, dtype=np.float64)
    ax = np.abs(x)
    out = np.ones_like(ax)  # erf(x) rounds to 1 beyond 6
    near = ax <= _TAYLOR_LIMIT
    k, step = _taylor_from_node(ax[near])
    out[near] = _ERF_AT_NODE[k] + step
    out[np.isnan(x)] = np.nan
    return np.copysign(out, x)


def erfc(x):
    """1 - erf(x), in float64, accurate relative to erfc(x) itself (also far in the tail)."""
    x = np.asarray(x, dtype=np.float64)
    ax = np.abs(x)
    out = np.empty_like(ax)
    near = ax <= _TAYLOR_LIMIT
    k, step = _taylor_from_node(ax[near])
    out[near] = _ERFC_AT_NODE[k] - step
    out[~near] = _erfc_tail(ax[~near])
    out[np.isnan(x)] = np.nan
    return np.where(x < 0, 2.0 - out, out)


# ---------------------------------------------------------------------------------------
# The activations


def _exp_minus_abs(x):
    return np.exp(-np.abs(x))


@_keeps_dtype
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0); optionally a slope below `threshold` and a cap at `max_value`.

    Below the threshold the output is `negative_slope * (x - threshold)`; above it, x
    (clipped to `max_value`). With a nonzero threshold and no slope, values at or
    below the threshold become 0.
    """
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return leaky_relu(x, negative_slope=negative_slope)
    if threshold != 0:
        out = np.where(x > threshold, x, 0)
    else:
        out = np.maximum(x, 0)
    if max_value is not None:
        out = np.clip(out, 0, max_value)
    if negative_slope != 0.0:
        out = out - negative_slope * np.maximum(threshold - x, 0)
    return out


@_keeps_dtype
def leaky_relu(x, negative_slope=0.2):
    """x for x > 0, else negative_slope * x.

    The slope is taken in the input's dtype. (TensorFlow's LeakyRelu op stores it as
    float32, so its float64 results use 0.20000000298...; the conformance suite reports
    that as a TensorFlow divergence rather than copying it.)
    """
    slope = np.asarray(negative_slope, dtype=x.dtype)
    return np.where(x > 0, x, slope * x)


@_keeps_dtype
def relu6(x):
    """min(max(x, 0), 6)."""
    return np.clip(x, 0, 6)


@_keeps_dtype
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (None: over all elements); the max is subtracted first
    (initial -inf: an empty axis gives an empty result, not an error)."""
    shifted = np.exp(x - np.max(x, axis=axis, keepdims=True, initial=-np.inf))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)


@_keeps_dtype
def log_softmax(x, axis=-1):
    """x - log(sum(exp(x))) along `axis`, computed without overflow."""
    shifted = x - np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@_keeps_dtype
def elu(x, alpha=1.0):
    """x for x > 0, else alpha * (exp(x) - 1)."""
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@_keeps_dtype
def selu(x):
    """scale * elu(x, alpha), with Klambauer et al.'s alpha = 1.6733 and scale = 1.0507."""
    return _SELU_SCALE * np.where(x > 0, x, _SELU_ALPHA * np.expm1(np.minimum(x, 0)))


@_keeps_dtype
def celu(x, alpha=1.0):
    """max(x, 0) + alpha * (exp(min(x, 0) / alpha) - 1)."""
    return np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0) / alpha)


def _softplus(x):
    # log(1 + exp(x)) = max(x, 0) + log(1 + exp(-|x|)): no overflow, no lost small values
    return np.maximum(x, 0) + np.log1p(_exp_minus_abs(x))


@_keeps_dtype
def softplus(x):
    """log(exp(x) + 1)."""
    return _softplus(x)


@_keeps_dtype
def softsign(x):
    """x / (|x| + 1)."""
    return x / (np.abs(x) + 1)


@_keeps_dtype
def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, else 0."""
    return np.where(x > threshold, x - threshold, np.where(x < -threshold, x + threshold, 0))


@_keeps_dtype
def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return np.where(np.abs(x) > threshold, x, 0)


@_keeps_dtype
def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value."""
    return np.where(x > threshold, x, default_value)


@_keeps_dtype
def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1."""
    return np.where(x <= -1, 0, np.where(x < 1, 0.25 * (x + 1) ** 2, x))


@_keeps_dtype
def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2."""
    return (x + np.sqrt(x * x + b)) / 2


def _sigmoid(x):
    # 1 / (1 + exp(-x)) for x >= 0 and exp(x) / (1 + exp(x)) for x < 0: exp never overflows
    e = _exp_minus_abs(x)
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


@_keeps_dtype
def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return _sigmoid(x)


@_keeps_dtype
def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x)."""
    return -_softplus(-x)


@_keeps_dtype
def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1."""
    return np.clip(0.5 * (x + 1), 0, 1)


@_keeps_dtype
def hard_sigmoid(x):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return np.clip(x + 3, 0, 6) / 6


@_keeps_dtype
def hard_silu(x):
    """x * hard_sigmoid(x) (hard swish)."""
    return x * (np.clip(x + 3, 0, 6) / 6)


@_keeps_dtype
def silu(x):
    """x * sigmoid(x) (swish)."""
    return x * _sigmoid(x)


# Exact constants. TensorFlow's gelu takes 1/sqrt(2) and 0.044715 from float32 constants,
# so its float64 results are off by ~1e-8 relative; the conformance suite reports that as
# a TensorFlow divergence rather than copying it.
_GELU_INV_SQRT2 = math.sqrt(0.5)
_GELU_CUBIC = 0.044715


@_keeps_dtype
def gelu(x, approximate=False):
    """x * P(N(0, 1) <= x) = x/2 * erfc(-x / sqrt(2)); with `approximate`, the tanh formula
    x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))."""
    if approximate:
        inner = math.sqrt(2 / math.pi) * (x + _GELU_CUBIC * x**3)
        return 0.5 * x * (1 + np.tanh(inner))
    cdf = 0.5 * erfc(-x.astype(np.float64) * _GELU_INV_SQRT2)
    return x * cdf.astype(x.dtype)


@_keeps_dtype
def glu(x, axis=-1):
    """a * sigmoid(b), where a and b are the two halves of x along `axis`."""
    if x.shape[axis] % 2 != 0:
        raise ValueError(
            "axis size must be divisible by 2. "
            f"Received: x.shape={x.shape} with axis={axis}"
        )
    a, b = np.split(x, 2, axis=axis)
    return a * _sigmoid(b)


@_keeps_dtype
def tanh(x):
    """Hyperbolic tangent."""
    return np.tanh(x)


@_keeps_dtype
def tanh_shrink(x):
    """x - tanh(x)."""
    return x - np.tanh(x)


@_keeps_dtype
def hard_tanh(x):
    """x clipped to [-1, 1]."""
    return np.clip(x, -1, 1)


@_keeps_dtype
def exponential(x):
    """exp(x)."""
    return np.exp(x)


@_keeps_dtype
def mish(x):
    """x * tanh(softplus(x))."""
    return x * np.tanh(_softplus(x))


@_keeps_dtype
def sparsemax(x, axis=-1):
    """max(x - tau, 0), tau chosen so that the result along `axis` sums to 1 (Martins 2016)."""
    z = np.moveaxis(x, axis, -1)
    z_sorted = -np.sort(-z, axis=-1)  # descending
    cumsum = np.cumsum(z_sorted, axis=-1)
    rank = np.arange(1, z.shape[-1] + 1, dtype=z.dtype)
    in_support = z_sorted - (cumsum - 1) / rank > 0
    support_size = np.sum(in_support, axis=-1, keepdims=True)
    support_sum = np.take_along_axis(cumsum, support_size - 1, axis=-1)
    tau = (support_sum - 1) / support_size
    return np.moveaxis(np.maximum(z - tau, 0), -1, axis)


def linear(x):
    """The identity: returns x unchanged."""
    return x


# ---------------------------------------------------------------------------------------
# Gradients: each activation records its derivative (activation_gradients.py) while a
# GradientTape is active. `linear` returns its input itself and needs no rule.

from kerasmini.activation_gradients import recorded  # noqa: E402  (uses the helpers above)

(relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus,
 soft_shrink, sparse_plus, silu, gelu, glu, tanh, tanh_shrink, threshold, sigmoid,
 sparse_sigmoid, exponential, hard_sigmoid, hard_silu, hard_tanh, hard_shrink, mish,
 log_softmax, log_sigmoid, sparsemax) = map(recorded, (
    relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus,
    soft_shrink, sparse_plus, silu, gelu, glu, tanh, tanh_shrink, threshold, sigmoid,
    sparse_sigmoid, exponential, hard_sigmoid, hard_silu, hard_tanh, hard_shrink, mish,
    log_softmax, log_sigmoid, sparsemax))

# ---------------------------------------------------------------------------------------
# Names

ALL_OBJECTS = (
    relu, leaky_relu, relu6, softmax, celu, elu, selu, softplus, softsign, squareplus,
    soft_shrink, sparse_plus, silu, gelu, glu, tanh, tanh_shrink, threshold, sigmoid,
    sparse_sigmoid, exponential, hard_sigmoid, hard_silu, hard_tanh, hard_shrink, linear,
    mish, log_softmax, log_sigmoid, sparsemax,
)
ALL_OBJECTS_DICT = {fn.__name__: fn for fn in ALL_OBJECTS}
ALL_OBJECTS_DICT["swish"] = silu
ALL_OBJECTS_DICT["hard_swish"] = hard_silu
swish = silu
hard_swish = hard_silu


def serialize(activation):
    """The name of a built-in activation ('relu'; 'silu' for swish), as Keras 3 saves it.

    An object with `get_config()` is saved as a config dict; any other function raises.
    """
    if activation is None:
        return None
    if any(activation is fn for fn in ALL_OBJECTS):
        return activation.__name__
    if hasattr(activation, "get_config"):
        return serialize_keras_object(activation, type(activation).__module__)
    raise ValueError(
        f"Unknown activation function '{activation}' cannot be serialized: only the "
        "built-in activations (by name) and objects with `get_config()` can be."
    )


def deserialize(config, custom_objects=None):
    """The activation a name or config dict refers to."""
    return _deserialize(config, ALL_OBJECTS_DICT, "activation function",
                        custom_objects=custom_objects, call_functions=False)


def get(identifier):
    """None -> linear; a name or config dict -> that function; a callable -> itself."""
    if identifier is None:
        return linear
    return deserialize(identifier)
