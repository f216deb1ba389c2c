"""2D average pooling; with 'same', each window averages only its real pixels (as TF).

Two ways to the window sums, chosen per call by how many windows cover a pixel:
- a direct sum of strided slices (ops/window_reduction.py), separable: KH passes along the
  height, then KW along the width, in the input's dtype (as TF). A pixel is read about
  ceil(K / stride) times per axis: once for the common non-overlapping 2x2/2.
- running (cumulative) sums in float64 for windows that overlap a lot: every window sum
  is a difference of two running sums, rows first, then columns, so the cost is
  O(input + output) whatever the window size.
The gradient (average_pooling_vjp.py) runs the same two computations backwards.
"""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.window_reduction import pool_geometry, reduce_windows

# Above this many windows per pixel along an axis (ceil(pool / stride)), running sums
# replace the direct sum: a direct pass costs about a tenth of a float64 cumsum pass.
DIRECT_OVERLAP = 8


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """keras.ops.average_pool for 2D inputs (N, H, W, C) or (N, C, H, W).

    Each window's sum is divided by how many of its pixels lie inside the image (the
    full window for 'valid'; 'same' counts only real pixels, as TF).
    """
    data_format = standardize_data_format(data_format)
    x = to_channels_last(np.asarray(inputs), data_format)
    geometry = pool_geometry(np.shape(inputs), x.shape[1:3], pool_size, strides, padding)
    if direct(geometry) and x.dtype in (np.float32, np.float64):
        counts = geometry.counts(x.dtype)  # a scalar when every window is full

        def divide(sums, rows):  # each block of sums while it is still in cache
            if np.ndim(counts) == 0 and power_of_two(counts):
                # x * (1 / 2^k) is x / 2^k exactly (one rounding of the same value),
                # and a product is cheaper: 2x2 windows 0.64 -> 0.28 ms of 4.3 ms
                np.multiply(sums, 1 / counts, out=sums)
            else:
                np.divide(sums, counts if np.ndim(counts) == 0 else counts[:, rows],
                          out=sums)

        out = np.empty((x.shape[0], *geometry.out_hw, x.shape[3]), dtype=x.dtype)
        return from_channels_last(reduce_windows(np.add, x, out, *geometry.axes(), divide),
                                  data_format)
    # many overlapping windows, or a dtype summed in float64 (as before)
    sums = range_sums(x.astype(np.float64), geometry.windows())
    out = np.divide(sums, geometry.counts(sums.dtype), out=sums)
    return from_channels_last(out.astype(x.dtype, copy=False), data_format)


def power_of_two(count):
    """Whether a (positive, integral) window count is 1, 2, 4, 8, ..."""
    count = int(count)
    return count & (count - 1) == 0


def direct(geometry):
    """Whether a direct sum reads each pixel at most DIRECT_OVERLAP times per axis."""
    return all(-(-k // s) <= DIRECT_OVERLAP
               for k, s in zip(geometry.pool_size, geometry.strides))


def range_sums(x, ranges):
    """s[n, i, j, c] = sum of x[n, lo1[i]:hi1[i], lo2[j]:hi2[j], c] for ranges
    ((lo1, hi1), (lo2, hi2)) along axes 1 and 2, from running sums (float64 x).

    A running sum past an inf is inf (or NaN) forever, so non-finite values are summed
    apart: as zeros, plus a count of NaN, +inf and -inf in each range.
    """
    finite = np.isfinite(x)
    if finite.all():
        return _separable_sums(x, ranges)
    sums = _separable_sums(np.where(finite, x, 0.0), ranges)
    nan, pos, neg = (_separable_sums(mask.astype(np.float64), ranges) > 0
                     for mask in (np.isnan(x), x == np.inf, x == -np.inf))
    sums[pos] = np.inf
    sums[neg] = -np.inf
    sums[nan | (pos & neg)] = np.nan
    return sums


def _separable_sums(x, ranges):
    for axis, (lo, hi) in zip((1, 2), ranges):
        shape = list(x.shape)
        shape[axis] = 1
        running = np.concatenate([np.zeros(shape), np.cumsum(x, axis=axis)], axis=axis)
        x = np.take(running, hi, axis=axis) - np.take(running, lo, axis=axis)
    return x
