"""2D depthwise convolution: each input channel convolved with its own filters.

Output channel c * M + m is input channel c correlated with kernel[..., c, m] (M, the
depth multiplier, filters per channel), as Keras and TensorFlow order them. There is no
sum over channels, so no matrix product to hand to BLAS: the work is KH * KW
multiply-adds per output value, and NumPy's speed on it is set by how long its inner
loops run. For stride 1 along the width, the values one output row reads at tap (a, b),
x[i + a, j + b, c] over (j, c), are one contiguous run of the padded input row (OW * C
values). So per block of output rows the taps are strided views of the padded band (no
patch copy) and one einsum sums them, with the kernel tiled along the row so that its
inner loop runs over whole rows instead of C values at a time. A stride s along the
width first splits the band's columns into their s phases (column j * s + q), so that
each tap again reads runs; the taps of one phase are one einsum, the phases are added.
With M > 1 the band's channels are repeated M times (channel c * M + m), then as M = 1.

Measured on (8, 56, 56, 128) 3x3 'same' (one thread, CPU time, one block of 25 rows):
im2col copy 101 us + einsum over (pixels, taps, channels) 269 us, against 204 us for the
einsum over views with rows as inner loops (with the kernel broadcast, inner loops of C:
374 us; rows cut into chunks of 16-32 pixels: 221-227 us). Tap by tap
(`np.multiply` into a buffer, `np.add` into the output, row blocks of 64-512 KiB): 1.1-2.5x
slower than the old kernel: two passes per tap where einsum makes one.
"""
import functools
import math

import numpy as np

from kerasmini.ops import threads
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import (check_output_size, output_length, padding_mode, pair,
                                  spatial_padding)
from kerasmini.ops.windows import input_rows, padded_band, row_blocks

# Upper bound on one block's workspace (its padded input band and a partial sum),
# whatever the batch size.
WORKSPACE_BYTES = 2**20
# Output values per row that one einsum runs its inner loop over: the kernel is tiled
# this wide (KH * KW * ROW_VALUES values), wider rows are cut into column chunks.
ROW_VALUES = 8192


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """keras.ops.depthwise_conv for 2D: inputs (N, H, W, C) or (N, C, H, W), kernel
    (KH, KW, C, M) -> (N, OH, OW, C * M) (or channels first). No bias, no activation."""
    data_format = standardize_data_format(data_format)
    strides = pair(strides, "strides")
    dilation_rate = pair(dilation_rate, "dilation_rate")
    x = to_channels_last(np.asarray(inputs), data_format)
    kh, kw, channels, multiplier = kernel.shape
    pads = spatial_padding(x.shape[1:3], (kh, kw), strides, padding_mode(padding),
                           dilation_rate)
    out_hw = [output_length(n + before + after, k, s, "valid", d)
              for n, (before, after), k, s, d
              in zip(x.shape[1:3], pads, (kh, kw), strides, dilation_rate)]
    check_output_size(out_hw, np.shape(inputs), {
        "kernel shape": kernel.shape, "dilation_rate": dilation_rate, "strides": strides,
        "padding": padding})
    dtype = np.result_type(x, kernel)
    width = channels * multiplier  # output channels, and the band's after repeating
    out = np.empty((x.shape[0], *out_hw, width), dtype)
    columns = max(1, min(out_hw[1], ROW_VALUES // width))  # output columns per einsum
    groups = phase_groups(kw, strides[1], dilation_rate[1])
    weights = [_tiled(kernel[:, taps.start::taps.step], columns, dtype)
               for _, taps, _, _ in groups]
    band_width = x.shape[2] + sum(pads[1])
    # workspace per output row: its input rows (and their phase copy), one partial sum
    row_bytes = (2 * strides[0] * band_width + out_hw[1]) * width * out.itemsize

    def block_sums(block):
        """One block of output rows: its band, then its taps (parts of a thread)."""
        images, rows = block
        band = padded_band(x, images, input_rows(rows, kh, strides[0], dilation_rate[0]),
                           pads)
        band = np.ascontiguousarray(band, dtype=dtype)
        if multiplier > 1:
            band = np.repeat(band, multiplier, axis=3)
        _sum_taps(column_phases(band, strides[1]), weights, groups, kh, strides[0],
                  dilation_rate[0], columns, out[images, rows])

    blocks = list(row_blocks(x.shape[0], out_hw[0], row_bytes, WORKSPACE_BYTES))
    if len(blocks) > 1 and out.nbytes >= threads.PARALLEL_BYTES:
        threads.over_parts(block_sums, blocks)  # einsum lets go of the GIL
    else:
        for block in blocks:
            block_sums(block)
    return from_channels_last(out, data_format)


def _tiled(kernel, columns, dtype):
    """(KH, KW, C, M) -> (KH, KW, columns * C * M): the kernel's values along `columns`
    output pixels of a row, as the taps' views run (one broadcast copy: np.tile and
    np.broadcast_to cost more per call at batch 1)."""
    kh, kw, channels, multiplier = kernel.shape
    tiled = np.empty((kh, kw, columns, channels * multiplier), dtype)
    tiled[...] = kernel.reshape(kh, kw, 1, channels * multiplier)
    return tiled.reshape(kh, kw, -1)


@functools.lru_cache(maxsize=64)
def phase_groups(kw, stride, dilation):
    """The kernel columns grouped by the width phase they read: [(phase, kernel columns
    (a range), first offset, step), ...]. Tap b reads padded column j * stride +
    b * dilation, that is column j + b * dilation // stride of phase b * dilation %
    stride; taps `period` apart share a phase, their offsets `step` apart, so a group's
    taps are one strided view."""
    period = stride // math.gcd(stride, dilation)
    return [(b * dilation % stride, range(b, kw, period), b * dilation // stride,
             period * dilation // stride) for b in range(min(period, kw))]


def column_phases(band, stride):
    """(n, rows, stride, ceil(W / stride), C): phase q holds columns q, q + stride, ...
    of the band, so that a tap's columns are contiguous. The band itself for stride 1."""
    n, rows, width, channels = band.shape
    if stride == 1:
        return band[:, :, None]
    phases = np.empty((n, rows, stride, -(-width // stride), channels), band.dtype)
    for q in range(stride):  # a shorter phase's last column is never read
        phases[:, :, q, :len(range(q, width, stride))] = band[:, :, q::stride]
    return phases


def _sum_taps(phases, weights, groups, kh, stride_h, dilation_h, columns, target):
    """target (n, R, OW, C) = the sum over all taps of each tap's view times its kernel
    values: one einsum per phase group and column chunk, the later groups added."""
    n, rows, out_w, width = target.shape
    sn, sr, sq, sc, _ = phases.strides
    partial = np.empty((n, rows, columns * width), target.dtype) if len(groups) > 1 \
        else None
    for start in range(0, out_w, columns):
        stop = min(start + columns, out_w)
        values = (stop - start) * width
        out = target[:, :, start:stop].reshape(n, rows, values)  # a view
        for number, ((q, taps, offset, step), tap_weights) in enumerate(zip(groups,
                                                                            weights)):
            # tap (a, b) of output (i, j): row i * stride_h + a * dilation_h, column
            # j + offset + (b's index) * step of phase q; (j, channel) is one run
            view = np.ndarray((n, rows, kh, len(taps), values), phases.dtype, phases,
                              q * sq + (start + offset) * sc,
                              (sn, stride_h * sr, dilation_h * sr, step * sc,
                               phases.itemsize))
            into = out if number == 0 else partial[:, :, :values]
            np.einsum("nrabv,abv->nrv", view, tap_weights[..., :values], out=into)
            if number:
                np.add(out, into, out=out)
