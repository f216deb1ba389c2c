"""RandomSharpness: sharpens or blurs images at random while training; the identity at
inference."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import FactorAndRange
from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation)
from kerasmini.layers.preprocessing.separable_filter import separable_filter

# Keras's smoothing kernel: 5/13 at the centre, 1/13 at the eight neighbours
EDGE, CENTRE = 1.0 / 13.0, 5.0 / 13.0


class RandomSharpness(ChangesValuesOnly, FactorAndRange, RandomAugmentation):
    """Args: factor: a number f (meaning (0, f)) or a pair in [0, 1]; value_range; seed.

    Each image draws f uniform in factor; with s its 3x3 smoothing (zero padding at the
    border, every channel alone), it becomes clip(x + (1 - 2 f) (s - x), range): f = 0.5
    keeps it, f < 0.5 blurs, f > 0.5 sharpens.
    """

    FACTOR_BOUNDS = (0, 1)

    def get_random_transformation(self, data, training=True, seed=None):
        return {"factor": self.generator(seed).uniform(*self.factor, size=len(data))}

    def transform_batch(self, images, transformation):
        factor = 2 * np.asarray(transformation["factor"]).astype(images.dtype)
        first = self.data_format == "channels_first"
        x = np.moveaxis(images, 1, -1) if first else images
        smoothed = smooth3x3(x)
        out = np.clip(x + (1 - factor.reshape(-1, 1, 1, 1)) * (smoothed - x),
                      *self.value_range).astype(images.dtype, copy=False)
        return np.moveaxis(out, -1, 1) if first else out


def smooth3x3(x):
    """(N, H, W, C) -> the sharpness kernel applied to each channel, zero padded: the
    3x3 box sum (a separable filter) times 1/13, plus 4/13 of the centre."""
    box = separable_filter(x, np.ones(3), np.ones(3))
    return x.dtype.type(EDGE) * box + x.dtype.type(CENTRE - EDGE) * x
