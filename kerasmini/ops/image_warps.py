"""keras.ops.image's resamplings by Keras's signatures: resize, affine_transform,
perspective_transform and map_coordinates.

resize and the two transforms hand off to the layers' kernels and their gradient
rules (ops/resizing.py, ops/image_transform.py), after what Keras does around them:
single images batched, aspect-ratio padding, integer images rounded back to their
dtype, a perspective given by four point pairs solved for its 8 coefficients.
map_coordinates is gathers and weights the tape follows (so its gradient reaches the
inputs and, for order 1, the coordinates), written as Keras's TensorFlow backend
computes it.
"""
import functools
import itertools
import operator

import numpy as np

from kerasmini.ops import differentiable_kernels as kernels
from kerasmini.ops.arguments import tensor
from kerasmini.ops.image_frames import image_axes
from kerasmini.ops.image_scale import resample
from kerasmini.ops.layout import standardize_data_format
from kerasmini.ops.resizing import aspect_ratio_crop
from kerasmini.ops.symbolic import IMAGE, keras_operation

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
MAP_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def batched(images, data_format, run):
    """run(rank-4 images) for a rank-3 image or rank-4 batch (rank checked)."""
    image_axes(images, data_format)
    if np.ndim(images) == 3:
        return run(images[None])[0]
    return run(images)


def _round_back(result, dtype):
    """Integer images: the result rounded and saturated into their dtype (as Keras)."""
    if dtype.kind not in "iu":
        return result
    info = np.iinfo(dtype)
    return np.clip(np.round(result), info.min, info.max).astype(dtype)


@keras_operation("Resize", config=("size", "interpolation", "antialias",
                                   "crop_to_aspect_ratio", "pad_to_aspect_ratio",
                                   "fill_mode", "fill_value", "data_format"),
                 module=IMAGE)
def resize(images, size, interpolation="bilinear", antialias=False,
           crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, fill_mode="constant",
           fill_value=0.0, data_format=None):
    """Images resized to `size` (height, width) as tf.image.resize (half-pixel
    centres); crop_to_aspect_ratio cuts, pad_to_aspect_ratio pads (with fill_value)
    the centred box of the target's aspect ratio first."""
    _check_resize(size, interpolation, antialias, crop_to_aspect_ratio,
                  pad_to_aspect_ratio, fill_mode)
    images = tensor(images)
    data_format = standardize_data_format(data_format)

    def run(batch):
        if pad_to_aspect_ratio:
            batch = _pad_to_aspect_ratio(batch, size, fill_value, data_format)
        if interpolation == "nearest" or (interpolation == "bilinear" and not antialias):
            return kernels.resize(batch, tuple(size), interpolation, data_format,
                                  crop_to_aspect_ratio)
        if crop_to_aspect_ratio:
            batch = batch[(slice(None),) + _crop_box(batch, size, data_format)]
        return resample(batch, size, interpolation, antialias,
                        image_axes(batch, data_format))
    return _round_back(batched(images, data_format, run), images.dtype)


def _check_resize(size, interpolation, antialias, crop_to_aspect_ratio,
                  pad_to_aspect_ratio, fill_mode):
    if not isinstance(size, (tuple, list)) or len(size) != 2:
        raise ValueError("Expected `size` to be a tuple of 2 integers. "
                         f"Received: size={size}")
    if size[0] <= 0 or size[1] <= 0:
        raise ValueError("`size` must have positive height and width. "
                         f"Received: size={size}")
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode != "constant":
        raise ValueError("Invalid value for argument `fill_mode`. Only `'constant'` is "
                         f"supported. Received: fill_mode={fill_mode}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio` & `crop_to_aspect_ratio` can "
                         "be `True`.")


def _crop_box(images, size, data_format):
    """The index of Keras's centred aspect-ratio crop of a batch after its first axis."""
    rows, cols = aspect_ratio_crop([images.shape[a] for a in image_axes(images,
                                                                         data_format)], size)
    return (rows, cols) if data_format == "channels_last" else (slice(None), rows, cols)


def _pad_to_aspect_ratio(images, size, fill_value, data_format):
    """Keras's padding to the target's aspect ratio: the same number of fill_value rows
    (or columns) above and below (left and right) the image, floor(missing / 2) each."""
    rows, cols = image_axes(images, data_format)
    height, width = images.shape[rows], images.shape[cols]
    widths = [(0, 0)] * 4
    for axis, have, want in ((rows, height, int(width * size[0] / size[1])),
                             (cols, width, int(height * size[1] / size[0]))):
        border = (max(have, want) - have) // 2
        widths[axis] = (border, border)
    return np.pad(images, widths, constant_values=np.asarray(fill_value, images.dtype))


@keras_operation("AffineTransform", config=("interpolation", "fill_mode", "fill_value",
                                            "data_format"), module=IMAGE)
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Each image resampled at the projective map [a0, a1, a2, b0, b1, b2, c0, c1] of
    its output pixel's (x, y) (ops/image_transform.py); differentiable in the images.
    The transform is taken in float32, as Keras passes it to TensorFlow's kernel."""
    images = tensor(images)
    transform = np.asarray(tensor(transform)).astype("float32")
    if transform.ndim not in (1, 2):
        raise ValueError("Invalid transform rank: expected rank 1 (single transform) or "
                         f"rank 2 (batch of transforms). Received: transform.shape="
                         f"{transform.shape}")
    return batched(images, data_format, lambda batch: kernels.affine_transform(
        batch, transform, interpolation, fill_mode, fill_value, data_format))


@keras_operation("PerspectiveTransform", config=("interpolation", "fill_value",
                                                 "data_format"), module=IMAGE)
def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Images warped so that the four `start_points` (x, y) move to `end_points`:
    the projective map taking each end point to its start point (points in float32,
    as Keras takes them; solved in float64 and rounded to affine_transform's
    float32), then affine_transform."""
    start, end = (np.asarray(tensor(p), "float32") for p in (start_points, end_points))
    for name, points in (("start_points", start), ("end_points", end)):
        if points.ndim not in (2, 3) or points.shape[-2:] != (4, 2):
            raise ValueError(f"Invalid {name} shape: expected (4,2) for a single image "
                             f"or (N,4,2) for a batch. Received shape: {points.shape}")
    if start.shape != end.shape:
        raise ValueError("start_points and end_points must have the same shape. Received "
                         f"start_points.shape={start.shape}, end_points.shape={end.shape}")
    transform = homography(start.reshape(-1, 4, 2).astype("float64"),
                           end.reshape(-1, 4, 2).astype("float64"))
    return affine_transform(images, transform, interpolation, "constant", fill_value,
                            data_format)


def homography(start, end):
    """(N, 8) coefficients of the projective map taking each end point (x, y) to its
    start point (X, Y): two rows per point of the linear system
    [x, y, 1, 0, 0, 0, -X x, -X y] . h = X and [0, 0, 0, x, y, 1, -Y x, -Y y] . h = Y."""
    x, y = end[..., 0], end[..., 1]
    big_x, big_y = start[..., 0], start[..., 1]
    one, zero = np.ones_like(x), np.zeros_like(x)
    rows_x = np.stack([x, y, one, zero, zero, zero, -big_x * x, -big_x * y], -1)
    rows_y = np.stack([zero, zero, zero, x, y, one, -big_y * x, -big_y * y], -1)
    system = np.stack([rows_x, rows_y], axis=2).reshape(-1, 8, 8)
    targets = np.stack([big_x, big_y], axis=2).reshape(-1, 8, 1)
    return np.linalg.solve(system, targets)[..., 0]


@keras_operation("MapCoordinates", config=("order", "fill_mode", "fill_value"),
                 module=IMAGE)
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """inputs sampled at `coordinates` (one array of positions per axis of inputs):
    order 0 the nearest element (rounded half to even), order 1 the linear mix of the
    2^rank around; a position outside by fill_mode (TensorFlow backend's rules,
    applied to the integer indices)."""
    inputs, coordinates = tensor(inputs), tensor(coordinates)
    if coordinates.shape[0] != inputs.ndim:
        raise ValueError("First dim of `coordinates` must be the same as the rank of "
                         f"`inputs`. Received inputs with shape: {inputs.shape} and "
                         f"coordinate leading dim of {coordinates.shape[0]}")
    if coordinates.ndim < 2:
        raise ValueError("Invalid coordinates rank: expected at least rank 2. Received "
                         f"input with shape: {coordinates.shape}")
    if fill_mode not in MAP_FILL_MODES:
        raise ValueError("Invalid value for argument `fill_mode`. Expected one of "
                         f"{set(MAP_FILL_MODES)}. Received: fill_mode={fill_mode}")
    if order not in (0, 1):
        raise NotImplementedError("map_coordinates currently requires order<=1")
    return sample(inputs, list(coordinates), order, fill_mode, fill_value)


def sample(inputs, coordinates, order, fill_mode, fill_value):
    """map_coordinates on a list of per-axis coordinate arrays (broadcast together); an
    integer array picks its axis's elements exactly, whatever the order."""
    dtype = np.result_type(*[c.dtype for c in coordinates if c.dtype.kind == "f"],
                           np.float32)
    taps = [[_fixed(index, size, fill_mode) + (weight,)
             for index, weight in _taps(coordinate, order)]
            for coordinate, size in zip(coordinates, inputs.shape)]
    result = 0
    for corner in itertools.product(*taps):
        indices, valid, weights = zip(*corner)
        gathered = inputs[indices].astype(dtype)
        if fill_mode == "constant":
            gathered = np.where(np.logical_and.reduce(np.broadcast_arrays(*valid)),
                                gathered, np.asarray(fill_value, dtype))
        result = result + functools.reduce(operator.mul, weights) * gathered
    return _round_back(result, inputs.dtype).astype(inputs.dtype)


def _taps(coordinate, order):
    """[(integer index, weight), ...] of one axis's coordinates."""
    if coordinate.dtype.kind in "iu":
        return [(coordinate.astype(np.int64), 1)]
    if order == 0:
        return [(np.asarray(np.round(coordinate)).astype(np.int64), 1)]
    lower = np.floor(coordinate)
    upper_weight = coordinate - lower
    index = np.asarray(lower).astype(np.int64)
    return [(index, 1 - upper_weight), (index + 1, upper_weight)]


def _fixed(index, size, fill_mode):
    """(an index inside [0, size), whether the original one was inside)."""
    inside = np.ones(index.shape, bool)
    if fill_mode == "constant":
        inside = (index >= 0) & (index < size)
        return np.clip(index, 0, size - 1), inside
    if fill_mode == "nearest":
        return np.clip(index, 0, size - 1), inside
    if fill_mode == "wrap":
        return np.mod(index, size), inside
    folded = np.mod(np.abs(index), 2 * size)  # mirror and reflect, as TF's backend
    over = folded >= size
    index = np.where(over, 2 * size - folded, folded)
    if fill_mode == "reflect":
        index = np.where(over, index - 1, index)
    return index, inside
