"""The backward of sliding windows: each window offset's gradient added back in place.

A window op reads, for window offset (a, b), the input pixels x[i*sh + a*dh, j*sw + b*dw]
of every output pixel (i, j) at once: one strided slice of the (padded) input. Its
gradient therefore adds, per offset, one strided slice of gradient back into a zero
(padded) input gradient. KH*KW vectorized adds; the loop is over window offsets only.
Overlapping windows (stride < kernel) simply add up.
"""

import numpy as np

from kerasmini.ops.layout import standardize_data_format, to_channels_last
from kerasmini.ops.shapes import pair, spatial_padding


def pooling_geometry(inputs, g, pool_size, strides, padding, data_format):
    """What a pooling gradient starts from: the input and output gradient in channels_last,
    pool size and strides as pairs, the (before, after) pads per axis, the data format."""
    data_format = standardize_data_format(data_format)
    pool_size = pair(pool_size)
    strides = pool_size if strides is None else pair(strides)
    x = to_channels_last(np.asarray(inputs), data_format)
    g = to_channels_last(np.asarray(g), data_format)
    pads = spatial_padding(x.shape[1:3], pool_size, strides, padding.lower(), (1, 1))
    return x, g, pool_size, strides, pads, data_format


def offset_slices(kernel_size, strides, dilation_rate, out_hw, first_row=0):
    """((a, b), (row slice, column slice)) of the padded input that window offset (a, b)
    reads for output rows first_row .. first_row + out_hw[0] - 1 and all output columns."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = kernel_size, strides, dilation_rate, out_hw
    for a in range(kh):
        top = first_row * sh + a * dh
        for b in range(kw):
            rows = slice(top, top + sh * (oh - 1) + 1, sh)
            cols = slice(b * dw, b * dw + sw * (ow - 1) + 1, sw)
            yield (a, b), (rows, cols)


def crop_padding(padded, pads):
    """The unpadded N...C part of a padded NHWC array (a view)."""
    (top, bottom), (left, right) = pads
    return padded[:, top:padded.shape[1] - bottom, left:padded.shape[2] - right]
