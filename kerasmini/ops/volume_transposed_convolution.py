"""3D transposed convolution: for each depth tap, one 2D transposed convolution.

Input plane i, through depth tap a of the kernel, adds conv_transpose2d(x[:, i], kernel[a])
to output plane i * s + a * d - cut (`cut`: the planes 'same' drops at the start,
ops.shapes.conv_transpose_crop). For one tap, the input planes whose output plane lies
inside the output are a batch of 2D images: one call of ops.conv_transpose (one ordinary
convolution per stride phase, im2col + BLAS), added into output planes s apart. The loop
is over depth taps and blocks of (images, input planes), within volume_convolution.py's
WORKSPACE_BYTES. (Unlike conv3d it sums per tap: a depth stack here would hold, for each
input plane, KD output planes side by side: KD output-sized copies.)
"""
import numpy as np

from kerasmini.ops import transposed_convolution, volume_convolution
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import (check_strides_and_dilation, conv_transpose_crop,
                                  conv_transpose_length, padding_mode, triple)
from kerasmini.ops.transposed_convolution import check_transpose_padding
from kerasmini.ops.volume_convolution import (accumulator_dtype, as_planes, check_kernel,
                                              tap_pairs)
from kerasmini.ops.windows import row_blocks


class TransposeGeometry:
    """The normalized arguments, the output's spatial sizes and the depth planes cut."""

    def __init__(self, spatial, kernel_size, strides, padding, output_padding,
                 dilation_rate):
        self.strides = triple(strides, "strides")
        self.dilation = triple(dilation_rate, "dilation_rate")
        self.output_padding = (None,) * 3 if output_padding is None else \
            triple(output_padding, "output_padding", allow_zero=True)
        self.padding = padding_mode(padding)
        check_strides_and_dilation(self.strides, self.dilation)
        check_transpose_padding(kernel_size, self.padding, self.output_padding,
                                self.dilation)
        self.out = tuple(conv_transpose_length(n, k, s, self.padding, op, d) for
                         n, k, s, op, d in zip(spatial, kernel_size, self.strides,
                                               self.output_padding, self.dilation))
        self.cut = conv_transpose_crop(spatial[0], self.out[0], kernel_size[0],
                                       self.strides[0], self.padding, self.dilation[0])

    def plane_options(self):
        """The keyword arguments of the 2D op run on each depth plane."""
        output_padding = None if self.output_padding[1] is None else self.output_padding[1:]
        return dict(strides=self.strides[1:], padding=self.padding,
                    output_padding=output_padding, data_format="channels_last",
                    dilation_rate=self.dilation[1:])

    def pairs(self, planes, tap):
        """(input planes, output planes) that depth tap `tap` joins, within `planes`."""
        return tap_pairs(self.out[0], planes, tap, self.strides[0], self.dilation[0],
                         self.cut)


def plane_blocks(x, out_plane_size, itemsize):
    """(images, input planes) blocks whose input planes and 2D results (out_plane_size
    values per input plane) fit the workspace."""
    plane_bytes = (np.prod(x.shape[2:]) + out_plane_size) * itemsize
    return row_blocks(x.shape[0], x.shape[1], plane_bytes,
                      volume_convolution.WORKSPACE_BYTES)


def conv3d_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                     data_format=None, dilation_rate=1):
    """inputs (N, D, H, W, C) or (N, C, D, H, W), kernel (KD, KH, KW, F, C) ->
    (N, OD, OH, OW, F) (or channels first), sizes by ops.shapes.conv_transpose_length."""
    data_format = standardize_data_format(data_format)
    x = to_channels_last(np.asarray(inputs), data_format)
    check_kernel(x.shape, kernel.shape)
    geometry = TransposeGeometry(x.shape[1:4], kernel.shape[:3], strides, padding,
                                 output_padding, dilation_rate)
    out = np.zeros((x.shape[0], *geometry.out, kernel.shape[3]), accumulator_dtype(x, kernel))
    for images, planes in plane_blocks(x, np.prod(geometry.out[1:]) * kernel.shape[3],
                                        out.itemsize):
        for tap in range(kernel.shape[0]):
            pairs = geometry.pairs(planes, tap)
            if pairs is None:
                continue  # these input planes land outside the output with this tap
            ins, outs = pairs
            target = out[images, outs]
            target += transposed_convolution.conv_transpose(
                as_planes(x[images, ins]), kernel[tap],
                **geometry.plane_options()).reshape(target.shape)
    out = out.astype(np.result_type(x, kernel), copy=False)
    return from_channels_last(out, data_format)
