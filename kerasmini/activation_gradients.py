"""The derivative of every activation, and the wrapper that records it on a tape.

`RULES[name](g, x, y, **arguments)` returns dL/dx from g = dL/dy, the input x and the
output y (float16 is differentiated in float32 and rounded back, as the forward runs).
Most activations act elementwise: dL/dx = g * f'(x). softmax, log_softmax, glu and
sparsemax mix the elements along an axis: their rules are the full vector-Jacobian
products. At kinks the convention is TensorFlow's op by op (relu: 0 at 0; clip-based
ones: the boundary passes the gradient).
"""
import functools
import math

import numpy as np

from kerasmini.autodiff import tape
from kerasmini.autodiff.traced import plain
from kerasmini.activations import _SELU_ALPHA, _SELU_SCALE, erfc


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _softplus(x):
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _relu(g, x, y, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras builds relu from pieces; each piece contributes its own derivative."""
    if negative_slope != 0.0 and max_value is None and threshold == 0:
        return _leaky_relu(g, x, y, negative_slope)
    if max_value is None and threshold == 0 and negative_slope == 0.0:
        # plain relu: g * (x > 0) straight from the boolean mask (TensorFlow's ReluGrad:
        # a NaN gradient stays NaN where x <= 0), one pass and no float mask
        return np.multiply(g, x > 0)
    if threshold != 0:
        slope = (x > threshold).astype(x.dtype)
        positive = x * slope
    elif max_value == 6:
        slope = ((x > 0) & (x < 6)).astype(x.dtype)
        positive, max_value = None, None
    else:
        slope = (x > 0).astype(x.dtype)
        positive = np.maximum(x, 0)
    if max_value is not None:
        slope = slope * (positive <= max_value)
    if negative_slope != 0.0:
        slope = slope + negative_slope * (x < threshold)
    return g * slope


def _leaky_relu(g, x, y, negative_slope=0.2):
    return g * np.where(x > 0, 1, np.asarray(negative_slope, x.dtype))


def _softmax(g, x, y, axis=-1):
    return y * (g - np.sum(g * y, axis=axis, keepdims=True))


def _log_softmax(g, x, y, axis=-1):
    return g - np.exp(y) * np.sum(g, axis=axis, keepdims=True)


def _elu(g, x, y, alpha=1.0):
    return g * np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0)))


def _selu(g, x, y):
    return g * _SELU_SCALE * np.where(x > 0, 1, _SELU_ALPHA * np.exp(np.minimum(x, 0)))


def _celu(g, x, y, alpha=1.0):
    return g * np.where(x > 0, 1, np.exp(np.minimum(x, 0) / alpha))


def _gelu(g, x, y, approximate=False):
    if approximate:
        c = math.sqrt(2 / math.pi)
        t = np.tanh(c * (x + 0.044715 * x**3))
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x))
    return g * (_normal_cdf(x) + x * _normal_pdf(x))


def _normal_pdf(x):
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _normal_cdf(x):
    """Phi(x), recorded with its derivative pdf(x) when x is traced (erfc's own NumPy
    writes in place, which a tape cannot follow): gelu's rule then differentiates."""
    x_plain = plain(x)
    cdf = (0.5 * erfc(-x_plain.astype(np.float64) / math.sqrt(2))).astype(x_plain.dtype)
    vjp = lambda g: (g * _normal_pdf(x_plain),)
    vjp.recorded = lambda g, out, traced: (g * _normal_pdf(traced[0]),)
    return tape.record(cdf, (x,), vjp, "normal_cdf")


def _glu(g, x, y, axis=-1):
    a, b = np.split(x, 2, axis=axis)
    s = _sigmoid(b)
    return np.concatenate([g * s, g * a * s * (1 - s)], axis=axis)


def _sparsemax(g, x, y, axis=-1):
    support = y > 0
    mean_g = np.sum(g * support, axis=axis, keepdims=True) / np.sum(
        support, axis=axis, keepdims=True)
    return support * (g - mean_g)


def _mish(g, x, y):
    t = np.tanh(_softplus(x))
    return g * (t + x * (1 - t * t) * _sigmoid(x))


def _silu(g, x, y):
    s = _sigmoid(x)
    return g * (s + x * s * (1 - s))


def _hard_silu(g, x, y):
    return g * (np.clip(x + 3, 0, 6) / 6 + x * ((x > -3) & (x < 3)) / 6)


def _relu_gradient(g, x, y, *args, **kwargs):
    """relu's rule in recorded mode: g * mask with x as a second input of zero gradient,
    as TensorFlow's ReluGrad, so relu's second derivative is 0 (zeros, not None)."""
    dx = _relu(g, x, y, *args, **kwargs)
    vjp = lambda gg: (gg, np.zeros(np.shape(x), plain(gg).dtype))
    vjp.recorded = lambda gg, out, traced: vjp(gg)
    return tape.record(plain(dx), (dx, x), vjp, "relu_gradient")


def _elementwise(derivative):
    """A rule g * f'(x, y, **arguments) from the derivative alone."""
    return lambda g, x, y, *args, **kwargs: g * derivative(x, y, *args, **kwargs)


RULES = {
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "relu6": _elementwise(lambda x, y: (x > 0) & (x < 6)),
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "elu": _elu,
    "selu": _selu,
    "celu": _celu,
    "softplus": _elementwise(lambda x, y: _sigmoid(x)),
    "softsign": _elementwise(lambda x, y: 1 / (1 + np.abs(x)) ** 2),
    "squareplus": _elementwise(lambda x, y, b=4: (1 + x / np.sqrt(x * x + b)) / 2),
    "soft_shrink": _elementwise(lambda x, y, threshold=0.5: np.abs(x) > threshold),
    "sparse_plus": _elementwise(
        lambda x, y: np.where(x <= -1, 0, np.where(x < 1, (x + 1) / 2, 1))),
    "silu": _silu,
    "gelu": _gelu,
    "glu": _glu,
    "tanh": _elementwise(lambda x, y: 1 - y * y),
    "tanh_shrink": _elementwise(lambda x, y: np.tanh(x) ** 2),
    "threshold": _elementwise(lambda x, y, threshold, default_value: x > threshold),
    "sigmoid": _elementwise(lambda x, y: y * (1 - y)),
    "sparse_sigmoid": _elementwise(lambda x, y: ((x > -1) & (x < 1)) * 0.5),
    "exponential": _elementwise(lambda x, y: y),
    "hard_sigmoid": _elementwise(lambda x, y: ((x > -3) & (x < 3)) / 6),
    "hard_silu": _hard_silu,
    "hard_tanh": _elementwise(lambda x, y: (x >= -1) & (x <= 1)),
    "hard_shrink": _elementwise(lambda x, y, threshold=0.5: np.abs(x) > threshold),
    "mish": _mish,
    "log_sigmoid": _elementwise(lambda x, y: _sigmoid(-x)),
    "sparsemax": _sparsemax,
}


# The rules written with recordable NumPy only, which a gradient taken inside an outer
# tape runs on the traced values (differentiable again; tests/test_second_order.py).
# glu's splits x with np.split, which the tape does not record: not differentiable twice.
RECORDABLE = {name: rule for name, rule in RULES.items() if name != "glu"}
RECORDABLE["relu"] = _relu_gradient
RECORDABLE["leaky_relu"] = lambda g, x, y, negative_slope=0.2: _relu_gradient(
    g, x, y, negative_slope=negative_slope)


def recorded(activation):
    """`activation`, recording its rule on an active tape (a no-op test otherwise)."""
    rule = RULES[activation.__name__]
    recordable = RECORDABLE.get(activation.__name__)

    @functools.wraps(activation)
    def wrapper(x, *args, **kwargs):
        if not tape._recording:
            return activation(x, *args, **kwargs)
        x_plain = plain(x)
        y = activation(x_plain, *args, **kwargs)

        def vjp(g):
            xf = np.asarray(x_plain)
            wide = np.float32 if xf.dtype == np.float16 else xf.dtype
            # no copies unless float16 widens: the rules never write into their inputs
            dx = rule(g.astype(wide, copy=False), xf.astype(wide, copy=False),
                      np.asarray(y).astype(wide, copy=False), *args, **kwargs)
            return (np.asarray(dx).astype(y.dtype, copy=False),)

        if recordable is not None:
            def vjp_recorded(g, traced_y, traced):
                wide = np.float32 if y.dtype == np.float16 else y.dtype
                dx = recordable(g.astype(wide, copy=False),
                                tape.traced_inputs(traced, [x_plain])[0].astype(
                                    wide, copy=False),
                                traced_y.astype(wide, copy=False), *args, **kwargs)
                return (dx.astype(y.dtype, copy=False),)
            vjp.recorded = vjp_recorded
        out = tape.record(y, (x,), vjp, activation.__name__)
        if activation.__name__ in ("softmax", "sigmoid") and out is not y:
            # as Keras: a crossentropy on these probabilities uses the logits instead
            # (exact gradient p - y, no clipping); see losses/losses.py
            out._keras_logits = (activation.__name__, x)
        return out

    return wrapper
