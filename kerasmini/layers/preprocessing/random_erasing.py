"""RandomErasing: fills a random rectangle of images while training; the identity at
inference."""
import numpy as np

from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation,
                                                                chosen_by_factor)
from kerasmini.layers.preprocessing.random_rotation import factor_range

FILL_ERROR = "The `fill_value` argument should be a number (or a list of three numbers) "


class RandomErasing(ChangesValuesOnly, RandomAugmentation):
    """Args: factor: the probability range, a number f (meaning (0, f)) or a pair in
    [0, 1]; scale: the erased fraction's range, likewise; fill_value: None (Gaussian
    noise), a number or three numbers (one per channel, in either data_format, where
    Keras spreads them along the last axis); value_range (kept as given); seed.

    As Keras 3.15: each image draws two fractions u, v uniform in scale; the rectangle
    is sqrt(u) W columns by sqrt(v) H rows (so its area is sqrt(u v) of the image, not
    u), placed uniformly inside the image; its pixels (every channel) become the fill,
    clipped to value_range: Gaussian noise times value_range[1] when fill_value is
    None. Each image is erased with probability p, p uniform in factor. Labels and
    segmentation masks pass unchanged.
    """

    ARGUMENTS = ("factor", "scale", "fill_value", "value_range", "seed")

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None,
                 value_range=(0, 255), seed=None, data_format=None, **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        scale = factor_range(scale, "scale", (0, 1))
        check_fill_value(fill_value)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor, self.scale, self.fill_value = factor, scale, fill_value
        self.value_range = value_range

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        rng, n = self.generator(seed), len(data)
        height, width = self.image_size(data)
        sides = np.sqrt(rng.uniform(*self.scale, size=(n, 2)).astype(self.compute_dtype))
        x0, x1 = box_bounds(rng, width, sides[:, 0])
        y0, y1 = box_bounds(rng, height, sides[:, 1])
        return {"apply_erasing": chosen_by_factor(rng, self.factor, n),
                "batch_masks": box_masks(np.shape(data), self.data_format, x0, x1, y0, y1,
                                         self.compute_dtype),
                "fill_value": self.fill(rng, np.shape(data))}

    def fill(self, rng, shape):
        """The erased pixels' values, one for every pixel of the batch."""
        dtype = self.compute_dtype
        if self.fill_value is None:
            values = rng.standard_normal(shape).astype(dtype) * np.asarray(
                self.value_range[1], dtype)
        else:  # three numbers: one per channel (Keras broadcasts them along the last
            # axis, so a channels_first batch is filled along its columns, or fails)
            values = np.asarray(self.fill_value, dtype).reshape(-1)
            if self.data_format == "channels_first":
                values = values.reshape(-1, 1, 1)
            values = np.broadcast_to(values, shape)
        return np.clip(values, self.value_range[0], self.value_range[1]).astype(dtype)

    def transform_batch(self, images, transformation):
        erase = np.asarray(transformation["batch_masks"], bool) & np.asarray(
            transformation["apply_erasing"], bool).reshape(-1, 1, 1, 1)
        fill = np.asarray(transformation["fill_value"]).astype(images.dtype)
        return np.where(erase, fill, images)


def check_fill_value(fill_value):
    """Keras's rule (checked at the call in Keras, at construction here): None, a
    number or three numbers."""
    if fill_value is None:
        return
    if isinstance(fill_value, (tuple, list)):
        if len(fill_value) == 3:
            return
    elif isinstance(fill_value, (int, float)) and not isinstance(fill_value, bool):
        return
    raise ValueError(f"{FILL_ERROR}Received: fill_value={fill_value}")


def box_bounds(rng, length, fraction):
    """Keras's _compute_crop_bounds: a span of fraction * length, its start uniform in
    [0, length - span]; (start, end) in the fraction's dtype."""
    span = fraction * fraction.dtype.type(length)
    start = rng.uniform(size=len(fraction)).astype(fraction.dtype) * (length - span)
    return start, start + span


def box_masks(shape, data_format, x0, x1, y0, y1, dtype):
    """(N, H, W, C) booleans (channels first: (N, C, H, W)): the pixels (column x, row
    y) with x0 <= x < x1 and y0 <= y < y1, image by image, every channel."""
    axes = (1, 2) if data_format == "channels_last" else (2, 3)
    rows = np.arange(shape[axes[0]], dtype=dtype)
    cols = np.arange(shape[axes[1]], dtype=dtype)
    inside_rows = (rows >= y0[:, None]) & (rows < y1[:, None])
    inside_cols = (cols >= x0[:, None]) & (cols < x1[:, None])
    inside = inside_rows[:, :, None] & inside_cols[:, None, :]
    inside = inside[..., None] if data_format == "channels_last" else inside[:, None]
    return np.broadcast_to(inside, shape)
