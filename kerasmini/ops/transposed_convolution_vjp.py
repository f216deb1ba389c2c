"""Gradient of conv_transpose: the transposed convolution's adjoint is the convolution.

conv_transpose scatters input pixel i, times kernel tap a, to full-output pixel
Y = i * s + a * d (full output: (L - 1) * s + k_eff pixels per axis), then keeps
`length` pixels from `cut` on (ops.shapes.conv_transpose_crop; pixels past the full
output, made by output_padding, receive nothing). With kernel K (KH, KW, F, C) and
G = dL/dout put back into full-output coordinates (G_full: zero where a pixel was cut):
    dL/dx[i, c]       = sum_{a, f} G_full[i * s + a * d, f] K[a, f, c]
                      = conv(G_full, K, strides=s, dilation=d, 'valid'): the plain
                        convolution (F input channels, C outputs), as the forward is its
                        transpose;
    dL/dK[a, f, c]    = sum_i G_full[i * s + a * d, f] x[i, c]
                      = the kernel gradient of that same convolution, with x in the place
                        of its output gradient (conv_gradients, no input gradient).
Both run on ops.conv's im2col + BLAS. float16 is differentiated in float32 and rounded
back, as for conv.
"""
import numpy as np

from kerasmini.ops import convolution
from kerasmini.ops.convolution_vjp import conv_gradients
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import (conv_transpose_crop, effective_kernel_size,
                                  padding_mode, pair)


def conv_transpose_vjp(g, out, inputs, kernel, strides=1, padding="valid",
                       output_padding=None, data_format=None, dilation_rate=1):
    """(dL/dinputs, dL/dkernel) of `conv_transpose(inputs, kernel, ...)`, g = dL/dout."""
    data_format = standardize_data_format(data_format)
    strides, dilation_rate = pair(strides), pair(dilation_rate)
    x = to_channels_last(np.asarray(inputs), data_format)
    wide = np.float32 if np.result_type(x, kernel) == np.float16 else np.result_type(x, kernel)
    g = to_channels_last(np.asarray(g), data_format).astype(wide, copy=False)
    g_full = full_output_gradient(g, x.shape[1:3], kernel.shape[:2], strides,
                                  padding_mode(padding), dilation_rate)
    k_wide = kernel.astype(wide, copy=False)
    dx = convolution.conv(g_full, k_wide, strides=strides, padding="valid",
                          data_format="channels_last", dilation_rate=dilation_rate)
    _, dkernel = conv_gradients(x.astype(wide, copy=False), g_full, k_wide, strides,
                                "valid", "channels_last", dilation_rate,
                                input_gradient=False)
    return (from_channels_last(dx.astype(x.dtype), data_format),
            dkernel.astype(kernel.dtype))


def full_output_gradient(g, in_hw, kernel_size, strides, padding, dilation_rate):
    """g (N, OH, OW, F) placed in the full, uncropped output: `cut` zero pixels before,
    pixels past the full output dropped, zeros after up to (L - 1) * s + k_eff."""
    widths, kept = [(0, 0)], [slice(None)]
    for n, out_n, k, s, d in zip(in_hw, g.shape[1:3], kernel_size, strides, dilation_rate):
        full = (n - 1) * s + effective_kernel_size(k, d)
        cut = conv_transpose_crop(n, out_n, k, s, padding, d)
        keep = min(out_n, full - cut)
        kept.append(slice(0, keep))
        widths.append((cut, full - cut - keep))
    return np.pad(g[tuple(kept)], widths + [(0, 0)])
