"""keras.ops.image.elastic_transform: each image resampled at its pixel grid moved by
a random displacement field, Gaussian-smoothed, as Keras's TensorFlow backend does it.

The field is drawn by kerasmini.random (NumPy's generators), so for a given seed the
values differ from TensorFlow's draw; everything after the draw is Keras's: one
normal field per image (used for both the row and the column displacement, as Keras
draws both with the same seed), times sigma, blurred by gaussian_blur with a
(6 int(sigma) | 1)-pixel kernel, times alpha, added to the grid; the images sampled
there by map_coordinates's sampling (nearest or bilinear, Keras's fill modes), so the gradient
reaches the images.
"""
import numpy as np

from kerasmini.ops.arguments import tensor
from kerasmini.ops.image_filters import gaussian_blur
from kerasmini.ops.image_transform import FILL_MODES, INTERPOLATIONS
from kerasmini.ops.image_warps import batched, sample
from kerasmini.ops.layout import standardize_data_format, to_channels_last
from kerasmini.ops.symbolic import IMAGE, keras_operation
from kerasmini.random.random import normal


def displacement(shape, seed, dtype):
    """The (batch, height, width) standard normal field (conformance swaps in
    TensorFlow's draw to compare everything after it)."""
    return normal(shape, dtype=dtype, seed=seed)


@keras_operation("ElasticTransform", config=("alpha", "sigma", "interpolation",
                                             "fill_mode", "fill_value", "seed",
                                             "data_format"), module=IMAGE)
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Images warped by a smooth random field of strength `alpha`, smoothness `sigma`."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError("Invalid value for argument `interpolation`. Expected of one "
                         f"{INTERPOLATIONS}. Received: interpolation={interpolation}")
    if fill_mode not in FILL_MODES:
        raise ValueError("Invalid value for argument `fill_mode`. Expected of one "
                         f"{FILL_MODES}. Received: fill_mode={fill_mode}")
    images = tensor(images)
    data_format = standardize_data_format(data_format)
    return batched(images, data_format, lambda batch: _warp(
        batch, alpha, sigma, interpolation, fill_mode, fill_value, seed, data_format))


def _warp(images, alpha, sigma, interpolation, fill_mode, fill_value, seed, data_format):
    dtype = images.dtype
    x = to_channels_last(images, data_format)
    n, h, w, c = x.shape
    size = 6 * int(sigma) | 1
    field = displacement((n, h, w), seed, dtype.name) * np.asarray(sigma, dtype)
    field = gaussian_blur(field[..., None], (size, size), (sigma, sigma),
                          "channels_last")[..., 0]
    shift = np.asarray(alpha, dtype) * field
    rows, cols = np.meshgrid(np.arange(h, dtype=dtype), np.arange(w, dtype=dtype),
                             indexing="ij")
    # each image and channel sampled at the same moved (row, column) of its image
    coordinates = [np.arange(n)[:, None, None, None], (rows + shift)[..., None],
                   (cols + shift)[..., None], np.arange(c)]
    out = sample(x, coordinates, INTERPOLATIONS.index(interpolation), fill_mode,
                 fill_value)
    return out if data_format == "channels_last" else np.moveaxis(out, -1, 1)
