"""2D max pooling over sliding windows, as a separable maximum (ops/window_reduction.py):
KH passes along the height, then KW along the width, in cache-sized blocks of output rows.
"""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.window_reduction import pool_geometry, reduce_windows


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """keras.ops.max_pool for 2D inputs (N, H, W, C) or (N, C, H, W).

    'same' pads with -inf, so a pad value never wins over a real pixel.
    NaN propagates: a window holding a NaN yields NaN.
    """
    data_format = standardize_data_format(data_format)
    x = to_channels_last(np.asarray(inputs), data_format)
    geometry = pool_geometry(np.shape(inputs), x.shape[1:3], pool_size, strides, padding)
    out = np.empty((x.shape[0], *geometry.out_hw, x.shape[3]), dtype=x.dtype)
    reduce_windows(np.maximum, x, out, *geometry.axes())
    return from_channels_last(out, data_format)
