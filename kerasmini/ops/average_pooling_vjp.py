"""Gradient of average_pool: each window spreads its output gradient evenly.

Output pixel (i, j) is the sum of its window's pixels divided by the count of pixels
inside the image (the full window for 'valid'); so every one of those pixels receives
g[i, j] / count[i, j], and overlapping windows add up. Padding receives nothing. The
output positions covering an input pixel form a contiguous range along each axis, so
their shares are summed with running sums, as in the forward pass: O(input + output).
"""
import numpy as np

from kerasmini.ops.average_pooling import Geometry, range_sums
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)


def average_pool_vjp(g, out, inputs, pool_size, strides=None, padding="valid",
                     data_format=None):
    """dL/dinputs of `average_pool(inputs, ...)` for g = dL/dout."""
    data_format = standardize_data_format(data_format)
    x = to_channels_last(np.asarray(inputs), data_format)
    g = to_channels_last(np.asarray(g), data_format)
    geometry = Geometry(x.shape[1:3], pool_size, strides, padding)
    share = g.astype(np.float64) / geometry.counts()
    dx = range_sums(share, geometry.covering())
    return from_channels_last(dx.astype(g.dtype), data_format)
