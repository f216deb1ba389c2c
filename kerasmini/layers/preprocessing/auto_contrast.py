"""AutoContrast: stretches each image's channels over the whole value range, always
(at inference too, as in Keras)."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import from_255, sorted_value_range, to_255
from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation)


class AutoContrast(ChangesValuesOnly, RandomAugmentation):
    """Args: value_range: the pixel range (low, high).

    Each channel of each image maps linearly so that its lowest value becomes `low` and
    its highest `high`. As Keras 3.15, the lowest and highest are taken over axes 1 and 2
    of the batch whatever the data_format (for channels_first: over channels and rows);
    a constant channel (no spread to stretch) is left as it is.
    """

    ARGUMENTS = ("value_range",)

    def __init__(self, value_range=(0, 255), **kwargs):
        value_range = sorted_value_range(value_range)
        super().__init__(**kwargs)
        self.value_range = value_range

    def call(self, inputs, training=True):  # training does not matter (as in Keras)
        return super().call(inputs, training=True)

    def get_random_transformation(self, data, training=True, seed=None):
        return {}

    def transform_images(self, images, transformation=None, training=True):
        return super().transform_images(images, {}, training=True)

    def transform_batch(self, images, transformation):
        scaled = to_255(images, self.value_range)
        low = np.min(scaled, axis=(1, 2), keepdims=True)
        high = np.max(scaled, axis=(1, 2), keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = images.dtype.type(255) / (high - low)
            stretched = np.clip(scaled * scale + (-low * scale), 0, 255)
        result = from_255(stretched.astype(images.dtype, copy=False), self.value_range)
        return np.where(np.isnan(result), images, result)  # constant channels: as given
