"""2D max pooling over sliding windows."""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import output_length
from kerasmini.ops.windows import pad_for_windows


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """keras.ops.max_pool for 2D inputs (N, H, W, C) or (N, C, H, W).

    'same' pads with -inf, so a pad value never wins over a real pixel.
    NaN propagates: a window holding a NaN yields NaN.
    """
    data_format = standardize_data_format(data_format)
    pool_size = _pair(pool_size)
    strides = pool_size if strides is None else _pair(strides)
    x = to_channels_last(np.asarray(inputs), data_format)
    x = pad_for_windows(x, pool_size, strides, padding.lower(), (1, 1), value=-np.inf)
    out_h, out_w = (output_length(n, k, s, "valid")
                    for n, k, s in zip(x.shape[1:3], pool_size, strides))
    if min(out_h, out_w) <= 0:
        raise ValueError(
            "Computed output size would be zero or negative. Received "
            f"`inputs shape={np.shape(inputs)}`, `pool_size={pool_size}`, "
            f"`strides={strides}`, `padding={padding}`.")
    out = _max_over_offsets(x, pool_size, strides, (out_h, out_w))
    return from_channels_last(out, data_format)


def _max_over_offsets(x, pool_size, strides, out_hw):
    """Running maximum over the KH*KW window offsets: each step is one strided slice."""
    (ph, pw), (sh, sw), (oh, ow) = pool_size, strides, out_hw
    out = None
    for a in range(ph):
        for b in range(pw):
            tap = x[:, a:a + sh * (oh - 1) + 1:sh, b:b + sw * (ow - 1) + 1:sw, :]
            out = tap.copy() if out is None else np.maximum(out, tap, out=out)
    return out


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)
