"""Equalization: histogram equalization of each channel while training (Keras's
default when the layer is called directly); the identity at inference (as Keras 3.15)."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import sorted_value_range
from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation)


class Equalization(ChangesValuesOnly, RandomAugmentation):
    """Args: value_range: the pixel range; bins: the histogram's number of bins.

    As Keras 3.15, one histogram per channel over the whole batch (not per image): pixels
    scaled to [0, 255] fall in `bins` equal bins; the cumulative count, shifted to start
    at 0 and scaled to 255 (rounded), is the lookup table each pixel reads at its bin. A
    channel whose pixels all fall in one bin is left unchanged.
    """

    ARGUMENTS = ("bins", "value_range")

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        value_range = sorted_value_range(value_range)
        super().__init__(data_format=data_format, **kwargs)
        self.bins, self.value_range = bins, value_range

    def get_random_transformation(self, data, training=True, seed=None):
        return {} if training else None

    def transform_batch(self, images, transformation):
        axis = -1 if self.data_format == "channels_last" else 1
        channels = [self.equalize(np.take(images, c, axis=axis))
                    for c in range(images.shape[axis])]
        return np.stack(channels, axis=axis).astype(images.dtype, copy=False)

    def equalize(self, channel):
        low, high = self.value_range
        scale = 255.0 / (high - low)
        channel = channel * channel.dtype.type(scale) + channel.dtype.type(-low * scale)
        bins = self.bins
        index = (channel.astype(np.float32) * np.float32(bins - 1) / np.float32(255))
        index = np.clip(index.astype(np.int32), 0, bins - 1)
        hist = np.bincount(index.ravel(), minlength=bins)
        if np.count_nonzero(hist) > 1:
            channel = self.lookup(channel, np.cumsum(hist))
        return channel * channel.dtype.type((high - low) / 255.0) + channel.dtype.type(low)

    def lookup(self, channel, cdf):
        cdf_min = cdf[np.nonzero(cdf)[0][0]]
        denominator = (cdf[-1] - cdf_min) or 1
        table = np.clip(np.round(((cdf - cdf_min) * 255) / denominator), 0, 255)
        position = np.clip(channel / channel.dtype.type(255) * (self.bins - 1), 0,
                           self.bins - 1)
        return table.astype(channel.dtype)[position.astype(np.int32)]
