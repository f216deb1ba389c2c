"""RandomPosterization: keeps only the top bits of each 8-bit pixel while training;
the identity at inference."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import FactorAndRange, from_255, to_255
from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation)


class RandomPosterization(ChangesValuesOnly, FactorAndRange, RandomAugmentation):
    """Args: factor: the number of bits kept, a number f (meaning (1, f)) or a pair, in
    [1, 8]; value_range; seed.

    Each image draws b bits, an integer uniform in [factor[0], factor[1]) (Keras's
    randint: the upper end is never drawn, unless both ends are equal), and each pixel,
    in [0, 255] units and truncated to uint8, keeps its top b bits.
    """

    FACTOR_BOUNDS = (1, 8)

    def get_random_transformation(self, data, training=True, seed=None):
        low, high = self.factor
        bits = (np.full(len(data), low) if low == high else
                self.generator(seed).integers(low, high, size=len(data)))
        return {"shift_factor": (8 - np.asarray(bits)).astype(np.uint8)}

    def transform_batch(self, images, transformation):
        shift = np.asarray(transformation["shift_factor"], np.uint8).reshape(-1, 1, 1, 1)
        pixels = to_255(images, self.value_range).astype(np.uint8)
        kept = np.left_shift(np.right_shift(pixels, shift), shift)
        return from_255(kept.astype(images.dtype), self.value_range)
