"""2D convolution (cross-correlation, as Keras) by im2col + one matmul per chunk.

(Large 3x3 stride-1 convolutions go to ops/winograd.py instead, which multiplies 2.25x
less; `kernel_path` says when.)

The output is cut into chunks (whole images, or bands of output rows of one image). For
each chunk: copy the padded input band it reads, copy its windows into a patch matrix
(rows: output pixels; columns: (kh, kw, c), the order of the Keras kernel, so the kernel
is a plain reshape), and multiply by the kernel matrix straight into the output.
"""
import numpy as np

from kerasmini.ops.products import BLOCKS_PER_WORKER, SMALL_PRODUCT, matmul_into
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import (check_output_size, check_strides_and_dilation,
                                  output_length, padding_mode, pair, spatial_padding)
from kerasmini.ops.threads import WORKERS, over_parts
from kerasmini.ops.windows import (input_rows, padded_band, patch_matrix, row_blocks,
                                   window_view)
from kerasmini.ops.winograd import conv3x3

# Upper bound on one chunk's patch matrix (the im2col workspace), whatever the batch size;
# with two threads, two chunks are alive at once. Measured on a 2-core AVX-512 machine: 4 to
# 16 MiB run alike (the matmul dominates), smaller chunks lose BLAS efficiency.
WORKSPACE_BYTES = 4 * 2**20

# Winograd F(2x2, 3x3) (ops/winograd.py) for 3x3 stride-1 convolutions where C F / (C + F)
# (C channels, F filters) is at least WINOGRAD_MIN_CF: per 2x2 output tile it saves 20 C F
# multiply-adds and adds about 24 (C + F) additions of its transforms, which cost ~30 of
# BLAS's multiply-adds each (measured, CPU time, OpenBLAS's SkylakeX kernel: 21-27 even,
# 32 1.1x faster, 64 1.5x; docs/performance.md); and with at least WINOGRAD_MIN_PIXELS
# output pixels (fewer: transforming the kernel, C F work, costs more than it saves).
WINOGRAD_MIN_CF = 30
WINOGRAD_MIN_PIXELS = 2048

# A convolution of more than SMALL_PRODUCT multiply-adds is cut into at least
# BLOCKS_PER_WORKER blocks per thread, which the threads share (ops/threads.py says why
# not BLAS's own threads); a smaller one runs on the calling thread. One whose kernel is
# larger than its patch matrix is not cut by rows (every block would read the whole
# kernel: VGG16's 9 MiB 3x3x512x512 kernels at batch 1, 2-4 blocks each); its product
# is shared by columns instead.


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
    path = kernel_path(x, kernel, strides, dilation_rate, out.shape)
    if path == "matmul":
        # A 1x1 convolution is a matmul over the channels: no patches, no workspace.
        matmul_into(_rows(x), kernel.reshape(kernel.shape[2:]), _rows(out))
        return from_channels_last(out, data_format)
    if path == "winograd":
        conv3x3(x, kernel, pads, out)
        return from_channels_last(out, data_format)

    def convolve(block):
        images, rows = block
        in_rows = input_rows(rows, kernel_size[0], strides[0], dilation_rate[0])
        band = padded_band(x, images, in_rows, pads)
        windows = window_view(band, kernel_size, strides, dilation_rate,
                              (rows.stop - rows.start, out_hw[1]))
        _grouped_matmul(windows, kernel, out[images, rows])

    row_bytes = _patch_row_bytes(out.shape, kernel, out.itemsize)
    patch_bytes = row_bytes * out.shape[0] * out.shape[1]
    if out.size * kernel[..., 0].size > SMALL_PRODUCT and kernel.nbytes <= patch_bytes:
        budget = min(WORKSPACE_BYTES, patch_bytes // (BLOCKS_PER_WORKER * WORKERS))
        over_parts(convolve, row_blocks(*out.shape[:2], row_bytes, budget))
    else:
        # Small, or weight-bound (a kernel larger than all its patches: a deep layer at
        # batch 1): blocks as large as the workspace allows, in turn; a large product is
        # then shared by columns (ops/products.py), so each block reads the kernel once.
        for block in row_blocks(*out.shape[:2], row_bytes, WORKSPACE_BYTES):
            convolve(block)
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


def kernel_path(x, kernel, strides, dilation_rate, out_shape):
    """Which kernel `conv` runs for a channels-last x: "matmul" (1x1, stride 1),
    "winograd" (ops/winograd.py) or "im2col". (The benchmarks name it in their tables.)

    Winograd takes 3x3, stride-1, undilated, ungrouped float32/float64 convolutions with
    enough channels and filters and output pixels (the constants above say why)."""
    ungrouped = kernel.shape[2] == x.shape[3]
    if kernel.shape[:2] == (1, 1) and strides == (1, 1) and ungrouped and x.flags.c_contiguous:
        return "matmul"
    dtype = np.result_type(x, kernel)
    if (kernel.shape[:2] == (3, 3) and strides == (1, 1) and dilation_rate == (1, 1)
            and ungrouped and x.dtype == kernel.dtype == dtype
            and dtype in (np.float32, np.float64)
            and _channels_filters(*kernel.shape[2:]) >= WINOGRAD_MIN_CF
            and out_shape[0] * out_shape[1] * out_shape[2] >= WINOGRAD_MIN_PIXELS):
        return "winograd"
    return "im2col"


def _channels_filters(channels, filters):
    """C F / (C + F): how the products Winograd saves (C F) outgrow its additions (C + F)."""
    return channels * filters / max(channels + filters, 1)


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
        patches = patch_matrix(windows)  # the im2col copy
        matmul_into(patches, kernel.reshape(-1, filters), _rows(out))
        return
    f_per_group = filters // groups
    for g in range(groups):
        k_matrix = kernel[..., g * f_per_group:(g + 1) * f_per_group].reshape(-1, f_per_group)
        patches = patch_matrix(windows[..., g * c_per_group:(g + 1) * c_per_group])
        group_out = out[..., g * f_per_group:(g + 1) * f_per_group]
        product = np.empty((patches.shape[0], f_per_group), dtype=out.dtype)
        group_out[...] = matmul_into(patches, k_matrix, product).reshape(group_out.shape)


def _patch_row_bytes(out_shape, kernel, itemsize):
    """Bytes of the patch matrix rows of one output row (one group at a time)."""
    kh, kw, c_per_group, _ = kernel.shape
    return out_shape[2] * kh * kw * c_per_group * itemsize


