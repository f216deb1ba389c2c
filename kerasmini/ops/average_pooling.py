"""2D average pooling; with 'same', each window averages only its real pixels (as TF)."""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import check_output_size, output_length, pair
from kerasmini.ops.windows import pad_for_windows


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """keras.ops.average_pool for 2D inputs (N, H, W, C) or (N, C, H, W).

    The window sums come from zero-padded input; each is divided by how many of its
    pixels lie inside the image (the full window size for 'valid').
    """
    data_format = standardize_data_format(data_format)
    pool_size = pair(pool_size)
    strides = pool_size if strides is None else pair(strides)
    padding = padding.lower()
    x = to_channels_last(np.asarray(inputs), data_format)
    height, width = x.shape[1:3]
    x = pad_for_windows(x, pool_size, strides, padding, (1, 1))
    out_hw = tuple(output_length(n, k, s, "valid")
                   for n, k, s in zip(x.shape[1:3], pool_size, strides))
    check_output_size(out_hw, np.shape(inputs), {"pool_size": pool_size,
                                                 "strides": strides, "padding": padding})
    sums = _sum_over_offsets(x, pool_size, strides, out_hw)
    ones = pad_for_windows(np.ones((1, height, width, 1), x.dtype), pool_size, strides,
                           padding, (1, 1))
    counts = _sum_over_offsets(ones, pool_size, strides, out_hw)
    return from_channels_last(sums / counts, data_format)


def _sum_over_offsets(x, pool_size, strides, out_hw):
    """Running sum over the KH*KW window offsets: each step is one strided slice."""
    (ph, pw), (sh, sw), (oh, ow) = pool_size, strides, out_hw
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]), x.dtype)
    for a in range(ph):
        for b in range(pw):
            out += x[:, a:a + sh * (oh - 1) + 1:sh, b:b + sw * (ow - 1) + 1:sw, :]
    return out
