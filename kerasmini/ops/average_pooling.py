"""2D average pooling; with 'same', each window averages only its real pixels (as TF)."""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import (check_output_size, output_length, padding_mode, pair,
                                  spatial_padding)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """keras.ops.average_pool for 2D inputs (N, H, W, C) or (N, C, H, W).

    Each window's sum is the difference of two running (cumulative) sums, rows first,
    then columns, so the cost is O(input + output) whatever the window size; each sum
    is divided by how many of its pixels lie inside the image (the full window for
    'valid'; 'same' counts only real pixels, as TF). Running sums are kept in float64:
    a difference of two large partial sums would lose float32 digits.
    """
    data_format = standardize_data_format(data_format)
    pool_size = pair(pool_size, "pool_size")
    strides = pool_size if strides is None else pair(strides, "strides")
    padding = padding_mode(padding)
    x = to_channels_last(np.asarray(inputs), data_format)
    pads = spatial_padding(x.shape[1:3], pool_size, strides, padding, (1, 1))
    out_hw = tuple(output_length(n + before + after, k, s, "valid") for n, (before, after),
                   k, s in zip(x.shape[1:3], pads, pool_size, strides))
    check_output_size(out_hw, np.shape(inputs), {"pool_size": pool_size,
                                                 "strides": strides, "padding": padding})
    geometry = (pool_size, strides, [before for before, _ in pads], out_hw)
    values = x.astype(np.float64)
    finite = np.isfinite(values)
    if finite.all():
        sums = _box_sums(values, *geometry)
    else:  # a cumulative sum past an inf is inf forever: count the non-finite apart
        sums = _box_sums(np.where(finite, values, 0.0), *geometry)
        nan, pos, neg = (_box_sums(mask.astype(np.float64), *geometry) > 0 for mask in
                         (np.isnan(values), values == np.inf, values == -np.inf))
        sums[pos] = np.inf
        sums[neg] = -np.inf
        sums[nan | (pos & neg)] = np.nan
    counts = _box_sums(np.ones((1, *x.shape[1:3], 1)), *geometry)
    return from_channels_last((sums / counts).astype(x.dtype), data_format)


def _box_sums(x, pool_size, strides, pads_before, out_hw):
    """The window sums of an NHWC array: along the rows, then along the columns."""
    for axis in (1, 2):
        i = axis - 1
        x = _window_sums(x, axis, pool_size[i], strides[i], pads_before[i], out_hw[i])
    return x


def _window_sums(x, axis, kernel, stride, pad_before, out_length):
    """Sums of the windows along one axis.

    With c = [0, x0, x0 + x1, ...], the window [lo, hi) sums to c[hi] - c[lo]; window i
    starts at i * stride - pad_before, and the padded pixels, being zeros, are simply
    cut off by clipping [lo, hi) to the input.
    """
    length = x.shape[axis]
    shape = list(x.shape)
    shape[axis] = 1
    running = np.concatenate([np.zeros(shape, x.dtype), np.cumsum(x, axis=axis)], axis=axis)
    starts = np.arange(out_length) * stride - pad_before
    lo, hi = np.clip(starts, 0, length), np.clip(starts + kernel, 0, length)
    return np.take(running, hi, axis=axis) - np.take(running, lo, axis=axis)
