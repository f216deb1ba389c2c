"""keras.ops's reductions, scans and orderings, with Keras's dtypes.

sum and prod of bool / int8 / int16 count in int32, of uint8 / uint16 in uint32; mean,
var, std, median and quantile compute ints in floatx; argmax, argmin, argsort and
count_nonzero give int32, any / all bool. On a tape: sum, mean, max, min, var, prod,
cumsum and cumprod have rules (autodiff/numpy_rules.py); std, sort, median and quantile
are composed of recorded operations (sorting is a take_along_axis of the argsort, so
the gradient goes to the element that landed in each place); the index-valued and
boolean ones are constants.
"""
import numpy as np

from kerasmini.ops.arguments import as_axis, floating, tensor
from kerasmini.ops.symbolic import keras_operation

_WIDER = {"bool": "int32", "int8": "int32", "int16": "int32", "uint8": "uint32",
          "uint16": "uint32"}


def _counted(x, dtype=None):
    """x in the dtype sums and products count in (Keras's)."""
    x = tensor(x)
    dtype = dtype or _WIDER.get(x.dtype.name, x.dtype.name)
    return tensor(x, dtype)


@keras_operation("Sum", config=("axis", "keepdims"))
def sum(x, axis=None, keepdims=False):  # noqa: A001 (keras.ops.sum)
    x = _counted(x)  # NumPy would sum int32 in int64
    return np.sum(x, axis=as_axis(axis), keepdims=keepdims, dtype=x.dtype)


@keras_operation("Prod", config=("axis", "keepdims", "dtype"))
def prod(x, axis=None, keepdims=False, dtype=None):
    x = _counted(x, dtype)
    return np.prod(x, axis=as_axis(axis), keepdims=keepdims, dtype=x.dtype)


@keras_operation("Mean", config=("axis", "keepdims"))
def mean(x, axis=None, keepdims=False):
    return np.mean(floating(x), axis=as_axis(axis), keepdims=keepdims)


@keras_operation("Max", config=("axis", "keepdims", "initial"))
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 (keras.ops.max)
    """The largest element; ties share the gradient equally (TensorFlow's rule)."""
    found = np.max(tensor(x), axis=as_axis(axis), keepdims=keepdims)
    return found if initial is None else np.maximum(found, initial)


@keras_operation("Min", config=("axis", "keepdims", "initial"))
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 (keras.ops.min)
    found = np.min(tensor(x), axis=as_axis(axis), keepdims=keepdims)
    return found if initial is None else np.minimum(found, initial)


@keras_operation("Amax", config=("axis", "keepdims"))
def amax(x, axis=None, keepdims=False):
    """max without `initial`: keras.ops.amax has no such argument."""
    return max(x, axis, keepdims)


@keras_operation("Amin", config=("axis", "keepdims"))
def amin(x, axis=None, keepdims=False):
    return min(x, axis, keepdims)


@keras_operation("Var", config=("axis", "keepdims"))
def var(x, axis=None, keepdims=False):
    """The population variance (ddof 0), as Keras."""
    return np.var(floating(x), axis=as_axis(axis), keepdims=keepdims)


@keras_operation("Std", config=("axis", "keepdims"))
def std(x, axis=None, keepdims=False):
    return np.sqrt(var(x, axis, keepdims))


@keras_operation("Any", config=("axis", "keepdims"))
def any(x, axis=None, keepdims=False):  # noqa: A001 (keras.ops.any)
    return np.any(np.asarray(tensor(x), bool), axis=as_axis(axis), keepdims=keepdims)


@keras_operation("All", config=("axis", "keepdims"))
def all(x, axis=None, keepdims=False):  # noqa: A001 (keras.ops.all)
    return np.all(np.asarray(tensor(x), bool), axis=as_axis(axis), keepdims=keepdims)


@keras_operation("CountNonzero", config=("axis",))
def count_nonzero(x, axis=None):
    return np.asarray(np.count_nonzero(np.asarray(tensor(x)), axis=as_axis(axis)), "int32")


@keras_operation("Argmax", config=("axis", "keepdims"))
def argmax(x, axis=None, keepdims=False):
    return np.argmax(np.asarray(tensor(x)), axis=axis, keepdims=keepdims).astype("int32")


@keras_operation("Argmin", config=("axis", "keepdims"))
def argmin(x, axis=None, keepdims=False):
    return np.argmin(np.asarray(tensor(x)), axis=axis, keepdims=keepdims).astype("int32")


@keras_operation("Argsort", config=("axis",))
def argsort(x, axis=-1):
    """Indices that sort x along `axis` (stable: ties keep their order); axis None
    sorts the flattened x."""
    x = np.asarray(tensor(x))
    return np.argsort(x, axis=axis, kind="stable").astype("int32")


@keras_operation("Sort", config=("axis",))
def sort(x, axis=-1):
    x = tensor(x)
    if axis is None:
        x, axis = np.reshape(x, -1), -1
    return np.take_along_axis(x, argsort(x, axis), axis=axis)


@keras_operation("Cumsum", config=("axis", "dtype"))
def cumsum(x, axis=None, dtype=None):
    """Running sums along `axis` (the flattened x for None)."""
    x = _scanned(x, dtype)
    return np.cumsum(x, axis=axis, dtype=x.dtype)


@keras_operation("Cumprod", config=("axis", "dtype"))
def cumprod(x, axis=None, dtype=None):
    """Running products; the gradient is TensorFlow's (a reversed running sum divided
    by x), which is not finite where x is exactly 0."""
    x = _scanned(x, dtype)
    return np.cumprod(x, axis=axis, dtype=x.dtype)


def _scanned(x, dtype):
    x = tensor(x)
    dtype = dtype or ("int32" if x.dtype == bool else x.dtype.name)
    return tensor(x, dtype)


@keras_operation("Quantile", config=("axis", "method", "keepdims"))
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th quantiles of x along `axis`, by sorting: methods 'linear', 'lower',
    'higher', 'midpoint', 'nearest', as NumPy defines them. q's axes come first."""
    x, q = quantile_arguments(x, q, method)
    axes = _axes(axis, x.ndim)
    lanes = _last(x, axes)
    ordered = sort(lanes, axis=-1)
    position = q * (lanes.shape[-1] - 1)
    low, high = np.floor(position), np.ceil(position)
    lower, upper = ordered[..., low.astype(int)], ordered[..., high.astype(int)]
    picked = _QUANTILE_METHODS[method](lower, upper, position - low, position)
    has_nan = np.isnan(ordered[..., -1])  # NaN sorts last: a lane holding one has a NaN
    if np.any(has_nan):  # quantile (as NumPy and TF), not one of its other values
        picked = np.where(has_nan.reshape(has_nan.shape + (1,) * q.ndim), np.nan, picked)
    return quantiles_first(picked, q, x.shape, axes, keepdims)


def quantile_arguments(x, q, method):
    """(x as floats, q in x's dtype), with method and q checked."""
    if method not in _QUANTILE_METHODS:
        raise ValueError(f"Invalid value for argument `method`: expected one of "
                         f"{sorted(_QUANTILE_METHODS)}. Received: method={method}")
    x = floating(x)
    q = np.asarray(q, x.dtype)
    if np.any((q < 0) | (q > 1)):
        raise ValueError(f"Quantiles must be in the range [0, 1]. Received: q={q}")
    return x, q


def quantiles_first(picked, q, shape, axes, keepdims):
    """Quantiles picked per lane (lanes' axes, then q's) with q's axes moved first and,
    for keepdims, the reduced axes kept as ones."""
    picked = np.moveaxis(picked, list(range(-q.ndim, 0)), list(range(q.ndim)))
    if keepdims:
        picked = np.reshape(picked, q.shape + tuple(
            1 if i in axes else n for i, n in enumerate(shape)))
    return picked


_QUANTILE_METHODS = {
    "linear": lambda lower, upper, fraction, _: lower + (upper - lower) * fraction,
    "lower": lambda lower, upper, fraction, _: lower,
    "higher": lambda lower, upper, fraction, _: upper,
    "midpoint": lambda lower, upper, fraction, _: (lower + upper) * 0.5,
    "nearest": lambda lower, upper, fraction, position: np.where(
        np.round(position) == np.floor(position), lower, upper),
}


@keras_operation("Median", config=("axis", "keepdims"))
def median(x, axis=None, keepdims=False):
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def _last(x, axes):
    """x with `axes` moved to the end and merged into one."""
    kept = [i for i in range(x.ndim) if i not in axes]
    moved = np.transpose(x, kept + list(axes))
    return np.reshape(moved, moved.shape[:len(kept)] + (-1,))


@keras_operation("Percentile", config=("axis", "method", "keepdims"))
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """quantile at q / 100."""
    return quantile(x, np.asarray(q, "float64") / 100, axis, method, keepdims)


@keras_operation("Ptp", config=("axis", "keepdims"))
def ptp(x, axis=None, keepdims=False):
    """max - min (the range)."""
    return max(x, axis, keepdims) - min(x, axis, keepdims)


def _nan_filled(x, fill):
    """x with its NaNs replaced by `fill` (a constant where they were)."""
    x = tensor(x)
    if x.dtype.kind != "f":
        return x
    return np.where(np.isnan(np.asarray(x)), np.asarray(fill, x.dtype), x)


@keras_operation("Nansum", config=("axis", "keepdims"))
def nansum(x, axis=None, keepdims=False):
    return sum(_nan_filled(x, 0), axis, keepdims)


@keras_operation("Nanmean", config=("axis", "keepdims"))
def nanmean(x, axis=None, keepdims=False):
    """The mean of the non-NaN elements (NaN where there are none)."""
    x = floating(x)
    count = np.sum(~np.isnan(np.asarray(x)), axis=as_axis(axis), keepdims=keepdims)
    with np.errstate(invalid="ignore", divide="ignore"):
        return nansum(x, axis, keepdims) / np.asarray(count, x.dtype)


@keras_operation("Nanmax", config=("axis", "keepdims"))
def nanmax(x, axis=None, keepdims=False):
    """The largest non-NaN element (NaN where all are NaN, as NumPy)."""
    x = tensor(x)
    found = max(_nan_filled(x, -np.inf), axis, keepdims)
    return _all_nan_back(x, found, axis, keepdims)


@keras_operation("Nanmin", config=("axis", "keepdims"))
def nanmin(x, axis=None, keepdims=False):
    x = tensor(x)
    found = min(_nan_filled(x, np.inf), axis, keepdims)
    return _all_nan_back(x, found, axis, keepdims)


def _all_nan_back(x, found, axis, keepdims):
    if x.dtype.kind != "f":
        return found
    empty = np.all(np.isnan(np.asarray(x)), axis=as_axis(axis), keepdims=keepdims)
    return np.where(empty, np.asarray(np.nan, x.dtype), found)
