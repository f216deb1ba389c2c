"""2D max pooling over sliding windows, as a separable maximum.

The maximum over a KH x KW window is the maximum over its KW columns of the maximum over
its KH rows. So the input is reduced along the height first (KH passes, each over whole
input rows: long contiguous runs), then that result along the width (KW passes): KH + KW
passes instead of KH * KW. The input is processed in blocks of output rows small enough
that the row maxima of a block are still in cache when the width pass reads them.
"""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import (check_output_size, output_length, padding_mode, pair,
                                  spatial_padding)
from kerasmini.ops.threads import over_batch_parts
from kerasmini.ops.windows import row_blocks

# Input bytes read per block. Measured on (32, 112, 112, 64) float32, 2x2 and 3x3/2, two
# threads, 2 MiB L2 per core: 0.5-2 MiB alike, 4 MiB and 128 KiB slower.
BLOCK_BYTES = 2**20


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """keras.ops.max_pool for 2D inputs (N, H, W, C) or (N, C, H, W).

    'same' pads with -inf, so a pad value never wins over a real pixel.
    NaN propagates: a window holding a NaN yields NaN.
    """
    data_format = standardize_data_format(data_format)
    pool_size = pair(pool_size, "pool_size")
    strides = pool_size if strides is None else pair(strides, "strides")
    x = to_channels_last(np.asarray(inputs), data_format)
    pads = spatial_padding(x.shape[1:3], pool_size, strides, padding_mode(padding), (1, 1))
    out_hw = [output_length(n + before + after, k, s, "valid")
              for n, (before, after), k, s in zip(x.shape[1:3], pads, pool_size, strides)]
    check_output_size(out_hw, np.shape(inputs), {"pool_size": pool_size,
                                                 "strides": strides, "padding": padding})
    out = np.empty((x.shape[0], *out_hw, x.shape[3]), dtype=x.dtype)
    # Per axis: (pool size, stride, padding before).
    (ph, sh, top), width = [(k, s, before) for k, s, (before, _)
                            in zip(pool_size, strides, pads)]

    def pool_images(images):
        """Pool images[start:stop] block by block (one thread's share of the batch)."""
        for block, rows in row_blocks(images.stop - images.start, out_hw[0],
                                      sh * x.strides[1], BLOCK_BYTES):
            block = slice(images.start + block.start, images.start + block.stop)
            start = rows.start * sh - top  # input row of output row rows.start's first tap
            first, stop = max(start, 0), min((rows.stop - 1) * sh - top + ph, x.shape[1])
            _separable_max(x[block, first:stop], (ph, sh, first - start), width,
                           out[block, rows])

    over_batch_parts(pool_images, x.shape[0], x.nbytes)
    return from_channels_last(out, data_format)


def _separable_max(x, height, width, out):
    """out = max over each window of x; `height` and `width` are (pool, stride, before)."""
    row_max = np.empty((x.shape[0], out.shape[1], *x.shape[2:]), dtype=x.dtype)
    _running_max(x, row_max, 1, *height)
    _running_max(row_max, out, 2, *width)


def _running_max(x, out, axis, pool, stride, before):
    """out[.., i, ..] = max over t < pool of x[.., i * stride + t - before, ..] along `axis`.

    Taps that fall outside x are skipped, which is what padding with -inf would give (a
    pad value never wins), without a padded copy. The tap t = before lies inside x for
    every i ('same' makes (n_out - 1) * stride < n), so it starts the maximum.
    """
    taps = [_tap(x.shape[axis], out.shape[axis], t, stride, before) for t in range(pool)]
    first = taps.pop(before)
    full = [i for i, (out_part, _) in enumerate(taps) if out_part == slice(0, out.shape[axis])]
    if full:  # a second full tap: one pass for both instead of a copy, then a maximum
        np.maximum(_along(x, axis, first[1]), _along(x, axis, taps.pop(full[0])[1]), out=out)
    else:
        out[...] = _along(x, axis, first[1])
    for out_part, in_part in taps:
        if out_part.stop > out_part.start:
            target = _along(out, axis, out_part)
            np.maximum(target, _along(x, axis, in_part), out=target)


def _tap(n, n_out, offset, stride, before):
    """(output slice, input slice) of the positions that window offset `offset` reads.

    Output i reads input i * stride + offset - before, kept only where that index lies in
    [0, n): a contiguous run of outputs, possibly empty.
    """
    first = max(0, -(-(before - offset) // stride))  # first i with index >= 0
    last = min(n_out - 1, (n - 1 + before - offset) // stride)  # last i with index < n
    start = first * stride + offset - before
    count = max(last - first + 1, 0)
    return slice(first, first + count), slice(start, start + stride * (count - 1) + 1, stride)


def _along(x, axis, index):
    """x[..., index, ...] with `index` on axis `axis`."""
    return x[(slice(None),) * axis + (index,)]
