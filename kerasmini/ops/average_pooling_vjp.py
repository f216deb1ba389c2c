"""Gradient of average_pool: each window spreads its output gradient evenly.

Output pixel (i, j) is the sum of its window's pixels divided by the count of pixels
inside the image (the full window for 'valid'); so every one of those pixels receives
g[i, j] / count[i, j], and overlapping windows add up. Padding receives nothing.
"""
import numpy as np

from kerasmini.ops.layout import from_channels_last
from kerasmini.ops.window_gradients import crop_padding, offset_slices, pooling_geometry
from kerasmini.ops.windows import pad_spatial


def average_pool_vjp(g, out, inputs, pool_size, strides=None, padding="valid",
                     data_format=None):
    """dL/dinputs of `average_pool(inputs, ...)` for g = dL/dout."""
    x, g, pool_size, strides, pads, data_format = pooling_geometry(
        inputs, g, pool_size, strides, padding, data_format)
    inside = pad_spatial(np.ones((1, *x.shape[1:3], 1), g.dtype), pads, 0.0)
    windows = list(offset_slices(pool_size, strides, (1, 1), g.shape[1:3]))
    counts = sum(inside[:, rows, cols] for _, (rows, cols) in windows)
    share = g / counts
    dx_padded = np.zeros((x.shape[0], *inside.shape[1:3], x.shape[3]), g.dtype)
    for _, (rows, cols) in windows:
        dx_padded[:, rows, cols] += share
    return from_channels_last(crop_padding(dx_padded, pads), data_format)
