"""Image resizing as TensorFlow's tf.image.resize does it (half-pixel centers, no
antialiasing): 'nearest' and 'bilinear', separable: along the width, then the height
(TensorFlow's order and roundings; the other way round when the height shrinks).

Output pixel o of an axis resized from `n` to `m` pixels sits at input coordinate
(o + 0.5) * n / m - 0.5 (pixel centres aligned). 'nearest' takes input pixel
floor((o + 0.5) * n / m) (exact integer arithmetic; clipped to the last pixel); 'bilinear'
mixes the two pixels around the coordinate, clamped to the edges. Each axis is one
gather of whole rows (or columns) plus a weighted sum: no loop over pixels; rows at a
scale of small integers p / q (UpSampling2D's 2x) are strided slices, p passes, no gather.
"""
import math

import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.threads import over_batch_parts

INTERPOLATIONS = ("bilinear", "nearest")

# Bound on one chunk's intermediate (the height-resized images), whatever the batch size.
# Measured (one thread, CPU, load 11) against 8 MiB: 8x56x56x64 -> 2x 1.16x faster,
# 8x28x28x32 1.26x, 32x28x28x128 1.11x, 8x112x112x64 -> 0.5x 1.05x, 8x160x160x3 -> 224
# 0.97x; 1-2 MiB slower on the small-channel cases; rows resized band by band (each
# band's columns just before its rows, to stay in cache) 0.58-1.0x.
WORKSPACE_BYTES = 4 * 2**20
# Largest p of a scale p / q (in lowest terms) whose rows are resized from strided slices
# (p passes): on (8, 56, 112, 64) x2 they took 0.36x the gathers' time, on (8, 160, 224, 3)
# x7/5 (short rows, 7 passes) 1.55x.
MAX_PERIOD = 4


def resize(images, size, interpolation="bilinear", data_format=None,
           crop_to_aspect_ratio=False):
    """images (N, H, W, C) or (N, C, H, W) -> (N, size[0], size[1], C) (or channels first).

    crop_to_aspect_ratio: first cut the largest centred box with the target's aspect
    ratio (Keras's rule), so the image is not distorted.
    """
    data_format = standardize_data_format(data_format)
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"kerasmini resizes with interpolation 'bilinear' or 'nearest' "
                         f"only. Received: interpolation={interpolation}")
    x = to_channels_last(np.asarray(images), data_format)
    if crop_to_aspect_ratio:
        x = x[(slice(None), *aspect_ratio_crop(x.shape[1:3], size))]
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype("float32")
    out = np.empty((x.shape[0], *size, x.shape[3]), dtype)
    # The columns first, as TensorFlow (same roundings), unless the height shrinks: then
    # the rows, so that the costlier column pass runs on the fewer rows.
    axes = [(2, size[1]), (1, size[0])] if size[0] >= x.shape[1] else \
        [(1, size[0]), (2, size[1])]
    middle = list(x.shape)
    middle[axes[0][0]] = axes[0][1]
    step = max(1, WORKSPACE_BYTES // max(int(np.prod(middle[1:])) * out.itemsize, 1))

    def resize_images(images):
        """One thread's share of the batch, in chunks of whole images."""
        for start in range(images.start, images.stop, step):
            chunk = slice(start, min(start + step, images.stop))
            half = _resize_axis(x[chunk], *axes[0], interpolation, dtype)
            _resize_axis(half, *axes[1], interpolation, dtype, out[chunk])

    over_batch_parts(resize_images, x.shape[0], out.nbytes)
    return from_channels_last(out, data_format)


def aspect_ratio_crop(spatial, size):
    """(row slice, column slice) of the centred crop with the aspect ratio of `size`."""
    (height, width), (target_h, target_w) = spatial, size
    crop_h = max(min(height, width * target_h // target_w), 1)
    crop_w = max(min(width, height * target_w // target_h), 1)
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return slice(top, top + crop_h), slice(left, left + crop_w)


def _resize_axis(x, axis, new_length, interpolation, dtype, out=None):
    """x resized along `axis`, into `out` if given."""
    length = x.shape[axis]
    if interpolation == "nearest":
        resized = np.take(x, nearest_sources(length, new_length), axis=axis)
    else:
        sources = bilinear_sources(length, new_length)
        period = new_length // math.gcd(length, new_length)
        if axis == 1 and period <= MAX_PERIOD:  # whole rows: strided slices pay
            if out is None:
                out = np.empty(x.shape[:1] + (new_length,) + x.shape[2:], dtype)
            if _lerp_by_residue(x.astype(dtype, copy=False), axis, sources, period, out):
                return out
        resized = _lerp_gather(x, axis, *sources, dtype)
    if out is None:
        return resized.astype(dtype, copy=False)
    out[...] = resized
    return out


def _lerp_gather(x, axis, below, above, weight, dtype):
    """first + (second - first) * weight, first and second gathered along `axis`."""
    weight = weight.astype(dtype)
    # The weight along `axis`, broadcast over the axes after it. Along the columns it is
    # made a contiguous (columns, channels) block: NumPy then runs one long inner loop per
    # row instead of one short loop per pixel (measured 35% faster on 8x112x56x64).
    weight = weight.reshape((len(weight),) + (1,) * (x.ndim - axis - 1))
    if axis == x.ndim - 2:
        weight = np.ascontiguousarray(np.broadcast_to(weight, (len(weight), x.shape[-1])))
    first = np.take(x, below, axis=axis).astype(dtype, copy=False)
    second = np.take(x, above, axis=axis).astype(dtype, copy=False)
    second -= first  # first + (second - first) * weight, in place: 2 temporaries, not 4
    second *= weight
    first += second
    return first


def _lerp_by_residue(x, axis, sources, period, out):
    """The same sums as _lerp_gather, from strided slices instead of gathers.

    When the scale is the ratio p / q of small integers (p = `period`), output pixels
    o, o + p, o + 2p, ... read inputs q apart with one weight: each of the p residues is
    two passes over strided slices of x and of its neighbours' differences (whole rows,
    or runs of channels). The
    outputs whose neighbours are clamped at an edge are gathered. Returns False, with
    `out` unfinished, if the sources do not follow that pattern (then the caller gathers).
    """
    below, above, weight = sources
    step = x.shape[axis] * period // len(below)  # q: input pixels per period
    weight = weight.astype(x.dtype)
    edges = []
    # the neighbours' differences once (TensorFlow's bottom - top, the same roundings),
    # so that each residue is one product and one sum over its outputs, not three passes
    differences = np.subtract(_along(x, axis, slice(1, None)), _along(x, axis,
                                                                      slice(None, -1)))
    for r in range(min(period, len(below))):
        outputs = np.arange(r, len(below), period)
        inside = above[outputs] == below[outputs] + 1  # neither neighbour clamped
        edges.append(outputs[~inside])
        run, start = outputs[inside], below[outputs[inside]]
        if not len(run):
            continue
        w = weight[run[0]]
        if (run[-1] - run[0] != period * (len(run) - 1) or np.any(np.diff(start) != step)
                or np.abs(weight[run] - w).max() > 1e-9):
            return False
        low = slice(start[0], start[-1] + 1, step)
        target = _along(out, axis, slice(run[0], run[-1] + 1, period))
        np.multiply(_along(differences, axis, low), w, out=target)
        target += _along(x, axis, low)
    edges = np.concatenate(edges)
    if len(edges):
        out[(slice(None),) * axis + (edges,)] = _lerp_gather(  # a fancy-index write
            x, axis, below[edges], above[edges], sources[2][edges], x.dtype)
    return True


def _along(x, axis, index):
    """x[..., index, ...] with `index` on axis `axis`."""
    return x[(slice(None),) * axis + (index,)]


def nearest_sources(length, new_length):
    """The input pixel each of `new_length` output pixels copies (exact integers)."""
    o = np.arange(new_length)
    return np.minimum((2 * o + 1) * length // (2 * new_length), length - 1)


def bilinear_sources(length, new_length):
    """(below, above, weight): output pixel o is x[below] + (x[above] - x[below]) * weight,
    the two neighbours of its input coordinate, clamped to the edges (weight float64)."""
    position = (np.arange(new_length) + 0.5) * (length / new_length) - 0.5
    low = np.floor(position)
    weight = position - low
    low = low.astype(np.int64)
    return np.clip(low, 0, length - 1), np.clip(low + 1, 0, length - 1), weight
