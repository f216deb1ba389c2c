"""2D transposed convolution (keras.ops.conv_transpose), one ordinary convolution per
stride phase.

A transposed convolution scatters: input pixel i adds x[i] * kernel[a] to output pixel
Y = i * s + a * d (counted in the full, uncropped output of (L - 1) * s + k_eff pixels;
'same' then cuts a few at the start). Gathered the other way round, the outputs whose Y
leaves remainder p modulo s (a "phase") receive only the taps a = p, p + s, p + 2s, ...,
from input pixels q - j for the j-th of those taps: a plain stride-1 correlation of the
input, zero-padded by J - 1 on both sides, with that sub-kernel flipped (J taps). So each
of the s * s phases (one phase when s = 1; then the taps are d apart, a dilated
correlation) is one call of ops.conv (im2col and BLAS), whose output lands s pixels apart
in the result. No multiply-add is wasted on the zeros a zero-stuffed input would hold, and
there is no loop over pixels or kernel offsets. When every phase has the same taps (each
kernel size a multiple of its stride, no dilation: the U-Net's 2x2/2 and 4x4/2), the
phases' sub-kernels side by side make one convolution: one im2col instead of s * s, and
one product s * s times wider (measured, one thread: 1.04-1.40x faster; stacking the
3x3/2 kernel's uneven phases would multiply 16 taps' worth instead of 9).
"""
import itertools

import numpy as np

from kerasmini.ops.convolution import conv
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import (check_strides_and_dilation, conv_transpose_crop,
                                  conv_transpose_length, effective_kernel_size, padding_mode,
                                  pair)

# Upper bound on the padded input of one chunk of images (at least one image).
WORKSPACE_BYTES = 8 * 2**20


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """inputs (N, H, W, C) or (N, C, H, W), kernel (KH, KW, F, C) -> (N, OH, OW, F)
    (or channels first), OH and OW by ops.shapes.conv_transpose_length."""
    data_format = standardize_data_format(data_format)
    strides = pair(strides, "strides")
    dilation_rate = pair(dilation_rate, "dilation_rate")
    output_padding = (None, None) if output_padding is None else \
        pair(output_padding, "output_padding", allow_zero=True)
    padding = padding_mode(padding)
    check_strides_and_dilation(strides, dilation_rate)  # one phase, or taps 1 apart
    x = to_channels_last(np.asarray(inputs), data_format)
    kernel_size = kernel.shape[:2]
    check_transpose_padding(kernel_size, padding, output_padding, dilation_rate)
    axes = list(zip(x.shape[1:3], kernel_size, strides, output_padding, dilation_rate))
    out_hw = [conv_transpose_length(n, k, s, padding, op, d) for n, k, s, op, d in axes]
    cuts = [conv_transpose_crop(n, out, k, s, padding, d)
            for (n, k, s, _, d), out in zip(axes, out_hw)]
    # The first phase has the most taps, ceil(k / s): pad once for it, slice for the rest.
    pads = [(-(-k // s) - 1) * d for _, k, s, _, d in axes]
    out = np.zeros((x.shape[0], *out_hw, kernel.shape[2]), np.result_type(x, kernel))
    stacked = stacked_phases(kernel, strides, dilation_rate)
    padded_bytes = (x.shape[1] + 2 * pads[0]) * (x.shape[2] + 2 * pads[1]) * x.shape[3]
    step = max(1, WORKSPACE_BYTES // max(padded_bytes * out.itemsize, 1))
    for start in range(0, x.shape[0], step):  # chunks of whole images
        images = slice(start, start + step)
        padded = np.pad(x[images], [(0, 0), (pads[0],) * 2, (pads[1],) * 2, (0, 0)])
        if stacked is not None:
            _add_stacked_phases(padded, stacked, axes, pads, cuts, out[images])
            continue
        for phase in itertools.product(range(strides[0]), range(strides[1])):
            _add_phase(padded, kernel, phase, axes, pads, cuts, out[images])
    return from_channels_last(out, data_format)


def stacked_phases(kernel, strides, dilation_rate):
    """When every stride phase has the same taps (kernel sizes multiples of the strides,
    no dilation, a stride > 1): the phases' flipped sub-kernels side by side, (T_h, T_w,
    C, phases * F), so that one convolution computes them all (one im2col, one product
    s_h * s_w times as wide, which BLAS runs faster). Else None."""
    if dilation_rate != (1, 1) or strides == (1, 1) or any(
            k % s for k, s in zip(kernel.shape[:2], strides)):
        return None
    subs = [kernel[p::strides[0], q::strides[1]][::-1, ::-1].transpose(0, 1, 3, 2)
            for p, q in itertools.product(range(strides[0]), range(strides[1]))]
    return np.ascontiguousarray(np.concatenate(subs, axis=3))


def _add_stacked_phases(padded, stacked, axes, pads, cuts, out):
    """Write every phase's outputs into `out` from one convolution with the stacked
    sub-kernels: phase number i is channels [i * F, (i + 1) * F) of its output."""
    filters = out.shape[3]
    every = conv(padded, stacked)  # position q of phase (p_h, p_w): output q * s + p
    for number, phase in enumerate(itertools.product(range(axes[0][2]), range(axes[1][2]))):
        spans = [_phase_span(n, s, d, k // s, p, pad, cut, length) for (n, k, s, _, d), p,
                 pad, cut, length in zip(axes, phase, pads, cuts, out.shape[1:3])]
        if None in spans:
            continue  # this phase has no output pixel inside the (cut) output
        # with equal taps the padding is the phase's own: its reads start at q = first
        (rows_in, rows_out), (cols_in, cols_out) = spans
        out[:, rows_out, cols_out] = every[
            :, rows_in.start:rows_in.stop - pads[0], cols_in.start:cols_in.stop - pads[1],
            number * filters:(number + 1) * filters]


def _add_phase(padded, kernel, phase, axes, pads, cuts, out):
    """Write the outputs of one stride phase (p_h, p_w) into `out`."""
    sub = kernel[phase[0]::axes[0][2], phase[1]::axes[1][2]]  # taps p, p + s, ...
    if sub.size == 0:
        return  # a kernel smaller than the stride: these outputs hold only the bias
    spans = [_phase_span(n, s, d, taps, p, pad, cut, length) for (n, _, s, _, d), taps, p,
             pad, cut, length in zip(axes, sub.shape[:2], phase, pads, cuts, out.shape[1:3])]
    if None in spans:
        return  # this phase has no output pixel inside the (cut) output
    (rows_in, rows_out), (cols_in, cols_out) = spans
    forward = np.ascontiguousarray(sub[::-1, ::-1].transpose(0, 1, 3, 2))
    out[:, rows_out, cols_out] = conv(padded[:, rows_in, cols_in], forward,
                                      dilation_rate=(axes[0][4], axes[1][4]))


def _phase_span(n, s, d, taps, p, pad, cut, length):
    """One axis of one phase: (slice of the padded input to correlate, slice of the output
    it fills), or None when the phase puts no pixel inside the output.

    The phase's positions q = 0 .. n + (taps - 1) * d - 1 go to output y = q * s + p - cut;
    only those with 0 <= y < length are computed. Position q reads padded inputs
    q .. q + (taps - 1) * d, where the padding before is (taps - 1) * d (the input is
    padded for the largest phase: `pad`, so this phase starts pad - (taps - 1) * d in).
    """
    first = max(0, -(-(cut - p) // s))
    last = min(n + (taps - 1) * d - 1, (length - 1 + cut - p) // s)
    if first > last:
        return None
    start = pad - (taps - 1) * d + first
    reads = slice(start, start + (last - first) + (taps - 1) * d + 1)
    return reads, slice(first * s + p - cut, last * s + p - cut + 1, s)


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
