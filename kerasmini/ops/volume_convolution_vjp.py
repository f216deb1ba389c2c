"""Gradient of conv3d: the forward's plan (volume_convolution.py) run backwards.

The forward adds, for each depth tap a, conv2d(input planes, kernel[a]) into the output
planes that read them. So, with G = dL/dout, each tap's 2D gradients (convolution_vjp.py,
im2col + BLAS) over the same pairs of planes give
    dL/dkernel[a]       = sum over the pairs of the 2D kernel gradient,
    dL/dx[input planes] += the 2D input gradient of the pairs' output planes;
planes in the depth padding take no part, as in the forward. Same blocks, same workspace
bound; float16 is differentiated in float32 and rounded back.
"""
import numpy as np

from kerasmini.ops.convolution_vjp import conv_gradients
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops import volume_convolution
from kerasmini.ops.volume_convolution import (VolumeGeometry, accumulator_dtype, as_planes,
                                              tap_pairs)
from kerasmini.ops.windows import row_blocks


def conv3d_vjp(g, out, inputs, kernel, strides=1, padding="valid", data_format=None,
               dilation_rate=1, needed=(True, True)):
    """(dL/dinputs, dL/dkernel) of `conv3d(inputs, kernel, ...)` for g = dL/dout; None
    for a gradient `needed` says nobody follows."""
    data_format = standardize_data_format(data_format)
    x = to_channels_last(np.asarray(inputs), data_format)
    g = to_channels_last(np.asarray(g), data_format)
    geometry = VolumeGeometry(x.shape[1:4], kernel.shape[:3], strides, padding,
                              dilation_rate, x.shape)
    wide = accumulator_dtype(x, kernel)
    dx = np.zeros(x.shape, wide) if needed[0] else None
    dkernel = np.zeros(kernel.shape, wide) if needed[1] else None
    plane_bytes = (np.prod(x.shape[2:]) * 2 + np.prod(g.shape[2:])) * np.dtype(wide).itemsize
    for images, planes in row_blocks(x.shape[0], g.shape[1], plane_bytes,
                                     volume_convolution.WORKSPACE_BYTES):
        for tap in range(kernel.shape[0]):
            pairs = tap_pairs(x.shape[1], planes, tap, geometry.strides[0],
                              geometry.dilation[0], geometry.before)
            if pairs is None:
                continue
            outs, ins = pairs
            dplanes, dtap = conv_gradients(
                as_planes(g[images, outs]), as_planes(x[images, ins]), kernel[tap],
                input_gradient=needed[0], kernel_gradient=needed[1],
                **geometry.plane_options())
            if dtap is not None:
                dkernel[tap] += dtap
            if dplanes is not None:
                target = dx[images, ins]
                target += dplanes.reshape(target.shape)
    if dx is not None:
        dx = from_channels_last(dx.astype(x.dtype, copy=False), data_format)
    return dx, None if dkernel is None else dkernel.astype(kernel.dtype, copy=False)
