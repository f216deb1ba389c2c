"""2D depthwise convolution: each input channel convolved with its own filters.

Output channel c * M + m is input channel c correlated with kernel[..., c, m] (M, the
depth multiplier, filters per channel), as Keras and TensorFlow order them. There is no
sum over channels, so no matrix product to hand to BLAS: per chunk of output rows the
windows are copied into a patch array (pixels, taps, channels) and contracted with the
kernel (taps, channels, M) by one einsum (NumPy's compiled sum of products).

Measured on (8, 56, 56, 128) float32, 3x3, M = 1 (a MobileNet block, 2-core machine):
im2col + einsum 43 ms; the same patches as a per-channel batched matmul (channels, pixels,
taps) @ (channels, taps, M) 109 ms (the transposing copy dominates).
"""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import (check_output_size, output_length, padding_mode, pair,
                                  spatial_padding)
from kerasmini.ops.windows import input_rows, padded_band, row_blocks, window_view

# Upper bound on one chunk's patch array, whatever the batch size. 1 MiB keeps a chunk's
# patches in the 2 MiB L2 cache while einsum reads them (4 MiB was 20% slower).
WORKSPACE_BYTES = 2**20


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """keras.ops.depthwise_conv for 2D: inputs (N, H, W, C) or (N, C, H, W), kernel
    (KH, KW, C, M) -> (N, OH, OW, C * M) (or channels first). No bias, no activation."""
    data_format = standardize_data_format(data_format)
    strides = pair(strides, "strides")
    dilation_rate = pair(dilation_rate, "dilation_rate")
    x = to_channels_last(np.asarray(inputs), data_format)
    kh, kw, channels, multiplier = kernel.shape
    pads = spatial_padding(x.shape[1:3], (kh, kw), strides, padding_mode(padding),
                           dilation_rate)
    out_hw = [output_length(n + before + after, k, s, "valid", d)
              for n, (before, after), k, s, d
              in zip(x.shape[1:3], pads, (kh, kw), strides, dilation_rate)]
    check_output_size(out_hw, np.shape(inputs), {
        "kernel shape": kernel.shape, "dilation_rate": dilation_rate, "strides": strides,
        "padding": padding})
    dtype = np.result_type(x, kernel)
    out = np.empty((x.shape[0], *out_hw, channels, multiplier), dtype)
    taps = kernel.reshape(kh * kw, channels, multiplier)
    row_bytes = out_hw[1] * kh * kw * channels * out.itemsize
    for images, rows in row_blocks(x.shape[0], out_hw[0], row_bytes, WORKSPACE_BYTES):
        band = padded_band(x, images, input_rows(rows, kh, strides[0], dilation_rate[0]),
                           pads)
        windows = window_view(band, (kh, kw), strides, dilation_rate,
                              (rows.stop - rows.start, out_hw[1]))
        patches = windows.reshape(-1, kh * kw, channels)  # the im2col copy
        block = out[images, rows].reshape(-1, channels, multiplier)  # a view: contiguous
        np.einsum("ptc,tcm->pcm", patches, taps, out=block)
    out = out.reshape(*out.shape[:3], channels * multiplier)
    return from_channels_last(out, data_format)
