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
    lowest = np.finfo(data.dtype).min if data.dtype.kind == "f" else np.iinfo(data.dtype).min
    member = (ids == np.arange(count)[:, None]).reshape((count, -1) + (1,) * (data.ndim - 1))
    spread = np.where(member, data[None], np.asarray(lowest, data.dtype))
    return reductions.max(spread, axis=1)
