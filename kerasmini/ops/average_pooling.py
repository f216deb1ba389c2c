"""2D average pooling; with 'same', each window averages only its real pixels (as TF).

Every window sum is a difference of two running (cumulative) sums, rows first, then
columns, so the cost is O(input + output) whatever the window size. The gradient
(average_pooling_vjp.py) is the same computation run backwards: each input pixel is
covered by a contiguous range of output positions along each axis, whose shares are
again a difference of two running sums.
"""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import (check_output_size, output_length, padding_mode, pair,
                                  spatial_padding)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """keras.ops.average_pool for 2D inputs (N, H, W, C) or (N, C, H, W).

    Each window's sum is divided by how many of its pixels lie inside the image (the
    full window for 'valid'; 'same' counts only real pixels, as TF).
    """
    data_format = standardize_data_format(data_format)
    x = to_channels_last(np.asarray(inputs), data_format)
    geometry = Geometry(x.shape[1:3], pool_size, strides, padding)
    check_output_size(geometry.out_hw, np.shape(inputs), {
        "pool_size": geometry.pool_size, "strides": geometry.strides, "padding": padding})
    windows = geometry.windows()
    sums = range_sums(x.astype(np.float64), windows)
    return from_channels_last((sums / geometry.counts()).astype(x.dtype), data_format)


class Geometry:
    """Where each window lies along each axis, 'same' padding cut off at the image."""

    def __init__(self, spatial_shape, pool_size, strides, padding):
        self.pool_size = pair(pool_size, "pool_size")
        self.strides = self.pool_size if strides is None else pair(strides, "strides")
        self.size = tuple(spatial_shape)
        pads = spatial_padding(self.size, self.pool_size, self.strides, padding_mode(padding),
                               (1, 1))
        self.before = [before for before, _ in pads]
        self.out_hw = tuple(output_length(n + before + after, k, s, "valid") for n,
                            (before, after), k, s in zip(self.size, pads, self.pool_size,
                                                         self.strides))

    def windows(self):
        """Per axis, input rows [lo, hi) of each output position's window."""
        ranges = []
        for n, k, s, before, out in zip(self.size, self.pool_size, self.strides,
                                        self.before, self.out_hw):
            starts = np.arange(out) * s - before
            ranges.append((np.clip(starts, 0, n), np.clip(starts + k, 0, n)))
        return ranges

    def covering(self):
        """Per axis, output positions [lo, hi) whose windows cover each input row."""
        ranges = []
        for n, k, s, before, out in zip(self.size, self.pool_size, self.strides,
                                        self.before, self.out_hw):
            position = np.arange(n) + before  # in padded coordinates
            first = -((k - 1 - position) // s)  # ceil((position - k + 1) / s)
            ranges.append((np.clip(first, 0, out), np.clip(position // s + 1, 0, out)))
        return ranges

    def counts(self):
        """(1, OH, OW, 1): the real pixels in each window."""
        (top, bottom), (left, right) = self.windows()
        return ((bottom - top)[:, None] * (right - left)[None, :])[None, :, :, None]


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
