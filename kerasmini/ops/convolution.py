"""2D convolution (cross-correlation, as Keras) by im2col + one matmul per chunk.

The output is cut into chunks (whole images, or bands of output rows of one image). For
each chunk: copy the padded input band it reads, copy its windows into a patch matrix
(rows: output pixels; columns: (kh, kw, c), the order of the Keras kernel, so the kernel
is a plain reshape), and multiply by the kernel matrix straight into the output.
"""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import (check_output_size, check_strides_and_dilation,
                                  output_length, padding_mode, pair, spatial_padding)
from kerasmini.ops.windows import input_rows, padded_band, row_blocks, window_view

# Upper bound on one chunk's patch matrix (the im2col workspace), whatever the batch size.
# Measured on a 2-core AVX-512 machine: 4 to 16 MiB run alike (the matmul dominates), smaller
# chunks lose BLAS efficiency. Two threads, each copying and multiplying its own chunk, were
# slower: both threads' BLAS calls compete for the same two cores.
WORKSPACE_BYTES = 4 * 2**20

# NumPy's OpenBLAS computes a product of under about 10**6 multiply-adds on the calling
# thread; a larger one wakes its second thread, and whenever the other core is busy that
# wake-up waits for a scheduler tick. Measured on the loaded 2-core machine:
# (606x27)@(27x64), 1.05e6 multiply-adds, took 8 ms; (512x27)@(27x64) took 0.013 ms, and
# two such halves 0.03 ms; on a quiet machine one call and the halves run alike. So a
# small product (the latency cases) is cut into row pieces of at most SMALL_PRODUCT
# multiply-adds; from a few million on, two threads are worth the risk.
SMALL_PRODUCT = 2**19
SPLIT_UP_TO = 4 * 2**20


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """keras.ops.conv for 2D: inputs (N, H, W, C) or (N, C, H, W), kernel (KH, KW, C/g, F).

    The number of groups g is C // kernel.shape[2]. No bias, no activation.
    """
    data_format = standardize_data_format(data_format)
    strides, dilation_rate = pair(strides, "strides"), pair(dilation_rate, "dilation_rate")
    check_strides_and_dilation(strides, dilation_rate)
    x = to_channels_last(np.asarray(inputs), data_format)
    _check_kernel(x.shape, kernel.shape)
    kernel_size = kernel.shape[:2]
    pads = spatial_padding(x.shape[1:3], kernel_size, strides, padding_mode(padding),
                           dilation_rate)
    out_hw = [output_length(n + before + after, k, s, "valid", d)
              for n, (before, after), k, s, d
              in zip(x.shape[1:3], pads, kernel_size, strides, dilation_rate)]
    check_output_size(out_hw, np.shape(inputs), {
        "kernel shape": kernel.shape, "dilation_rate": dilation_rate, "strides": strides,
        "padding": padding})
    out = np.empty((x.shape[0], *out_hw, kernel.shape[3]), dtype=np.result_type(x, kernel))
    one_by_one = kernel_size == (1, 1) and strides == (1, 1)
    if one_by_one and x.shape[3] == kernel.shape[2] and x.flags.c_contiguous:
        # A 1x1 convolution is a matmul over the channels: no patches, no workspace.
        _matmul(_rows(x), kernel.reshape(kernel.shape[2:]), _rows(out))
        return from_channels_last(out, data_format)
    for images, rows in _chunks(out.shape, _patch_row_bytes(out.shape, kernel, out.itemsize)):
        in_rows = input_rows(rows, kernel_size[0], strides[0], dilation_rate[0])
        band = padded_band(x, images, in_rows, pads)
        windows = window_view(band, kernel_size, strides, dilation_rate,
                              (rows.stop - rows.start, out_hw[1]))
        _grouped_matmul(windows, kernel, out[images, rows])
    return from_channels_last(out, data_format)


def _check_kernel(x_shape, kernel_shape):
    """A (KH, KW, C / groups, F) kernel whose groups divide the input's C channels and F."""
    if len(x_shape) != 4 or len(kernel_shape) != 4:
        raise ValueError("conv expects a rank-4 input and a rank-4 kernel (kh, kw, "
                         f"in_channels // groups, filters). Received: input shape "
                         f"{x_shape}, kernel shape {kernel_shape}")
    channels, per_group, filters = x_shape[3], kernel_shape[2], kernel_shape[3]
    if per_group == 0 or channels % per_group or filters % (channels // per_group or 1):
        raise ValueError(f"The kernel's input channels ({per_group} per group) must divide "
                         f"the input's {channels} channels into groups that also divide "
                         f"its {filters} filters. Received: input shape {x_shape}, kernel "
                         f"shape {kernel_shape}")


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
        _matmul(patches, kernel.reshape(-1, filters), _rows(out))
        return
    f_per_group = filters // groups
    for g in range(groups):
        k_matrix = kernel[..., g * f_per_group:(g + 1) * f_per_group].reshape(-1, f_per_group)
        patches = windows[..., g * c_per_group:(g + 1) * c_per_group].reshape(
            -1, k_matrix.shape[0])
        group_out = out[..., g * f_per_group:(g + 1) * f_per_group]
        group_out[...] = (patches @ k_matrix).reshape(group_out.shape)


def _matmul(a, b, out):
    """out = a @ b; a small product in pieces that OpenBLAS keeps on this thread."""
    m, k = a.shape
    n = b.shape[1]
    if m * k * n > SPLIT_UP_TO:
        np.matmul(a, b, out=out)
        return
    step = max(1, SMALL_PRODUCT // max(k * n, 1))
    for start in range(0, m, step):
        np.matmul(a[start:start + step], b, out=out[start:start + step])


def _patch_row_bytes(out_shape, kernel, itemsize):
    """Bytes of the patch matrix rows of one output row (one group at a time)."""
    kh, kw, c_per_group, _ = kernel.shape
    return out_shape[2] * kh * kw * c_per_group * itemsize


def _chunks(out_shape, row_bytes):
    """(batch slice, output-row slice) blocks whose patch matrix fits in WORKSPACE_BYTES."""
    return row_blocks(out_shape[0], out_shape[1], row_bytes, WORKSPACE_BYTES)
