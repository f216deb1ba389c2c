"""2D transposed convolution (keras.ops.conv_transpose) as an ordinary convolution.

A transposed convolution scatters: input pixel i adds x[i] * kernel[a] to output pixel
i * s + a * d - crop. Gathered the other way round, output pixel y collects x[i] * k[a]
over i * s + a * d = y + crop, which is a stride-1 correlation, with the kernel flipped
and its two channel axes swapped, of the input spread s apart (s - 1 zeros between its
pixels) and zero-padded by k_eff - 1 - crop in front. So ops.conv does the work (im2col
and BLAS) with no loop over kernel offsets; the zeros cost s * s times the multiply-adds
of a scatter, which measured cheaper than s * s Python-level scatters of sub-kernels.
"""
import numpy as np

from kerasmini.ops.convolution import conv
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import (conv_transpose_crop, conv_transpose_length,
                                  effective_kernel_size, pair)

# Upper bound on the zero-spread input of one chunk of images (at least one image: its
# size is that of the output image, which the caller holds anyway).
WORKSPACE_BYTES = 8 * 2**20


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """inputs (N, H, W, C) or (N, C, H, W), kernel (KH, KW, F, C) -> (N, OH, OW, F)
    (or channels first), OH and OW by ops.shapes.conv_transpose_length."""
    data_format = standardize_data_format(data_format)
    strides, dilation_rate = pair(strides), pair(dilation_rate)
    output_padding = (None, None) if output_padding is None else pair(output_padding)
    padding = padding.lower()
    x = to_channels_last(np.asarray(inputs), data_format)
    kernel_size = kernel.shape[:2]
    check_transpose_padding(kernel_size, padding, output_padding, dilation_rate)
    axes = list(zip(x.shape[1:3], kernel_size, strides, output_padding, dilation_rate))
    out_hw = [conv_transpose_length(n, k, s, padding, op, d) for n, k, s, op, d in axes]
    fronts = [effective_kernel_size(k, d) - 1
              - conv_transpose_crop(n, out, k, s, padding, d)
              for (n, k, s, _, d), out in zip(axes, out_hw)]
    spread_hw = [out + effective_kernel_size(k, d) - 1
                 for (_, k, _, _, d), out in zip(axes, out_hw)]
    forward_kernel = np.ascontiguousarray(kernel[::-1, ::-1].transpose(0, 1, 3, 2))
    dtype = np.result_type(x, kernel)
    out = np.empty((x.shape[0], *out_hw, kernel.shape[2]), dtype)
    image_bytes = spread_hw[0] * spread_hw[1] * x.shape[3] * out.itemsize
    step = max(1, WORKSPACE_BYTES // image_bytes)
    (top, left), (sh, sw), (h, w) = fronts, strides, x.shape[1:3]
    for start in range(0, x.shape[0], step):  # chunks of whole images
        images = slice(start, start + step)
        spread = np.zeros((len(x[images]), *spread_hw, x.shape[3]), dtype)
        spread[:, top:top + (h - 1) * sh + 1:sh, left:left + (w - 1) * sw + 1:sw] = x[images]
        out[images] = conv(spread, forward_kernel, dilation_rate=dilation_rate)
    return from_channels_last(out, data_format)


def check_transpose_padding(kernel_size, padding, output_padding, dilation_rate):
    """'same' with output_padding=0 and an even (dilated) kernel would give an output the
    convolution it transposes maps to one pixel fewer: TensorFlow fails; so do we."""
    for k, op, d in zip(kernel_size, output_padding, dilation_rate):
        if padding == "same" and op == 0 and effective_kernel_size(k, d) % 2 == 0:
            raise ValueError(
                "With padding='same', an output_padding of 0 needs an odd (dilated) "
                f"kernel size: the output would be one pixel short of the input times the "
                f"stride. Received: kernel_size={tuple(kernel_size)}, "
                f"dilation_rate={tuple(dilation_rate)}, output_padding={tuple(output_padding)}")
