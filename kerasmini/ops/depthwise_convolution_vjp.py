"""Gradient of depthwise_conv: conv's rule with no sum over channels.

Forward, per chunk of output pixels: patches (P, T, C) and taps (T, C, M) (T = KH*KW
window offsets) give out[p, c, m] = sum_t patches[p, t, c] * taps[t, c, m]. With
G = dL/dout as (P, C, M):
    dL/dtaps    = sum_p patches[p, t, c] * G[p, c, m]   (T, C, M): the kernel's shape;
    dL/dpatches = sum_m G[p, c, m] * taps[t, c, m]      (P, T, C): one row per window,
                                                         added back where the window
                                                         read it (window_gradients.py),
                                                         the transposed convolution.
Both contractions are einsums, as the forward's; chunks are the forward's (its
WORKSPACE_BYTES bound); the scatter loops over window offsets only. With stride 1 the
input gradient is instead a depthwise convolution itself (as conv_vjp does it): on
(8, 56, 56, 128) float32, 3x3, 'same' (2-core machine), the rule takes 26 ms instead of
the scatter's 61 ms (the forward: 12-18 ms). float16 is differentiated in float32 and
rounded back, as for conv.
"""
import numpy as np

from kerasmini.ops import depthwise_convolution
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import pair, padding_mode, spatial_padding
from kerasmini.ops.window_gradients import crop_padding, offset_slices
from kerasmini.ops.windows import input_rows, padded_band, row_blocks, window_view


def depthwise_conv_vjp(g, out, inputs, kernel, strides=1, padding="valid",
                       data_format=None, dilation_rate=1):
    """(dL/dinputs, dL/dkernel) of `depthwise_conv(inputs, kernel, ...)` for g = dL/dout."""
    data_format = standardize_data_format(data_format)
    strides, dilation_rate = pair(strides), pair(dilation_rate)
    x = to_channels_last(np.asarray(inputs), data_format)
    kh, kw, channels, multiplier = kernel.shape
    wide = np.float32 if np.result_type(x, kernel) == np.float16 else np.result_type(x, kernel)
    g = to_channels_last(np.asarray(g), data_format).astype(wide, copy=False)
    g = g.reshape(*g.shape[:3], channels, multiplier)
    pads = spatial_padding(x.shape[1:3], (kh, kw), strides, padding_mode(padding),
                           dilation_rate)
    taps = kernel.astype(wide, copy=False).reshape(kh * kw, channels, multiplier)
    dtaps = np.zeros(taps.shape, wide)
    by_convolution = strides == (1, 1)  # then only the kernel gradient needs windows
    dx_padded = None if by_convolution else np.zeros(
        (x.shape[0], x.shape[1] + sum(pads[0]), x.shape[2] + sum(pads[1]), channels), wide)
    row_bytes = g.shape[2] * kh * kw * channels * np.dtype(wide).itemsize
    for images, rows in row_blocks(g.shape[0], g.shape[1], row_bytes,
                                   depthwise_convolution.WORKSPACE_BYTES):
        band = padded_band(x, images, input_rows(rows, kh, strides[0], dilation_rate[0]),
                           pads)
        out_hw = (rows.stop - rows.start, g.shape[2])
        patches = window_view(band, (kh, kw), strides, dilation_rate, out_hw).reshape(
            -1, kh * kw, channels).astype(wide, copy=False)
        g_rows = g[images, rows].reshape(-1, channels, multiplier)
        dtaps += np.einsum("ptc,pcm->tcm", patches, g_rows)
        if by_convolution:
            continue
        dpatches = np.einsum("pcm,tcm->ptc", g_rows, taps).reshape(
            -1, *out_hw, kh, kw, channels)
        for (a, b), (in_rows, cols) in offset_slices((kh, kw), strides, dilation_rate,
                                                     out_hw, rows.start):
            dx_padded[images, in_rows, cols] += dpatches[:, :, :, a, b]
    dx = _input_gradient_stride_one(g, taps.reshape(kernel.shape), pads, dilation_rate) \
        if by_convolution else crop_padding(dx_padded, pads)
    return (from_channels_last(dx.astype(x.dtype), data_format),
            dtaps.reshape(kernel.shape).astype(kernel.dtype))


def _input_gradient_stride_one(g, kernel, pads, dilation_rate):
    """dL/dx for stride 1 as a depthwise convolution: g (N, OH, OW, C, M) padded to its
    'full' size (k_eff - 1 on each side, less the forward's padding, whose gradient is
    dropped), each of its C * M channels correlated with its own filter rotated 180
    degrees, then the M outputs of each input channel summed."""
    kh, kw, channels, multiplier = kernel.shape
    widths = [(0, 0)]
    for k, d, (before, after) in zip((kh, kw), dilation_rate, pads):
        k_eff = (k - 1) * d + 1
        widths.append((k_eff - 1 - before, k_eff - 1 - after))
    g_full = np.pad(g.reshape(*g.shape[:3], channels * multiplier), widths + [(0, 0)])
    rotated = kernel[::-1, ::-1].reshape(kh, kw, channels * multiplier, 1)
    dx = depthwise_convolution.depthwise_conv(g_full, rotated, data_format="channels_last",
                                              dilation_rate=dilation_rate)
    return dx.reshape(*dx.shape[:3], channels, multiplier).sum(axis=-1)
