"""keras.ops's NaN-ignoring reductions beyond nansum/nanmean/nanmax/nanmin
(reductions.py): each is the plain reduction of x with its NaNs replaced by the
reduction's neutral value, or, for the order statistics, restricted to each lane's
non-NaN elements. Replaced elements are constants to a GradientTape; the others get
the plain reduction's gradient."""
import numpy as np

from kerasmini.ops import reductions
from kerasmini.ops.arguments import as_axis, floating, tensor
from kerasmini.ops.elementwise import nan_to_num
from kerasmini.ops.reductions import (_QUANTILE_METHODS, _axes, _last, _nan_filled,
                                      nanmean, quantile_arguments, quantiles_first)
from kerasmini.ops.symbolic import keras_operation


def _nan_argextremum(found, x, axis, keepdims):
    """`found` (an argmax or argmin of the NaN-filled x), -1 where a lane is all NaN."""
    if x.dtype.kind != "f":
        return found
    empty = np.all(np.isnan(np.asarray(x)), axis=axis, keepdims=keepdims)
    return np.where(empty, np.int32(-1), found).astype("int32")


@keras_operation("Nanargmax", config=("axis", "keepdims"))
def nanargmax(x, axis=None, keepdims=False):
    """The index of the largest non-NaN element (-1 where all are NaN)."""
    x = tensor(x)
    found = reductions.argmax(_nan_filled(x, -np.inf), axis, keepdims)
    return _nan_argextremum(found, x, axis, keepdims)


@keras_operation("Nanargmin", config=("axis", "keepdims"))
def nanargmin(x, axis=None, keepdims=False):
    x = tensor(x)
    found = reductions.argmin(_nan_filled(x, np.inf), axis, keepdims)
    return _nan_argextremum(found, x, axis, keepdims)


@keras_operation("Nanprod", config=("axis", "keepdims"))
def nanprod(x, axis=None, keepdims=False):
    return reductions.prod(_nan_filled(x, 1), axis, keepdims)


@keras_operation("Nancumsum", config=("axis", "dtype"))
def nancumsum(x, axis=None, dtype=None):
    """cumsum of nan_to_num(x), as Keras (infinities become the dtype's extremes)."""
    return reductions.cumsum(nan_to_num(x), axis, dtype)


@keras_operation("Nancumprod", config=("axis", "dtype"))
def nancumprod(x, axis=None, dtype=None):
    return reductions.cumprod(nan_to_num(x, nan=1.0), axis, dtype)


@keras_operation("Nanvar", config=("axis", "keepdims"))
def nanvar(x, axis=None, keepdims=False):
    """The population variance of the non-NaN elements (NaN where there are none)."""
    x = floating(x)
    valid = ~np.isnan(np.asarray(x))
    centered = np.where(valid, x - nanmean(x, axis, keepdims=True), np.zeros((), x.dtype))
    count = np.sum(valid, axis=as_axis(axis), keepdims=keepdims).astype(x.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sum(np.square(centered), axis=as_axis(axis), keepdims=keepdims) / count


@keras_operation("Nanstd", config=("axis", "keepdims"))
def nanstd(x, axis=None, keepdims=False):
    return np.sqrt(nanvar(x, axis, keepdims))


@keras_operation("Nanquantile", config=("axis", "method", "keepdims"))
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """quantile over each lane's non-NaN elements (NaN for a lane of NaNs only): the
    lane is sorted (NaNs last) and read at q * (its count - 1). q's axes come first."""
    x, q = quantile_arguments(x, q, method)
    axes = _axes(axis, x.ndim)
    lanes = _last(x, axes)
    ordered = reductions.sort(lanes, axis=-1)  # NaNs sort last
    count = np.sum(~np.isnan(np.asarray(lanes)), axis=-1)
    position = np.maximum(count - 1, 0).reshape(count.shape + (1,) * q.ndim) * q
    low, high = np.floor(position), np.ceil(position)
    flat = (count.shape + (-1,))
    lower = np.take_along_axis(ordered, low.astype(int).reshape(flat), -1).reshape(low.shape)
    upper = np.take_along_axis(ordered, high.astype(int).reshape(flat), -1).reshape(low.shape)
    fraction = (position - low).astype(x.dtype)
    picked = _QUANTILE_METHODS[method](lower, upper, fraction, position)
    empty = (count == 0).reshape(count.shape + (1,) * q.ndim)
    picked = np.where(empty, np.asarray(np.nan, x.dtype), picked)
    return quantiles_first(picked, q, x.shape, axes, keepdims)

@keras_operation("Nanpercentile", config=("axis", "method", "keepdims"))
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    return nanquantile(x, np.asarray(q, "float64") / 100, axis, method, keepdims)


@keras_operation("Nanmedian", config=("axis", "keepdims"))
def nanmedian(x, axis=None, keepdims=False):
    return nanquantile(x, 0.5, axis, keepdims=keepdims)
