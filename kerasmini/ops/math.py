"""keras.ops.math: logsumexp, erf, rsqrt, top_k, in_top_k, segment sums and maxima,
logdet. The numpy-namespace functions live in elementwise.py, reductions.py,
arrays.py, creation.py and contractions.py (kerasmini.ops exports them all)."""
import math

import numpy as np

from kerasmini import activations
from kerasmini.autodiff import record
from kerasmini.autodiff.traced import plain
from kerasmini.ops import linalg, reductions
from kerasmini.ops.arguments import as_axis, floating, tensor
from kerasmini.ops.symbolic import MATH, keras_operation


@keras_operation("Logsumexp", config=("axis", "keepdims"), module=MATH)
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) with the maximum taken out first (a constant: its gradient
    cancels), so exp never overflows."""
    x = floating(x)
    axis = as_axis(axis)
    peak = np.max(np.asarray(x), axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)
    total = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return total if keepdims else np.squeeze(total, axis=axis)


@keras_operation("Erf", module=MATH)
def erf(x):
    """The error function (computed in float64); d erf / dx = 2 exp(-x^2) / sqrt(pi)."""
    x = floating(x)
    y = activations.erf(plain(x)).astype(x.dtype)
    slope = lambda g: (g * 2 / math.sqrt(math.pi) * np.exp(-np.square(plain(x))),)
    return record(y, (x,), slope, "erf")


@keras_operation("Rsqrt", module=MATH)
def rsqrt(x):
    return 1 / np.sqrt(floating(x))


@keras_operation("Logdet", module=MATH)
def logdet(x):
    """log(det(x)) of positive definite matrices (slogdet's log|det|)."""
    return linalg.slogdet(x)[1]


@keras_operation("TopK", config=("k", "sorted"), module=MATH)
def top_k(x, k, sorted=True):  # noqa: A002 (Keras's name)
    """(values, indices) of the k largest elements along the last axis, largest first
    (ties: the lower index first, as TensorFlow); values are recorded (a
    take_along_axis), indices are int32 constants."""
    x = tensor(x)
    size = np.shape(x)[-1] if np.ndim(x) else 0
    if not 0 <= k <= size:  # TensorFlow: "Need k >= 0", "must have at least k columns"
        raise ValueError(f"Argument `k` must be in [0, {size}] (the last axis's size). "
                         f"Received: k={k}")
    order = np.argsort(-np.asarray(x), axis=-1, kind="stable")[..., :k].astype("int32")
    return np.take_along_axis(x, order, axis=-1), order


@keras_operation("InTopK", config=("k",), module=MATH)
def in_top_k(targets, predictions, k):
    """Whether each target class is among the k largest predictions (ties count in)."""
    predictions = np.asarray(tensor(predictions))
    targets = np.asarray(tensor(targets)).astype(int)
    score = np.take_along_axis(predictions, targets[:, None], axis=-1)
    return np.sum(predictions > score, axis=-1) < k


def _segments(data, segment_ids, num_segments):
    segment_ids = np.asarray(tensor(segment_ids))
    if num_segments is None:
        num_segments = int(segment_ids.max()) + 1 if segment_ids.size else 0
    return tensor(data), segment_ids, num_segments


@keras_operation("SegmentSum", config=("num_segments", "sorted"), module=MATH)
def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Sums of data's rows per segment id (ids outside [0, num_segments) dropped)."""
    data, ids, count = _segments(data, segment_ids, num_segments)
    member = (ids[None, :] == np.arange(count)[:, None]).astype(data.dtype)
    return np.einsum("sn,n...->s...", member, data)


@keras_operation("SegmentMax", config=("num_segments", "sorted"), module=MATH)
def segment_max(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Maxima of data's rows per segment (an empty segment gives the dtype's lowest,
    as TensorFlow's unsorted_segment_max)."""
    data, ids, count = _segments(data, segment_ids, num_segments)
    info = np.finfo if data.dtype.kind == "f" else np.iinfo
    return reductions.max(_spread(data, ids, count, info(data.dtype).min), axis=1)


def _spread(data, ids, count, fill):
    """(count, rows, ...): row n of data in slice s where ids[n] == s, `fill` elsewhere."""
    member = (ids == np.arange(count)[:, None]).reshape((count, -1) + (1,) * (data.ndim - 1))
    return np.where(member, data[None], np.asarray(fill, data.dtype))


@keras_operation("Erfc", module=MATH)
def erfc(x):
    """1 - erf(x), accurate far in the tail (computed in float64); its derivative is
    -2 exp(-x^2) / sqrt(pi)."""
    x = floating(x)
    y = activations.erfc(plain(x)).astype(x.dtype)
    slope = lambda g: (-g * 2 / math.sqrt(math.pi) * np.exp(-np.square(plain(x))),)
    return record(y, (x,), slope, "erfc")


@keras_operation("Erfinv", module=MATH)
def erfinv(x):
    """The inverse of erf on (-1, 1) (+-inf at +-1, NaN outside): Giles's single
    precision approximation refined by Newton steps on erf in float64; the derivative
    is sqrt(pi) / 2 exp(erfinv(x)^2)."""
    x = floating(x)
    y = _erfinv(np.asarray(plain(x), "float64"))
    slope = lambda g: (g * math.sqrt(math.pi) / 2 * np.exp(np.square(y)),)
    return record(y.astype(x.dtype), (x,), slope, "erfinv")


def _erfinv(x):
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1 - x) * (1 + x))
        central, tail = w - 2.5, np.sqrt(w) - 3
        p = np.where(w < 5, np.polyval(_ERFINV_CENTRAL, central),
                     np.polyval(_ERFINV_TAIL, tail)) * x
        for _ in range(3):  # Newton on erf(y) = x: each step doubles the digits
            step = (activations.erf(p) - x) / (2 / math.sqrt(math.pi) * np.exp(-p * p))
            p = np.where(np.isfinite(step), p - step, p)
    p = np.where(np.abs(x) == 1, np.copysign(np.inf, x), p)
    return np.where(np.abs(x) > 1, np.nan, p)


# Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), single precision
_ERFINV_CENTRAL = [2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                   0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]
_ERFINV_TAIL = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
                0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]


@keras_operation("SegmentMin", config=("num_segments", "sorted"), module=MATH)
def segment_min(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Minima of data's rows per segment (an empty segment gives the dtype's largest,
    as TensorFlow's unsorted_segment_min)."""
    data, ids, count = _segments(data, segment_ids, num_segments)
    info = np.finfo if data.dtype.kind == "f" else np.iinfo
    return reductions.min(_spread(data, ids, count, info(data.dtype).max), axis=1)


@keras_operation("SegmentProd", config=("num_segments", "sorted"), module=MATH)
def segment_prod(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Products of data's rows per segment (1 for an empty segment)."""
    data, ids, count = _segments(data, segment_ids, num_segments)
    return reductions.prod(_spread(data, ids, count, 1), axis=1)


@keras_operation("CDist", module=MATH)
def cdist(x, y):
    """Euclidean distances between x's and y's rows: (..., m, d), (..., n, d) ->
    (..., m, n)."""
    x, y = floating(x), floating(y)
    difference = x[..., :, None, :] - y[..., None, :, :]
    return np.sqrt(np.sum(np.square(difference), axis=-1))


# keras.ops.math's Fourier transforms, which live in spectral.py
from kerasmini.ops.spectral import (extract_sequences, fft, fft2, ifft2,  # noqa: E402
                                    irfft, istft, rfft, stft, view_as_complex,
                                    view_as_real)
