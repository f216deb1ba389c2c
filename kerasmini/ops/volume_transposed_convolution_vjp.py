"""Gradient of conv3d_transpose: the forward's pairs of planes, each through the 2D
transposed convolution's gradient (transposed_convolution_vjp.py: a convolution for the
input gradient, a kernel gradient for the kernel's).

With G = dL/dout, for each depth tap a and each input plane i whose output plane
o = i * s + a * d - cut lies inside the output:
    dL/dx[i]       += 2D input gradient of conv_transpose(x[i], kernel[a]) for G[o],
    dL/dkernel[a]  += its 2D kernel gradient.
"""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.transposed_convolution_vjp import conv_transpose_vjp
from kerasmini.ops.volume_convolution import accumulator_dtype, as_planes
from kerasmini.ops.volume_transposed_convolution import TransposeGeometry, plane_blocks


def conv3d_transpose_vjp(g, out, inputs, kernel, strides=1, padding="valid",
                         output_padding=None, data_format=None, dilation_rate=1):
    """(dL/dinputs, dL/dkernel) of `conv3d_transpose(inputs, kernel, ...)`, g = dL/dout."""
    data_format = standardize_data_format(data_format)
    x = to_channels_last(np.asarray(inputs), data_format)
    g = to_channels_last(np.asarray(g), data_format)
    geometry = TransposeGeometry(x.shape[1:4], kernel.shape[:3], strides, padding,
                                 output_padding, dilation_rate)
    wide = accumulator_dtype(x, kernel)
    dx, dkernel = np.zeros(x.shape, wide), np.zeros(kernel.shape, wide)
    for images, planes in plane_blocks(x, np.prod(g.shape[2:]), 2 * np.dtype(wide).itemsize):
        for tap in range(kernel.shape[0]):
            pairs = geometry.pairs(planes, tap)
            if pairs is None:
                continue
            ins, outs = pairs
            dplanes, dtap = conv_transpose_vjp(
                as_planes(g[images, outs]), None, as_planes(x[images, ins]), kernel[tap],
                **geometry.plane_options())
            dkernel[tap] += dtap
            target = dx[images, ins]
            target += dplanes.reshape(target.shape)
    return (from_channels_last(dx.astype(x.dtype, copy=False), data_format),
            dkernel.astype(kernel.dtype, copy=False))
