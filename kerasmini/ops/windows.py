"""Sliding windows as a strided view: the im2col of every conv and pooling kernel."""
import numpy as np
from numpy.lib.stride_tricks import as_strided

from kerasmini.ops.shapes import effective_kernel_size

# Patch matrices of at most FEW_CHANNELS channels and FEW_COLUMNS columns are built column
# by column (patch_matrix). Measured, float32, one thread, whole conv: 1 channel 3x3
# 0.49 -> 0.29 ms (batch 32, stride 1) and 0.16 -> 0.10 (stride 2); 3 channels 3x3
# 1.30 -> 1.11 ms (8x64x64); 2 channels 5x5 even; slower from 8 channels, and for 7x7x3
# (147 columns: 6.1 -> 6.5 ms, the long reduction is BLAS's better read row-major).
FEW_CHANNELS = 3
FEW_COLUMNS = 64


def pad_spatial(x, pads, value=0.0):
    """Pad the spatial axes of an N...C array by per-axis (before, after) pairs."""
    if not any(before or after for before, after in pads):
        return x
    return np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=value)


def window_view(x, kernel_size, strides, dilation_rate, out_shape):
    """Read-only view (N, OH, OW, KH, KW, C) of a padded NHWC array.

    Element [n, i, j, a, b, c] is x[n, i*sh + a*dh, j*sw + b*dw, c]: no data is copied
    until the caller reshapes a block of it into a patch matrix.
    """
    sn, sh, sw, sc = x.strides
    (stride_h, stride_w), (dil_h, dil_w) = strides, dilation_rate
    shape = (x.shape[0], *out_shape, *kernel_size, x.shape[3])
    view_strides = (sn, sh * stride_h, sw * stride_w, sh * dil_h, sw * dil_w, sc)
    if not x.flags.c_contiguous:
        return as_strided(x, shape=shape, strides=view_strides, writeable=False)
    # the same view straight on x's memory: as_strided's round trip through an array
    # interface costs ~4x as much, four times a training step
    view = np.ndarray(shape, x.dtype, x, 0, view_strides)
    view.flags.writeable = False
    return view


def patch_matrix(windows):
    """The (N*OH*OW, KH*KW*C) patch matrix (im2col) of a window view (N, OH, OW, KH, KW, C).

    Row-major, the copy moves C values at a time: for a grayscale image one float per
    step, slower than the product it feeds (measured, (16, 28, 28, 1) 3x3 to 32 filters:
    0.12 ms copy, 0.08 ms matmul). With few channels and columns (FEW_CHANNELS, above)
    the matrix is built as its transpose instead, one (N, OH, OW) plane per offset and
    channel, rows copied as runs of the input, and handed over as a column-major view,
    which BLAS reads as well as a row-major one.
    """
    n, oh, ow, kh, kw, c = windows.shape
    if c > FEW_CHANNELS or kh * kw * c > FEW_COLUMNS:
        return windows.reshape(-1, kh * kw * c)
    columns = np.ascontiguousarray(windows.transpose(3, 4, 5, 0, 1, 2))
    return columns.reshape(kh * kw * c, -1).T


def input_rows(out_rows, kernel_h, stride_h, dilation_h):
    """Input rows [start, stop), in padded coordinates, that output rows `out_rows` read."""
    start = out_rows.start * stride_h
    stop = (out_rows.stop - 1) * stride_h + effective_kernel_size(kernel_h, dilation_h)
    return start, stop


def padded_band(x, images, rows, pads, value=0.0):
    """Rows [start, stop) (padded coordinates) of images `images`, padded: an NHWC block.

    The padding of the whole input is never made: only the band one chunk needs is
    copied into a fresh buffer, so memory stays bounded by the chunk, not the batch.
    A band that needs no pad pixel is returned as a view, with no copy at all.
    """
    (top, _), (left, right) = pads
    start, stop = rows[0] - top, rows[1] - top  # in the unpadded input's rows
    height = x.shape[1]
    if start >= 0 and stop <= height and not (left or right):
        return x[images, start:stop]
    block = x[images, max(start, 0):min(stop, height)]
    band = np.empty((block.shape[0], stop - start, left + x.shape[2] + right, x.shape[3]),
                    dtype=x.dtype)
    # Fill only the border, then copy the image once into the middle.
    inner_top, inner_bottom = max(-start, 0), max(-start, 0) + block.shape[1]
    band[:, :inner_top] = value
    band[:, inner_bottom:] = value
    band[:, inner_top:inner_bottom, :left] = value
    band[:, inner_top:inner_bottom, left + x.shape[2]:] = value
    band[:, inner_top:inner_bottom, left:left + x.shape[2]] = block
    return band


def row_blocks(batch, out_h, row_bytes, budget_bytes):
    """(batch slice, output-row slice) blocks of an (N, OH, ...) output, in order.

    A block's workspace is `row_bytes` per output row and stays within `budget_bytes`:
    whole images per block when an image fits, otherwise a band of output rows of one
    image at a time. Nothing grows with the batch size.
    """
    rows_per_block = max(1, budget_bytes // max(row_bytes, 1))
    if rows_per_block >= out_h:
        images = rows_per_block // out_h
        for n0 in range(0, batch, images):
            yield slice(n0, min(n0 + images, batch)), slice(0, out_h)
        return
    for n in range(batch):
        for r0 in range(0, out_h, rows_per_block):
            yield slice(n, n + 1), slice(r0, min(r0 + rows_per_block, out_h))
