"""Sliding windows as a strided view: the im2col of every conv and pooling kernel."""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from kerasmini.ops.shapes import spatial_padding


def pad_spatial(x, pads, value=0.0):
    """Pad the spatial axes of an N...C array by per-axis (before, after) pairs."""
    if not any(before or after for before, after in pads):
        return x
    return np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=value)


def pad_for_windows(x, kernel_size, strides, padding, dilation_rate, value=0.0):
    """The padded N...C input whose 'valid' windows are the windows of `padding`."""
    pads = spatial_padding(x.shape[1:-1], kernel_size, strides, padding, dilation_rate)
    return pad_spatial(x, pads, value)


def window_view(x, kernel_size, strides, dilation_rate, out_shape):
    """Read-only view (N, OH, OW, KH, KW, C) of a padded NHWC array.

    Element [n, i, j, a, b, c] is x[n, i*sh + a*dh, j*sw + b*dw, c]: no data is copied
    until the caller reshapes a block of it into a patch matrix.
    """
    sn, sh, sw, sc = x.strides
    (stride_h, stride_w), (dil_h, dil_w) = strides, dilation_rate
    shape = (x.shape[0], *out_shape, *kernel_size, x.shape[3])
    view_strides = (sn, sh * stride_h, sw * stride_w, sh * dil_h, sw * dil_w, sc)
    return as_strided(x, shape=shape, strides=view_strides, writeable=False)
