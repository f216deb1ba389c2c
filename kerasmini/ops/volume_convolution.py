"""3D convolution as a sum, over the kernel's depth taps, of 2D convolutions.

Output plane o of a 3D convolution (depth stride s, dilation d, `before` planes of 'same'
padding) reads, with depth tap a of the kernel, input plane o * s + a * d - before:

    out[:, o] = sum over a of conv2d(x[:, o * s + a * d - before], kernel[a])

For one tap a, every output plane whose input plane lies inside the volume (planes in the
padding are zeros: they are skipped) is one image of a batch of 2D images: one call of
ops.conv (im2col + BLAS, with its own chunks, threads and Winograd). So the Python loop
runs over depth taps and over blocks of (images, output planes), never over voxels. A
block's gathered input planes and 2D result stay within WORKSPACE_BYTES (at least one
plane of one image), so the workspace does not grow with the batch.

The transposed convolution (volume_transposed_convolution.py) and both gradients run the
same plan with the 2D transposed convolution and the 2D gradients.
"""
import numpy as np

from kerasmini.ops import convolution
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import (check_output_size, check_strides_and_dilation,
                                  output_length, padding_mode, same_padding, triple)
from kerasmini.ops.windows import row_blocks

# Upper bound on one block's gathered input planes and 2D result (each 2D call adds
# ops.convolution's own bounded im2col workspace).
WORKSPACE_BYTES = 16 * 2**20


class VolumeGeometry:
    """The normalized arguments of a 3D window op and its output's spatial sizes."""

    def __init__(self, spatial, kernel_size, strides, padding, dilation_rate, received):
        self.strides, self.dilation = triple(strides, "strides"), triple(dilation_rate,
                                                                         "dilation_rate")
        check_strides_and_dilation(self.strides, self.dilation)
        self.padding, self.kernel_size = padding_mode(padding), tuple(kernel_size)
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


def as_planes(volumes):
    """(N, D, H, W, C) -> (N * D, H, W, C): every depth plane an image (copies only when
    the planes are not already one contiguous run)."""
    return volumes.reshape(-1, *volumes.shape[2:])


def accumulator_dtype(*arrays):
    """The dtype the taps are summed in: float16 in float32 (as TF accumulates)."""
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
    out = np.zeros((x.shape[0], *geometry.out, kernel.shape[4]),
                   accumulator_dtype(x, kernel))
    plane_bytes = (np.prod(x.shape[2:]) + np.prod(out.shape[2:])) * out.itemsize
    for images, planes in row_blocks(x.shape[0], out.shape[1], plane_bytes,
                                     WORKSPACE_BYTES):
        for tap in range(kernel.shape[0]):
            pairs = tap_pairs(x.shape[1], planes, tap, geometry.strides[0],
                              geometry.dilation[0], geometry.before)
            if pairs is None:
                continue  # this tap reads only padding for these output planes
            outs, ins = pairs
            target = out[images, outs]
            target += convolution.conv(as_planes(x[images, ins]), kernel[tap],
                                       **geometry.plane_options()).reshape(target.shape)
    out = out.astype(np.result_type(x, kernel), copy=False)
    return from_channels_last(out, data_format)
