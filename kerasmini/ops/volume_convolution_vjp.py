"""Gradient of conv3d: ops.conv's gradient on the forward's depth stacks.

The forward is one 2D convolution of each block's depth stack (volume_convolution.py)
with the kernel laid out as (KH, KW, KD * Cg, F). So, with G = dL/dout for the block's
output planes, convolution_vjp.conv_gradients (im2col + BLAS) gives
    the stacked kernel's gradient: summed over blocks, then laid back to (KD, KH, KW, Cg, F);
    the stack's gradient: each tap's slice added into the input planes that tap read
    (taps in the depth padding read nothing and give nothing back).
Same blocks, same workspace bound; float16 is differentiated in float32 and rounded back.
"""
import numpy as np

from kerasmini.ops.convolution_vjp import conv_gradients
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.volume_convolution import (VolumeGeometry, accumulator_dtype,
                                              as_planes, depth_stack, plane_blocks,
                                              stacked_kernel)


def conv3d_vjp(g, out, inputs, kernel, strides=1, padding="valid", data_format=None,
               dilation_rate=1, needed=(True, True)):
    """(dL/dinputs, dL/dkernel) of `conv3d(inputs, kernel, ...)` for g = dL/dout; None
    for a gradient `needed` says nobody follows."""
    data_format = standardize_data_format(data_format)
    x = to_channels_last(np.asarray(inputs), data_format)
    g = to_channels_last(np.asarray(g), data_format)
    geometry = VolumeGeometry(x.shape[1:4], kernel.shape[:3], strides, padding,
                              dilation_rate, x.shape)
    groups = x.shape[4] // kernel.shape[3]
    wide = accumulator_dtype(x, kernel)
    flat = stacked_kernel(kernel)
    dx = np.zeros(x.shape, wide) if needed[0] else None
    dflat = np.zeros(flat.shape, wide) if needed[1] else None
    # the stack and its gradient, and the output planes' gradient
    for images, planes in plane_blocks(x, geometry, np.prod(g.shape[2:]),
                                       2 * np.dtype(wide).itemsize, g.shape[1]):
        dstack, dtap = conv_gradients(
            as_planes(g[images, planes]), depth_stack(x, images, planes, geometry, groups),
            flat, input_gradient=needed[0], kernel_gradient=needed[1],
            **geometry.plane_options())
        if dtap is not None:
            dflat += dtap
        if dstack is not None:
            _add_unstacked(dx, dstack, images, planes, geometry, groups)
    if dx is not None:
        dx = from_channels_last(dx.astype(x.dtype, copy=False), data_format)
    if dflat is None:
        return dx, None
    kd, kh, kw, per_group, filters = kernel.shape
    dkernel = dflat.reshape(kh, kw, kd, per_group, filters).transpose(2, 0, 1, 3, 4)
    return dx, np.ascontiguousarray(dkernel, kernel.dtype)


def _add_unstacked(dx, dstack, images, planes, geometry, groups):
    """Add each tap's part of a depth stack's gradient into the input planes it read."""
    n, _, h, w, channels = dx.shape
    count = images.stop - images.start
    dstack = dstack.reshape(count, planes.stop - planes.start, h, w, groups, -1,
                            channels // groups)
    for tap, outs, ins in geometry.taps(planes):
        target = dx[images, ins]
        target += dstack[:, outs, :, :, :, tap].reshape(target.shape)
