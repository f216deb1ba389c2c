"""Image resizing as TensorFlow's tf.image.resize does it (half-pixel centers, no
antialiasing): 'nearest' and 'bilinear', separable along height and width.

Output pixel o of an axis resized from `n` to `m` pixels sits at input coordinate
(o + 0.5) * n / m - 0.5 (pixel centres aligned). 'nearest' takes input pixel
floor((o + 0.5) * n / m) (exact integer arithmetic; clipped to the last pixel); 'bilinear'
mixes the two pixels around the coordinate, clamped to the edges. Each axis is one
gather of whole rows (or columns) plus a weighted sum: no loop over pixels.
"""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)

INTERPOLATIONS = ("bilinear", "nearest")

# Bound on one chunk's intermediate (the height-resized images), whatever the batch size.
WORKSPACE_BYTES = 8 * 2**20


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
    image_bytes = size[0] * x.shape[2] * x.shape[3] * out.itemsize
    step = max(1, WORKSPACE_BYTES // max(image_bytes, 1))
    for start in range(0, x.shape[0], step):  # chunks of whole images
        block = x[start:start + step]
        rows = _resize_axis(block, 1, size[0], interpolation, dtype)
        out[start:start + step] = _resize_axis(rows, 2, size[1], interpolation, dtype)
    return from_channels_last(out, data_format)


def aspect_ratio_crop(spatial, size):
    """(row slice, column slice) of the centred crop with the aspect ratio of `size`."""
    (height, width), (target_h, target_w) = spatial, size
    crop_h = max(min(height, width * target_h // target_w), 1)
    crop_w = max(min(width, height * target_w // target_h), 1)
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return slice(top, top + crop_h), slice(left, left + crop_w)


def _resize_axis(x, axis, new_length, interpolation, dtype):
    """x resized along `axis` (a gather of whole slices, then a weighted sum)."""
    length = x.shape[axis]
    if interpolation == "nearest":
        return np.take(x, nearest_sources(length, new_length), axis=axis).astype(
            dtype, copy=False)
    below, above, weight = bilinear_sources(length, new_length)
    weight = weight.astype(dtype)
    # The weight along `axis`, broadcast over the axes after it. Along the columns it is
    # made a contiguous (columns, channels) block: NumPy then runs one long inner loop per
    # row instead of one short loop per pixel (measured 35% faster on 8x112x56x64).
    weight = weight.reshape((new_length,) + (1,) * (x.ndim - axis - 1))
    if axis == x.ndim - 2:
        weight = np.ascontiguousarray(np.broadcast_to(weight, (new_length, x.shape[-1])))
    first = np.take(x, below, axis=axis).astype(dtype, copy=False)
    second = np.take(x, above, axis=axis).astype(dtype, copy=False)
    second -= first  # first + (second - first) * weight, in place: 2 temporaries, not 4
    second *= weight
    first += second
    return first


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
