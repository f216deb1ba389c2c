"""Gradient of average_pool: each window spreads its output gradient evenly.

Output pixel (i, j) is the sum of its window's pixels divided by the count of pixels
inside the image (the full window for 'valid'); so every one of those pixels receives
g[i, j] / count[i, j], and overlapping windows add up. Padding receives nothing.
As in the forward pass, two ways: where few windows overlap, each window offset adds
its shares to a strided slice (along the width, then the height: the forward's passes
run backwards); otherwise the output positions covering an input pixel form a range
along each axis, and their shares are summed from running sums: O(input + output).
"""
import numpy as np

from kerasmini.ops.average_pooling import direct, range_sums
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.window_reduction import PoolGeometry, spread


def average_pool_vjp(g, out, inputs, pool_size, strides=None, padding="valid",
                     data_format=None):
    """dL/dinputs of `average_pool(inputs, ...)` for g = dL/dout."""
    data_format = standardize_data_format(data_format)
    x = to_channels_last(np.asarray(inputs), data_format)
    g = to_channels_last(np.asarray(g), data_format)
    geometry = PoolGeometry(x.shape[1:3], pool_size, strides, padding)
    if direct(geometry) and g.dtype in (np.float32, np.float64):
        share = g / geometry.counts(g.dtype)
        (height, width), (n, h, w, c) = geometry.axes(), x.shape
        rows = spread(share, np.empty((n, share.shape[1], w, c), g.dtype), 2, *width)
        return from_channels_last(spread(rows, np.empty(x.shape, g.dtype), 1, *height),
                                  data_format)
    share = g.astype(np.float64) / geometry.counts(np.dtype(np.float64))
    dx = range_sums(share, geometry.covering())
    return from_channels_last(dx.astype(g.dtype), data_format)
