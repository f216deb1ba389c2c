"""3D convolution as one 2D convolution over depth-stacked planes.

Output plane o of a 3D convolution (depth stride s, dilation d, `before` planes of 'same'
padding) reads, with depth tap a of the kernel, input plane o * s + a * d - before:

    out[:, o] = sum over a of conv2d(x[:, o * s + a * d - before], kernel[a])

That sum is itself one 2D convolution: stack, along the channels, the KD planes output
plane o reads (a zero plane where a tap falls in the depth padding), and lay the kernel
out as (KH, KW, KD * C, F). Every output plane is then one image of a batch of 2D images,
and ops.conv runs them with its im2col + BLAS (or Winograd), chunks and threads: one
product with the whole KD * KH * KW * C reduction, instead of KD products whose partial
outputs would each be added into the output. Groups stay contiguous: the stacked channels
are ordered (group, tap, channel).

The loop in Python runs over blocks of (images, output planes) and, inside a block, over
the KD taps that fill the stack; never over voxels. A block's stack and 2D result stay
within WORKSPACE_BYTES (at least one plane of one image), so the workspace does not grow
with the batch. The gradient (volume_convolution_vjp.py) runs ops.conv's gradient on the
same stacks; the transposed convolution (volume_transposed_convolution.py) sums per tap.
"""
import numpy as np

from kerasmini.ops import convolution
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import (check_output_size, check_strides_and_dilation,
                                  output_length, padding_mode, same_padding, triple)
from kerasmini.ops.windows import row_blocks

# Upper bound on one block's stacked input planes and 2D result (the 2D call adds
# ops.convolution's own bounded im2col workspace).
WORKSPACE_BYTES = 16 * 2**20


class VolumeGeometry:
    """The normalized arguments of a 3D convolution and its output's spatial sizes."""

    def __init__(self, spatial, kernel_size, strides, padding, dilation_rate, received):
        self.strides, self.dilation = triple(strides, "strides"), triple(dilation_rate,
                                                                         "dilation_rate")
        check_strides_and_dilation(self.strides, self.dilation)
        self.padding, self.kernel_size = padding_mode(padding), tuple(kernel_size)
        self.depth = spatial[0]
        self.out = tuple(output_length(n, k, s, self.padding, d) for n, k, s, d in
                         zip(spatial, self.kernel_size, self.strides, self.dilation))
        check_output_size(self.out, received, {
            "kernel shape": self.kernel_size, "dilation_rate": self.dilation,
            "strides": self.strides, "padding": padding})
        self.before = (same_padding(spatial[0], self.kernel_size[0], self.strides[0],
                                    self.dilation[0])[0] if self.padding == "same" else 0)

    def plane_options(self):
        """The keyword arguments of the 2D op run on each depth plane."""
        return dict(strides=self.strides[1:], padding=self.padding,
                    data_format="channels_last", dilation_rate=self.dilation[1:])

    def taps(self, planes):
        """(tap, output planes relative to `planes`, input planes) for every depth tap that
        reads some input plane for the output planes `planes`."""
        for tap in range(self.kernel_size[0]):
            pairs = tap_pairs(self.depth, planes, tap, self.strides[0], self.dilation[0],
                              self.before)
            if pairs is not None:
                outs, ins = pairs
                yield tap, slice(outs.start - planes.start, outs.stop - planes.start), ins


def tap_pairs(n_target, sources, tap, stride, dilation, before):
    """(source planes, target planes) as slices, for depth tap `tap`: source position p
    in the slice `sources` meets target plane p * stride + tap * dilation - before, kept
    only where that lies in [0, n_target); None when no pair is left."""
    offset = tap * dilation - before
    first = max(sources.start, -(offset // stride))  # first p with target >= 0
    last = min(sources.stop - 1, (n_target - 1 - offset) // stride)
    if first > last:
        return None
    start = first * stride + offset
    return slice(first, last + 1), slice(start, start + (last - first) * stride + 1, stride)


def depth_stack(x, images, planes, geometry, groups):
    """(images * planes, H, W, groups * KD * C / groups): for each output plane, the KD
    input planes it reads side by side along the channels, ordered (group, tap, channel);
    zeros where a tap reads the depth padding."""
    n, _, h, w, channels = x.shape
    count = (images.stop - images.start, planes.stop - planes.start)
    stack = np.empty((*count, h, w, groups, geometry.kernel_size[0], channels // groups),
                     x.dtype)
    filled = [slice(0, 0)] * geometry.kernel_size[0]
    for tap, outs, ins in geometry.taps(planes):
        stack[:, outs, :, :, :, tap] = x[images, ins].reshape(
            count[0], -1, h, w, groups, channels // groups)
        filled[tap] = outs
    for tap, outs in enumerate(filled):  # the padding's planes (usually none)
        stack[:, :outs.start, :, :, :, tap] = 0
        stack[:, outs.stop:, :, :, :, tap] = 0
    return stack.reshape(count[0] * count[1], h, w, -1)


def stacked_kernel(kernel):
    """(KD, KH, KW, Cg, F) -> (KH, KW, KD * Cg, F), row a * Cg + c from kernel[a, ..., c]:
    the depth_stack's channel order within each group."""
    kd, kh, kw, per_group, filters = kernel.shape
    return np.ascontiguousarray(kernel.transpose(1, 2, 0, 3, 4)).reshape(
        kh, kw, kd * per_group, filters)


def plane_blocks(x, geometry, out_plane_size, itemsize, depth):
    """(images, planes) blocks of `depth` planes whose stacks (KD input planes per plane)
    and 2D results (out_plane_size values per plane) fit the workspace."""
    plane_bytes = (geometry.kernel_size[0] * np.prod(x.shape[2:]) + out_plane_size) * itemsize
    return row_blocks(x.shape[0], depth, plane_bytes, WORKSPACE_BYTES)


def as_planes(volumes):
    """(N, D, H, W, C) -> (N * D, H, W, C): every depth plane an image (copies only when
    the planes are not already one contiguous run)."""
    return volumes.reshape(-1, *volumes.shape[2:])


def accumulator_dtype(*arrays):
    """The dtype sums over taps run in: float16 in float32 (as TF accumulates)."""
    dtype = np.result_type(*arrays)
    return np.dtype(np.float32) if dtype == np.float16 else dtype


def check_kernel(x_shape, kernel_shape):
    """A rank-5 input and a rank-5 kernel (kd, kh, kw, in_channels // groups, filters)."""
    if len(x_shape) != 5 or len(kernel_shape) != 5:
        raise ValueError("conv3d expects a rank-5 input and a rank-5 kernel (kd, kh, kw, "
                         "in_channels // groups, filters). Received: input shape "
                         f"{tuple(x_shape)}, kernel shape {tuple(kernel_shape)}")


def conv3d(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """keras.ops.conv for 3D: inputs (N, D, H, W, C) or (N, C, D, H, W), kernel
    (KD, KH, KW, C / groups, F); no bias, no activation."""
    data_format = standardize_data_format(data_format)
    x = to_channels_last(np.asarray(inputs), data_format)
    check_kernel(x.shape, kernel.shape)
    geometry = VolumeGeometry(x.shape[1:4], kernel.shape[:3], strides, padding,
                              dilation_rate, np.shape(inputs))
    groups = x.shape[4] // kernel.shape[3]
    out = np.empty((x.shape[0], *geometry.out, kernel.shape[4]),
                   np.result_type(x, kernel))
    flat = stacked_kernel(kernel)
    for images, planes in plane_blocks(x, geometry, np.prod(out.shape[2:]), out.itemsize,
                                       out.shape[1]):
        target = out[images, planes]
        target[...] = convolution.conv(depth_stack(x, images, planes, geometry, groups),
                                       flat, **geometry.plane_options()).reshape(
                                           target.shape)
    return from_channels_last(out, data_format)
