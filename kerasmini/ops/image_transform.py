"""Projective image transforms as TensorFlow's ImageProjectiveTransformV3 computes them
(what Keras's `ops.image.affine_transform` calls on the TF backend).

A transform is 8 numbers [a0, a1, a2, b0, b1, b2, c0, c1] per image. Output pixel (x, y)
(column, row) reads the input at

    x_in = (a0 x + a1 y + a2) / k,   y_in = (b0 x + b1 y + b2) / k,   k = c0 x + c1 y + 1.

Each input coordinate is first mapped into the image by `fill_mode` (TensorFlow's rules,
coordinates as floats, then clamped to [0, n - 1]; 'wrap' by its true period where
TensorFlow's arithmetic is off, see map_coordinates), except 'constant', which leaves it
where it is; a pixel read from outside the image is then `fill_value`. 'nearest' reads
the pixel at the rounded coordinate (half away from zero, as std::round), 'bilinear' mixes
the four around it. Every image's output is a few gathers over all its pixels at once:
no loop over pixels; the batch is processed in chunks of whole images so that the
coordinate and index arrays stay within WORKSPACE_BYTES.
"""
import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")

# Bound on one chunk's coordinate, weight and index arrays, whatever the batch size.
WORKSPACE_BYTES = 8 * 2**20


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0.0, data_format=None):
    """images (N, H, W, C) (or (N, C, H, W)), transform (N, 8) or (8,) -> images' shape.

    Floating images keep their dtype; integer images come out float32.
    """
    data_format = standardize_data_format(data_format)
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"Invalid value for argument `interpolation`. Expected of one "
                         f"{INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"Invalid value for argument `fill_mode`. Expected of one "
                         f"{FILL_MODES}. Received: fill_mode={fill_mode}")
    x = to_channels_last(np.asarray(images), data_format)
    if x.ndim != 4:
        raise ValueError("Invalid images rank: expected rank 4 (batch of images). "
                         f"Received: images.shape={x.shape}")
    transform = per_image(transform, x.shape[0])
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype("float32")
    out = np.empty(x.shape, dtype)
    batch, height, width, _ = x.shape
    for chunk in chunks(batch, height, width):
        out[chunk] = _transform_chunk(x[chunk], transform[chunk], interpolation,
                                      fill_mode, dtype.type(fill_value))
    return from_channels_last(out, data_format)


def per_image(transform, batch):
    """transform (N, 8) or (8,) -> (batch, 8) float64."""
    matrix = np.asarray(transform, np.float64).reshape(-1, 8)
    if matrix.shape[0] not in (1, batch):
        raise ValueError(f"Expected one transform per image ({batch}) or one for all. "
                         f"Received: transform.shape={np.shape(transform)}")
    return np.broadcast_to(matrix, (batch, 8))


def chunks(batch, height, width):
    """Slices of whole images whose taps fit in WORKSPACE_BYTES (about 20 arrays of
    n * H * W numbers: four taps of weight, row, column, mask, and the coordinates)."""
    step = max(1, WORKSPACE_BYTES // (20 * 8 * max(height * width, 1)))
    return [slice(start, min(start + step, batch)) for start in range(0, batch, step)]


def _transform_chunk(x, transform, interpolation, fill_mode, fill_value):
    """x (n, H, W, C), transform (n, 8) -> the transformed images (n, H, W, C).

    Each tap is one np.take of whole pixels (rows of C) by flat index; the fill_value
    enters once, weighted by how much of each output fell outside."""
    n, height, width, channels = x.shape
    pixels = x.reshape(n * height * width, channels)
    first = (np.arange(n) * (height * width)).reshape(n, 1, 1)
    out, outside = 0.0, 0.0
    for weight, rows, cols, inside in taps(transform, height, width, interpolation,
                                           fill_mode):
        read = np.take(pixels, first + rows * width + cols, axis=0)
        read[~inside] = 0  # a tap outside reads fill_value, not its clamped pixel: a
        # zero weight would still turn an inf there into NaN (0 * inf), which TF never reads
        out = out + weight.astype(x.dtype)[..., None] * read
        outside = outside + weight * ~inside
    if fill_value != 0 and np.any(outside):
        out = out + (fill_value * outside).astype(x.dtype)[..., None]
    return out


def taps(transform, height, width, interpolation, fill_mode):
    """What every output pixel mixes: [(weight, row, column, inside)], each (n, H, W):
    one tap for 'nearest', four for 'bilinear'; row and column are valid indices
    (clamped), `inside` False where the tap reads fill_value instead."""
    cols_in, rows_in = _source_coordinates(transform, height, width)
    cols_in = map_coordinates(cols_in, width, fill_mode)
    rows_in = map_coordinates(rows_in, height, fill_mode)
    if interpolation == "nearest":
        points = [(np.ones(rows_in.shape), _round_half_away(rows_in),
                   _round_half_away(cols_in))]
    else:
        row0, col0 = np.floor(rows_in), np.floor(cols_in)
        dr, dc = rows_in - row0, cols_in - col0
        points = [((1 - dr) * (1 - dc), row0, col0), ((1 - dr) * dc, row0, col0 + 1),
                  (dr * (1 - dc), row0 + 1, col0), (dr * dc, row0 + 1, col0 + 1)]
    return [(weight, *_index(rows, cols, height, width)) for weight, rows, cols in points]


def _source_coordinates(transform, height, width):
    """(column, row) input coordinates of every output pixel: two (n, H, W) arrays."""
    a0, a1, a2, b0, b1, b2, c0, c1 = (transform[:, i].reshape(-1, 1, 1) for i in range(8))
    rows = np.arange(height, dtype=np.float64).reshape(1, height, 1)
    cols = np.arange(width, dtype=np.float64).reshape(1, 1, width)
    k = c0 * cols + c1 * rows + 1
    return (a0 * cols + a1 * rows + a2) / k, (b0 * cols + b1 * rows + b2) / k


def map_coordinates(coord, length, fill_mode):
    """Input coordinates brought into [0, length - 1] by `fill_mode` (TensorFlow's rules;
    'constant' leaves them as they are: outside reads fill_value)."""
    if fill_mode == "constant":
        return coord
    if length <= 1 or fill_mode == "nearest":
        return np.clip(coord, 0, length - 1)
    if fill_mode == "wrap":  # [abcd] -> [abcd|abcd|abcd]
        # TensorFlow divides by n - 1 where the period is n, which sends many
        # coordinates (e.g. -3.5 or 6.5 in a row of 4) to the wrong pixel: kerasmini
        # wraps by the period (conformance records TF's divergence).
        return np.clip(np.mod(coord, length), 0, length - 1)
    # reflect: [abcd] -> [dcba|abcd|dcba], about -0.5 and n - 0.5 (TensorFlow's steps)
    period = 2 * length
    low = np.trunc(-coord / period) * period + coord
    low = np.where(low < -length, low + period, -low - 1)
    high = coord - np.trunc(coord / period) * period
    high = np.where(high >= length, period - high - 1, high)
    mapped = np.where(coord < 0, low, np.where(coord > length - 1, high, coord))
    return np.clip(mapped, 0, length - 1)


def _round_half_away(v):
    return np.sign(v) * np.floor(np.abs(v) + 0.5)


def _index(rows, cols, height, width):
    """Float coordinates -> (row index, column index, inside the image), clamped."""
    inside = (rows >= 0) & (rows <= height - 1) & (cols >= 0) & (cols <= width - 1)
    return (np.clip(rows, 0, height - 1).astype(np.intp),
            np.clip(cols, 0, width - 1).astype(np.intp), inside)
