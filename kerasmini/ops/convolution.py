"""2D convolution (cross-correlation, as Keras) by im2col + one matmul per chunk.

The output is cut into chunks (whole images, or bands of output rows of one image). For
each chunk: copy the padded input band it reads, copy its windows into a patch matrix
(rows: output pixels; columns: (kh, kw, c), the order of the Keras kernel, so the kernel
is a plain reshape), and multiply by the kernel matrix straight into the output.
"""
import numpy as np

from kerasmini.ops.matmul import BLOCKS_PER_WORKER, SMALL_PRODUCT, matmul
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import output_length, spatial_padding
from kerasmini.ops.threads import WORKERS, over_parts
from kerasmini.ops.windows import input_rows, padded_band, row_blocks, window_view

# Upper bound on one chunk's patch matrix (the im2col workspace), whatever the batch size.
# Measured on a 2-core AVX-512 machine: 4 to 16 MiB run alike (the matmul dominates), smaller
# chunks lose BLAS efficiency. Two threads, each copying and multiplying its own chunk, were
# slower: both threads' BLAS calls compete for the same two cores.
WORKSPACE_BYTES = 4 * 2**20

# Every matmul goes through blas_threads.matmul, which gives a small product one BLAS
# thread and a large one the cores no other process keeps busy (see that module).


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """keras.ops.conv for 2D: inputs (N, H, W, C) or (N, C, H, W), kernel (KH, KW, C/g, F).

    The number of groups g is C // kernel.shape[2]. No bias, no activation.
    """
    data_format = standardize_data_format(data_format)
    strides, dilation_rate = _pair(strides), _pair(dilation_rate)
    x = to_channels_last(np.asarray(inputs), data_format)
    kernel_size = kernel.shape[:2]
    pads = spatial_padding(x.shape[1:3], kernel_size, strides, padding.lower(), dilation_rate)
    out_hw = [output_length(n + before + after, k, s, "valid", d)
              for n, (before, after), k, s, d
              in zip(x.shape[1:3], pads, kernel_size, strides, dilation_rate)]
    if min(out_hw) <= 0:
        raise ValueError(
            "Computed output size would be zero or negative. Received "
            f"`inputs shape={np.shape(inputs)}`, `kernel shape={kernel.shape}`, "
            f"`dilation_rate={dilation_rate}`, `strides={strides}`, `padding={padding}`.")
    out = np.empty((x.shape[0], *out_hw, kernel.shape[3]), dtype=np.result_type(x, kernel))
    one_by_one = kernel_size == (1, 1) and strides == (1, 1)
    if one_by_one and x.shape[3] == kernel.shape[2] and x.flags.c_contiguous:
        # A 1x1 convolution is a matmul over the channels: no patches, no workspace.
        matmul(_rows(x), kernel.reshape(kernel.shape[2:]), _rows(out))
        return from_channels_last(out, data_format)

    def convolve(block):
        images, rows = block
        in_rows = input_rows(rows, kernel_size[0], strides[0], dilation_rate[0])
        band = padded_band(x, images, in_rows, pads)
        windows = window_view(band, kernel_size, strides, dilation_rate,
                              (rows.stop - rows.start, out_hw[1]))
        _grouped_matmul(windows, kernel, out[images, rows])

    row_bytes = _patch_row_bytes(out.shape, kernel, out.itemsize)
    multiply_adds = out.size * row_bytes // out.itemsize // out.shape[2]
    if multiply_adds > SMALL_PRODUCT:  # blocks for the threads to share, a few each
        budget = row_bytes * out.shape[0] * out.shape[1] // (BLOCKS_PER_WORKER * WORKERS)
        over_parts(convolve, row_blocks(*out.shape[:2], row_bytes,
                                        min(WORKSPACE_BYTES, budget)))
    else:
        for block in _chunks(out.shape, row_bytes):
            convolve(block)
    return from_channels_last(out, data_format)


def _rows(array):
    """A contiguous (..., C) array as a 2D (pixels, C) view; raises rather than copy."""
    flat = array.view()
    flat.shape = (-1, array.shape[-1])
    return flat


def _grouped_matmul(windows, kernel, out):
    """out[..., group g] = patches of input group g @ kernel of group g."""
    kh, kw, c_per_group, filters = kernel.shape
    groups = windows.shape[-1] // c_per_group
    if groups == 1:
        # The whole output block is contiguous: the matmul writes into it directly.
        patches = windows.reshape(-1, kh * kw * c_per_group)  # the im2col copy
        matmul(patches, kernel.reshape(-1, filters), _rows(out))
        return
    f_per_group = filters // groups
    for g in range(groups):
        k_matrix = kernel[..., g * f_per_group:(g + 1) * f_per_group].reshape(-1, f_per_group)
        patches = windows[..., g * c_per_group:(g + 1) * c_per_group].reshape(
            -1, k_matrix.shape[0])
        group_out = out[..., g * f_per_group:(g + 1) * f_per_group]
        product = np.empty((patches.shape[0], f_per_group), dtype=out.dtype)
        group_out[...] = matmul(patches, k_matrix, product).reshape(group_out.shape)


def _patch_row_bytes(out_shape, kernel, itemsize):
    """Bytes of the patch matrix rows of one output row (one group at a time)."""
    kh, kw, c_per_group, _ = kernel.shape
    return out_shape[2] * kh * kw * c_per_group * itemsize


def _chunks(out_shape, row_bytes):
    """(batch slice, output-row slice) blocks whose patch matrix fits in WORKSPACE_BYTES."""
    return row_blocks(out_shape[0], out_shape[1], row_bytes, WORKSPACE_BYTES)


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)
