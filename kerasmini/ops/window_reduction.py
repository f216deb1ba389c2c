"""Sliding-window reductions (maximum, sum) as separable passes over strided slices.

A reduction over a KH x KW window is the reduction over its KW columns of the reduction
over its KH rows. So the input is reduced along the height first (KH passes, each over
whole input rows: long contiguous runs), then that result along the width (KW passes):
KH + KW passes instead of KH * KW, each one vectorized ufunc call (a strided width pass
over narrow pixels runs at every column over one flat run instead: reduce_subsampled).
The input is processed in blocks of output rows small enough that the row results of a
block are still in cache when the width pass reads them; the batch is shared by threads
(ops/threads.py).

Window taps that fall in the 'same' padding are skipped, not padded: for a maximum that
is padding with -inf, for a sum padding with zeros, and no padded copy is made.
`spread` is the adjoint of one sum pass: each output's value goes back to its taps.
"""
import functools

import numpy as np

from kerasmini.ops.shapes import (check_output_size, output_length, padding_mode, pair,
                                  spatial_padding)
from kerasmini.ops import threads
from kerasmini.ops.threads import over_batch_parts
from kerasmini.ops.windows import row_blocks

# Input bytes read per block. Measured on (32, 112, 112, 64) float32 max pooling, 2x2 and
# 3x3/2, two threads, 2 MiB L2 per core: 0.5-2 MiB alike, 4 MiB and 128 KiB slower.
BLOCK_BYTES = 2**20
# A strided width pass whose pixels are at most this many bytes (C values) runs at every
# column over the block as one contiguous run, then picks every stride-th column
# (reduce_subsampled); wider pixels keep the strided taps (reduce_axis). Measured, CPU
# time of max pooling 3x3/2 'same' on (N, 112, 112, C), flat / strided: C = 16 0.65,
# 32 0.87, 64 0.84-0.91, 128 1.06-1.11.
SHORT_PIXEL_BYTES = 256


class PoolGeometry:
    """Where a pooling's windows lie along each spatial axis, 'same' padding cut off at
    the image (pooling has no dilation)."""

    def __init__(self, spatial_shape, pool_size, strides, padding):
        self.pool_size = pair(pool_size, "pool_size")
        self.strides = self.pool_size if strides is None else pair(strides, "strides")
        self.size = tuple(spatial_shape)
        pads = spatial_padding(self.size, self.pool_size, self.strides, padding_mode(padding),
                               (1, 1))
        self.before = [before for before, _ in pads]
        self.out_hw = tuple(output_length(n + before + after, k, s, "valid") for n,
                            (before, after), k, s in zip(self.size, pads, self.pool_size,
                                                         self.strides))

    def axes(self):
        """Per axis, (pool size, stride, padding before): what reduce_axis needs."""
        return list(zip(self.pool_size, self.strides, self.before))

    def windows(self):
        """Per axis, input rows [lo, hi) of each output position's window."""
        ranges = []
        for n, k, s, before, out in zip(self.size, self.pool_size, self.strides,
                                        self.before, self.out_hw):
            starts = np.arange(out) * s - before
            ranges.append((np.clip(starts, 0, n), np.clip(starts + k, 0, n)))
        return ranges

    def covering(self):
        """Per axis, output positions [lo, hi) whose windows cover each input row."""
        ranges = []
        for n, k, s, before, out in zip(self.size, self.pool_size, self.strides,
                                        self.before, self.out_hw):
            position = np.arange(n) + before  # in padded coordinates
            first = -((k - 1 - position) // s)  # ceil((position - k + 1) / s)
            ranges.append((np.clip(first, 0, out), np.clip(position // s + 1, 0, out)))
        return ranges

    def counts(self, dtype):
        """(1, OH, OW, 1) or a scalar: the real pixels in each window, as `dtype`."""
        if not any(self.before) and all((o - 1) * s + k <= n for o, s, k, n in zip(
                self.out_hw, self.strides, self.pool_size, self.size)):
            return dtype.type(self.pool_size[0] * self.pool_size[1])  # every window full
        (top, bottom), (left, right) = self.windows()
        return ((bottom - top)[:, None] * (right - left)[None, :])[None, :, :, None].astype(
            dtype)


def pool_geometry(input_shape, size, pool_size, strides, padding):
    """The PoolGeometry of a pooling of images of spatial `size` (the NHWC or NCHW
    `input_shape` named in the error), Keras's ValueError when a window does not fit.
    Made once per arguments (a model pools the same shapes again and again)."""
    pool_size = pair(pool_size, "pool_size")
    strides = pool_size if strides is None else pair(strides, "strides")
    geometry = _geometry(tuple(size), pool_size, strides, padding_mode(padding))
    if min(geometry.out_hw) < 1:
        check_output_size(geometry.out_hw, input_shape, {
            "pool_size": pool_size, "strides": strides, "padding": padding})
    return geometry


_geometry = functools.lru_cache(maxsize=256)(PoolGeometry)


def reduce_windows(ufunc, x, out, height, width, finish=None):
    """out[n, i, j, c] = ufunc-reduction of x over window (i, j), for NHWC x and out.

    `height` and `width` are (pool size, stride, padding before) per axis. Blocks of
    output rows, the batch shared by up to two threads; `out` is written in place.
    finish(block, rows), if given, runs on each output block while it is in cache.
    """
    pool_h, stride_h, top = height
    # input bytes per output row (not x.strides[1]: a channels_first input is a view whose
    # row stride leaves out the channels, and the blocks' buffers hold them)
    row_bytes = stride_h * x.shape[2] * x.shape[3] * x.itemsize
    if (x.shape[0] * out.shape[1] * row_bytes <= BLOCK_BYTES
            and x.nbytes < threads.PARALLEL_BYTES):  # one block, one thread: no walk
        stop = min((out.shape[1] - 1) * stride_h - top + pool_h, x.shape[1])
        _separable(ufunc, x[:, :stop], height, width, out)
        if finish is not None:
            finish(out, slice(0, out.shape[1]))
        return out

    def reduce_images(images):
        """Reduce images[start:stop] block by block (one thread's share of the batch)."""
        for block, rows in row_blocks(images.stop - images.start, out.shape[1],
                                      row_bytes, BLOCK_BYTES):
            block = slice(images.start + block.start, images.start + block.stop)
            start = rows.start * stride_h - top  # input row of rows.start's first tap
            first = max(start, 0)
            stop = min((rows.stop - 1) * stride_h - top + pool_h, x.shape[1])
            target = out[block, rows]
            _separable(ufunc, x[block, first:stop], (pool_h, stride_h, first - start),
                       width, target)
            if finish is not None:
                finish(target, rows)

    over_batch_parts(reduce_images, x.shape[0], x.nbytes)
    return out


def _separable(ufunc, x, height, width, out):
    """out = reduction over each window of x; `height` and `width` are (pool, stride, before)."""
    shape = (x.shape[0], out.shape[1], *x.shape[2:])
    subsampled = width[1] > 1 and x.shape[3] * out.itemsize <= SHORT_PIXEL_BYTES
    # One allocation for both buffers: two of this size made glibc hand memory back and
    # take it again on every call (137 page faults per (8, 26, 26, 32) max pooling).
    workspace = np.empty((2 if subsampled else 1, *shape), dtype=out.dtype)
    rows = workspace[0]
    reduce_axis(ufunc, x, rows, 1, *height)
    if subsampled:
        reduce_subsampled(ufunc, rows, out, *width, workspace[1])
    else:
        reduce_axis(ufunc, rows, out, 2, *width)


def reduce_axis(ufunc, x, out, axis, pool, stride, before):
    """out[.., i, ..] = ufunc over t < pool of x[.., i * stride + t - before, ..] on `axis`.

    Taps that fall outside x are skipped. The tap t = before lies inside x for every i
    ('same' makes (n_out - 1) * stride < n), so it starts the reduction.
    """
    first, second, partial = _taps(x.shape[axis], out.shape[axis], pool, stride, before)
    if second is not None:  # a second full tap: one pass for both instead of a copy
        ufunc(along(x, axis, first), along(x, axis, second), out=out)
    else:
        out[...] = along(x, axis, first)
    for out_part, in_part in partial:
        target = along(out, axis, out_part)
        ufunc(target, along(x, axis, in_part), out=target)


def reduce_subsampled(ufunc, x, out, pool, stride, before, windows):
    """reduce_axis along the width (axis 2) of a C-contiguous NHWC block x, stride > 1;
    `windows`, an array of x's shape, is overwritten.

    A strided tap is one ufunc call per run of C values (on 64 float32 channels 3.5x the
    time of the same values contiguous); NumPy copies such runs 3x faster than it reduces
    them. So the windows are reduced at every column over the whole block as one flat run
    (tap t is that run shifted by t * C values), and then every stride-th column is copied
    out. A window that reaches past the image's edge (its flat taps would read the
    neighbouring row) is reduced by reduce_axis on the edge columns alone.
    """
    width, width_out, pixel = x.shape[2], out.shape[2], x.shape[3]
    first = -(-before // stride)  # the first window starting inside the image
    stop = min(width_out, (width - pool + before) // stride + 1)  # past the last inside
    if pool < 2 or stop <= first:
        reduce_axis(ufunc, x, out, 2, pool, stride, before)
        return
    flat, size = x.reshape(-1), x.size
    windows = windows.reshape(-1)  # windows[p]: the reduction over columns p .. p+pool-1
    ufunc(flat[:size - pixel], flat[pixel:], out=windows[:size - pixel])
    for t in range(2, pool):
        ufunc(windows[:size - t * pixel], flat[t * pixel:], out=windows[:size - t * pixel])
    start = first * stride - before
    out[:, :, first:stop] = windows.reshape(x.shape)[:, :, start:start + (stop - first - 1)
                                                      * stride + 1:stride]
    if first > 0:  # windows cut by the left edge
        reach = (first - 1) * stride - before + pool
        reduce_axis(ufunc, x[:, :, :reach], out[:, :, :first], 2, pool, stride, before)
    if stop < width_out:  # windows cut by the right edge
        start = stop * stride - before
        reduce_axis(ufunc, x[:, :, start:], out[:, :, stop:], 2, pool, stride, 0)


@functools.lru_cache(maxsize=256)
def _taps(n, n_out, pool, stride, before):
    """reduce_axis's plan (cached: a model calls the same shapes again and again): the
    input slice of the first tap, that of a second tap covering every output (or None),
    and the (output slice, input slice) of the other non-empty taps."""
    offsets = reaching(n, n_out, pool, stride, before)
    taps = [tap(n, n_out, t, stride, before) for t in offsets]
    first = taps.pop(before - offsets.start)[1]
    full = [i for i, (out_part, _) in enumerate(taps) if out_part == slice(0, n_out)]
    second = taps.pop(full[0])[1] if full else None
    return first, second, [(o, i) for o, i in taps if o.stop > o.start]


def spread(g, dx, axis, pool, stride, before):
    """The adjoint of reduce_axis(np.add, ...): dx[.., i * stride + t - before, ..] +=
    g[.., i, ..] for every tap t < pool inside dx; `dx` is overwritten.

    Windows that neither overlap nor leave gaps (stride == pool, no padding) write every
    element of dx exactly once, with no zero fill.
    """
    taps = [tap(dx.shape[axis], g.shape[axis], t, stride, before)
            for t in reaching(dx.shape[axis], g.shape[axis], pool, stride, before)]
    tiled = stride == pool and before == 0 and g.shape[axis] * stride == dx.shape[axis]
    if not tiled:
        dx[...] = 0
    for out_part, in_part in taps:
        if out_part.stop > out_part.start:
            target = along(dx, axis, in_part)
            if tiled:
                target[...] = along(g, axis, out_part)
            else:
                np.add(target, along(g, axis, out_part), out=target)
    return dx


def reaching(n, n_out, pool, stride, before):
    """The window offsets that read some input pixel: at most n + (n_out - 1) * stride of
    them whatever the pool size, so a huge window costs no more than the data."""
    return range(max(0, before - (n_out - 1) * stride), min(pool, n + before))


def tap(n, n_out, offset, stride, before):
    """(output slice, input slice) of the positions that window offset `offset` reads.

    Output i reads input i * stride + offset - before, kept only where that index lies in
    [0, n): a contiguous run of outputs, possibly empty.
    """
    first = max(0, -(-(before - offset) // stride))  # first i with index >= 0
    last = min(n_out - 1, (n - 1 + before - offset) // stride)  # last i with index < n
    start = first * stride + offset - before
    count = max(last - first + 1, 0)
    return slice(first, first + count), slice(start, start + stride * (count - 1) + 1, stride)


def along(x, axis, index):
    """x[..., index, ...] with `index` on axis `axis`."""
    return x[(slice(None),) * axis + (index,)]
