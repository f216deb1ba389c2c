"""Gradient of resize: each axis's resize is a matrix, its gradient the transpose.

Along one axis resized from n to m pixels, output pixel o is a fixed mix of input
pixels: one (nearest) or two (bilinear: weights 1 - w and w, the two neighbours of
o's input coordinate, clamped to the edges). That is y = A @ x along the axis, with A
the (m, n) interpolation matrix, so dL/dx = A.T @ dL/dy: every input pixel collects the
gradient of each output that read it, times the weight it was read with. The axes are
separable, so the rule applies A_w.T along the width, then A_h.T along the height, each
one matmul (BLAS). A crop_to_aspect_ratio's cut pixels get zero gradient.
"""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.resizing import aspect_ratio_crop, bilinear_sources, nearest_sources


def resize_vjp(g, out, images, size, interpolation="bilinear", data_format=None,
               crop_to_aspect_ratio=False):
    """dL/dimages of `resize(images, size, ...)` for g = dL/dout."""
    data_format = standardize_data_format(data_format)
    x = to_channels_last(np.asarray(images), data_format)
    g = to_channels_last(np.asarray(g), data_format)
    wide = np.float32 if g.dtype == np.float16 else g.dtype
    crop = aspect_ratio_crop(x.shape[1:3], size) if crop_to_aspect_ratio else \
        (slice(None), slice(None))
    height, width = (len(range(*s.indices(n))) for s, n in zip(crop, x.shape[1:3]))
    rows_t = interpolation_matrix(height, size[0], interpolation).T.astype(wide)
    cols_t = interpolation_matrix(width, size[1], interpolation).T.astype(wide)
    g_cols = np.matmul(cols_t, g.astype(wide, copy=False))  # (N, m_h, width, C)
    n, _, _, channels = g_cols.shape
    g_rows = np.matmul(rows_t, g_cols.reshape(n, size[0], width * channels))
    dx = np.zeros(x.shape, x.dtype if x.dtype.kind == "f" else wide)
    dx[(slice(None), *crop)] = g_rows.reshape(n, height, width, channels)
    return from_channels_last(dx, data_format)


def interpolation_matrix(length, new_length, interpolation):
    """A (new_length, length): row o holds the weights output pixel o reads inputs with."""
    matrix = np.zeros((new_length, length))
    o = np.arange(new_length)
    if interpolation == "nearest":
        matrix[o, nearest_sources(length, new_length)] = 1.0
        return matrix
    below, above, weight = bilinear_sources(length, new_length)
    np.add.at(matrix, (o, below), 1.0 - weight)  # add: below == above at the edges
    np.add.at(matrix, (o, above), weight)
    return matrix
