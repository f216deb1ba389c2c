"""Gradient of conv: the kernel gradient is a correlation of input and output gradient,
the input gradient a transposed convolution.

Forward, per chunk of output pixels: patches (P, KH*KW*C) @ K (KH*KW*C, F) = out (P, F).
With G = dL/dout as (P, F):
    dL/dK       = patches.T @ G      (KH*KW*C, P) @ (P, F): the kernel's own shape, since
                                      K[a, b, c, f] meets input channel c at offset (a, b)
                                      of every window and output channel f;
    dL/dpatches = G @ K.T            (P, F) @ (F, KH*KW*C): one row per window; each
                                      window's entries are added back where the window
                                      read them (window_gradients.py). That scatter-add
                                      *is* the transposed convolution: a stride s spreads
                                      the windows s pixels apart, so the input gradient
                                      is G dilated by s, convolved with K flipped and
                                      transposed; padding pixels' gradient is dropped.
Groups: each group's patches meet only its own filters. Both products run on BLAS,
chunk by chunk (the forward's WORKSPACE_BYTES bound); float16 is differentiated in
float32 and rounded back, as TensorFlow accumulates it.
"""
import math

import numpy as np

from kerasmini.ops import convolution
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.products import SMALL_PRODUCT, product
from kerasmini.ops.threads import WORKERS, over_parts
from kerasmini.ops.shapes import pair, spatial_padding
from kerasmini.ops.window_gradients import crop_padding, offset_slices
from kerasmini.ops.windows import (input_rows, padded_band, patch_matrix, row_blocks,
                                   window_view)

# Stride 1: the input gradient by the scatter when the input has more than this many
# times the output's pixels, by a convolution otherwise (_input_much_larger says why).
SCATTER_RATIO = 1.2
# Large work is cut into at least this many blocks (two threads' BLOCKS_PER_WORKER each).
GRADIENT_BLOCKS = 8


def conv_vjp(g, out, inputs, kernel, strides=1, padding="valid", data_format=None,
             dilation_rate=1, needed=(True, True)):
    """(dL/dinputs, dL/dkernel) of `conv(inputs, kernel, ...)` for g = dL/dout; None for
    a gradient `needed` says nobody follows (a model's first layer: its input)."""
    return conv_gradients(g, inputs, kernel, strides, padding, data_format, dilation_rate,
                          *needed)


def conv_gradients(g, inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1, input_gradient=True, kernel_gradient=True):
    """conv_vjp's (dL/dinputs, dL/dkernel); each None, and not computed, unless asked
    for (conv_transpose_vjp needs only the kernel's)."""
    data_format = standardize_data_format(data_format)
    strides, dilation_rate = pair(strides), pair(dilation_rate)
    x = to_channels_last(np.asarray(inputs), data_format)
    g = to_channels_last(np.asarray(g), data_format)
    wide = np.float32 if np.result_type(x, kernel) == np.float16 else np.result_type(x, kernel)
    kernel_size = kernel.shape[:2]
    pads = spatial_padding(x.shape[1:3], kernel_size, strides, padding.lower(), dilation_rate)
    k_wide = kernel.astype(wide, copy=False)
    g = g.astype(wide, copy=False)
    # Stride 1: the transposed convolution is also an ordinary one (below), through the
    # forward kernel, over the input's pixels; the scatter's products are over the
    # output's. So the scatter when the output is much smaller than the input, or when
    # each group has one input channel: the convolution would be a matrix-vector
    # product over a patch matrix F*KH*KW wide (measured, one thread, (128, 28, 28, 1)
    # 3x3 to 32 filters: 9.4 ms by the convolution, 1.7 by the scatter; to 4 filters
    # 1.8 against 0.8; with 2 or 3 channels the convolution wins up to ~8-10 filters
    # per channel, and the ratio rule below decides).
    scatter = input_gradient and (strides != (1, 1) or kernel.shape[2] == 1
                                  or _input_much_larger(x.shape, g.shape))
    dx_padded = None if not scatter else np.zeros(
        (x.shape[0], x.shape[1] + sum(pads[0]), x.shape[2] + sum(pads[1]), x.shape[3]), wide)
    dkernel = np.zeros(kernel.shape, wide) if kernel_gradient else None
    # workspace per output row: the patches, and the patch gradient when both are made
    row_bytes = (g.shape[2] * kernel_size[0] * kernel_size[1] * kernel.shape[2]
                 * np.dtype(wide).itemsize * (1 + (scatter and kernel_gradient)))
    blocks = list(row_blocks(g.shape[0], g.shape[1], row_bytes,
                             _block_budget(g.shape, kernel, row_bytes))
                  if kernel_gradient or scatter else ())

    def chunk(block, dk):
        """One block's share of dL/dK (added into dk) and of dL/dx (into dx_padded)."""
        images, rows = block
        out_hw = (rows.stop - rows.start, g.shape[2])
        windows = None  # the input's windows: only the kernel gradient reads them
        if dk is not None:
            band = padded_band(x, images, input_rows(rows, kernel_size[0], strides[0],
                                                     dilation_rate[0]), pads)
            windows = window_view(band, kernel_size, strides, dilation_rate, out_hw)
        _chunk_gradients(windows, g[images, rows], k_wide, dk,
                         dx_padded[images] if scatter else None,
                         (strides, dilation_rate, out_hw, rows.start, x.shape[3]))

    if _blocks_in_parallel(blocks, g.shape, kernel, dkernel, scatter):
        # Each block on whichever thread takes it, its kernel gradient in its own
        # buffer; the buffers are then added in block order: the serial loop's sums.
        partials = [None] * len(blocks)

        def run(index):
            partials[index] = None if dkernel is None else np.zeros_like(dkernel)
            chunk(blocks[index], partials[index])

        over_parts(run, range(len(blocks)))
        for partial in partials if dkernel is not None else ():
            dkernel += partial
    else:
        for block in blocks:
            chunk(block, dkernel)
    dx = None
    if scatter:
        dx = crop_padding(dx_padded, pads)
    elif input_gradient:
        dx = _input_gradient_stride_one(g, k_wide, pads, dilation_rate,
                                        x.shape[3] // kernel.shape[2])
    if dx is not None:
        dx = from_channels_last(np.ascontiguousarray(dx, x.dtype), data_format)
    return dx, None if dkernel is None else dkernel.astype(kernel.dtype, copy=False)


def _block_budget(g_shape, kernel, row_bytes):
    """Workspace bytes of one block: the forward's bound, and for large work at most
    1 / GRADIENT_BLOCKS of the whole, so that there are blocks for two threads to share
    (a first layer's small patches fit in one block: its kernel gradient ran on one
    core). Never below one image: whole-image blocks may run in parallel, row bands of
    one image whose scatters overlap may not. The cut depends on the shapes alone, never
    on the cores or the load, so neither do the kernel gradient's sums."""
    work = math.prod(g_shape) * math.prod(kernel.shape[:3])
    if work <= SMALL_PRODUCT:
        return convolution.WORKSPACE_BYTES
    share = g_shape[0] * g_shape[1] * row_bytes // GRADIENT_BLOCKS
    return min(convolution.WORKSPACE_BYTES, max(share, g_shape[1] * row_bytes))


def _blocks_in_parallel(blocks, g_shape, kernel, dkernel, scatter):
    """Whether the blocks may run on the kernel threads, whole (im2col, products and
    scatter), rather than one after the other with only the products shared: when there
    are two threads and several blocks of large work, the scattered input gradients of
    the blocks do not overlap (whole images: the row bands of one image share input
    rows), and the blocks' kernel-gradient buffers fit the workspace bound. The answer
    does not depend on the machine's load, so neither do the sums."""
    if WORKERS < 2 or len(blocks) < 2:
        return False
    work = math.prod(g_shape) * math.prod(kernel.shape[:3])
    if work <= SMALL_PRODUCT:
        return False
    if scatter and any(rows.start != 0 or rows.stop != g_shape[1] for _, rows in blocks):
        return False
    partial_bytes = 0 if dkernel is None else len(blocks) * dkernel.nbytes
    return partial_bytes <= convolution.WORKSPACE_BYTES


def _input_much_larger(x_shape, out_shape):
    """More than SCATTER_RATIO times the output's pixels: measured (float32, 3x3, one BLAS
    thread), the scatter takes 2.1 ms against 4.4 for (32, 13, 13, 32) 'valid' (ratio
    1.40) and 5.2 against 5.8 for (32, 20, 20, 32) (1.23); they tie at 28x28 (1.16);
    the convolution wins for (16, 56, 56, 64) 'valid' (1.07: 38 ms against 45) and for
    'same' (ratio 1: 87 ms against 104 for (32, 56, 56, 64)), where the scatter's kh*kw
    strided additions cost more than the padded copy and im2col of the convolution."""
    return x_shape[1] * x_shape[2] > SCATTER_RATIO * out_shape[1] * out_shape[2]


def _input_gradient_stride_one(g, kernel, pads, dilation_rate, groups):
    """dL/dx for stride 1 as a plain convolution: g padded to its 'full' size (k_eff - 1
    on each side, less the forward's own padding, whose gradient is dropped), correlated
    with the kernel rotated 180 degrees and with input and output channels swapped within
    each group. Same numbers as the scatter, through the forward's im2col + BLAS."""
    kh, kw, c_per_group, filters = kernel.shape
    f_per_group = filters // groups
    widths = [(0, 0)]
    for k, d, (before, after) in zip((kh, kw), dilation_rate, pads):
        k_eff = (k - 1) * d + 1
        widths.append((k_eff - 1 - before, k_eff - 1 - after))
    g_full = np.pad(g, widths + [(0, 0)])
    # rotated[a, b, f, group * Cg + c] = kernel[kh-1-a, kw-1-b, c, group * Fg + f]
    rotated = kernel[::-1, ::-1].reshape(kh, kw, c_per_group, groups, f_per_group)
    rotated = np.ascontiguousarray(rotated.transpose(0, 1, 4, 3, 2)).reshape(
        kh, kw, f_per_group, groups * c_per_group)
    return convolution.conv(g_full, rotated, strides=1, padding="valid",
                            data_format="channels_last", dilation_rate=dilation_rate)


def _chunk_gradients(windows, g, kernel, dkernel, dx_padded, geometry):
    """Add one chunk's share of dL/dK into dkernel and of dL/dx into dx_padded (each
    skipped when None)."""
    strides, dilation_rate, out_hw, first_row, channels_in = geometry
    kh, kw, c_per_group, filters = kernel.shape
    groups = channels_in // c_per_group
    f_per_group = filters // groups
    for group in range(groups):
        channels = slice(group * c_per_group, (group + 1) * c_per_group)
        outs = slice(group * f_per_group, (group + 1) * f_per_group)
        g_rows = g[..., outs].reshape(-1, f_per_group)
        k_matrix = kernel[..., outs].reshape(-1, f_per_group)
        if dkernel is not None:
            patches = patch_matrix(windows[..., channels])  # im2col
            patches = patches.astype(g_rows.dtype, copy=False)
            dkernel[..., outs] += product(patches.T, g_rows).reshape(kh, kw, c_per_group,
                                                                     f_per_group)
        if dx_padded is None:
            continue
        dpatches = product(g_rows, k_matrix.T).reshape(*g.shape[:3], kh, kw, c_per_group)
        for (a, b), (rows, cols) in offset_slices((kh, kw), strides, dilation_rate, out_hw,
                                                  first_row):
            dx_padded[:, rows, cols, channels] += dpatches[:, :, :, a, b]
