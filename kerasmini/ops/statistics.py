"""keras.ops's averages and finite differences: average, corrcoef, diff, trapezoid.
Each is composed of recorded NumPy operations (autodiff/numpy_rules.py), so a
GradientTape differentiates it as written; ints compute in floatx."""
import numpy as np

from kerasmini import config
from kerasmini.ops import arrays
from kerasmini.ops.arguments import floating, tensor
from kerasmini.ops.dtypes import float_type
from kerasmini.ops.symbolic import keras_operation


@keras_operation("Average", config=("axis",))
def average(x, axis=None, weights=None):
    """sum(x * weights) / sum(weights) along `axis`; 1-D weights along a given axis
    of a larger x, as NumPy's."""
    x = tensor(x)
    if weights is None:
        return np.mean(floating(x), axis=axis)
    weights = tensor(weights)
    dtype = float_type(x, weights)
    x, weights = tensor(x, dtype), tensor(weights, dtype)
    if axis is not None and weights.ndim != x.ndim:
        if weights.ndim != 1 or weights.shape[0] != x.shape[axis]:
            raise ValueError(f"1-D `weights` must have the length of x's axis {axis}. "
                             f"Received: weights.shape={weights.shape}, "
                             f"x.shape={x.shape}")
        return np.tensordot(x, weights, axes=([axis], [0])) / np.sum(weights)
    return np.sum(x * weights, axis=axis) / np.sum(weights, axis=axis)


@keras_operation("Corrcoef")
def corrcoef(x):
    """Pearson correlation coefficients of x's rows (variables), clipped to [-1, 1]."""
    x = floating(x)
    if x.ndim == 0:
        return np.asarray(np.nan, config.floatx())
    centered = x - np.mean(x, axis=-1, keepdims=True)
    covariance = centered @ np.swapaxes(centered, -1, -2) / (x.shape[-1] - 1)
    spread = np.sqrt(arrays.diagonal(covariance, axis1=-2, axis2=-1))
    return np.clip(covariance / (spread[..., :, None] * spread[..., None, :]), -1, 1)


@keras_operation("Diff", config=("n", "axis"))
def diff(a, n=1, axis=-1):
    """The n-th differences a[i + 1] - a[i] along `axis` (bools: a[i + 1] != a[i])."""
    a = tensor(a)
    if n < 0:
        raise ValueError(f"Order `n` must be non-negative. Received n={n}")
    if n and a.ndim == 0:
        raise ValueError("`diff` requires input that is at least one dimensional. "
                         f"Received: a={a}")
    before = (slice(None),) * (axis % max(a.ndim, 1))
    for _ in range(n):
        later, earlier = a[before + (slice(1, None),)], a[before + (slice(None, -1),)]
        a = np.not_equal(later, earlier) if a.dtype == bool else later - earlier
    return a


@keras_operation("Trapezoid", config=("x", "dx", "axis"))
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """The integral of y along `axis` by the trapezoidal rule: at the points x, else
    spaced dx apart."""
    y = floating(y)
    spacing = np.asarray(dx, y.dtype) if x is None else diff(tensor(x, y.dtype), axis=axis)
    y = np.moveaxis(y, axis, -1)
    if np.ndim(spacing):
        spacing = np.moveaxis(spacing, axis, -1)
    heights = (y[..., 1:] + y[..., :-1]) * np.asarray(0.5, y.dtype)
    return np.sum(heights * spacing, axis=-1)
