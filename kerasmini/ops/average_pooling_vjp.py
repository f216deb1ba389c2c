"""Gradient of average_pool: each window spreads its output gradient evenly.

Output pixel (i, j) is the sum of its window's pixels divided by the count of pixels
inside the image (the full window for 'valid'); so every one of those pixels receives
g[i, j] / count[i, j], and overlapping windows add up. Padding receives nothing.
"""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import pair, spatial_padding
from kerasmini.ops.window_gradients import crop_padding, offset_slices
from kerasmini.ops.windows import pad_spatial


def average_pool_vjp(g, out, inputs, pool_size, strides=None, padding="valid",
                     data_format=None):
    """dL/dinputs of `average_pool(inputs, ...)` for g = dL/dout."""
    data_format = standardize_data_format(data_format)
    pool_size = pair(pool_size)
    strides = pool_size if strides is None else pair(strides)
    x = to_channels_last(np.asarray(inputs), data_format)
    g = to_channels_last(np.asarray(g), data_format)
    pads = spatial_padding(x.shape[1:3], pool_size, strides, padding.lower(), (1, 1))
    inside = pad_spatial(np.ones((1, *x.shape[1:3], 1), g.dtype), pads, 0.0)
    windows = list(offset_slices(pool_size, strides, (1, 1), g.shape[1:3]))
    counts = sum(inside[:, rows, cols] for _, (rows, cols) in windows)
    share = g / counts
    dx_padded = np.zeros((x.shape[0], *inside.shape[1:3], x.shape[3]), g.dtype)
    for _, (rows, cols) in windows:
        dx_padded[:, rows, cols] += share
    return from_channels_last(crop_padding(dx_padded, pads), data_format)
