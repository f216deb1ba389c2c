"""RandomColorDegeneration: blends images toward their grayscale at random while
training; the identity at inference."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import FactorAndRange, grayscale
from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation)


class RandomColorDegeneration(ChangesValuesOnly, FactorAndRange, RandomAugmentation):
    """Args: factor: a number f (meaning (-f, f)) or a pair in [-1, 1]; value_range; seed.

    Each image draws f uniform in factor and becomes clip(x + f (gray(x) - x), range):
    f = 0 keeps it, f = 1 makes it gray (a negative f pushes colours away from gray).
    """

    def get_random_transformation(self, data, training=True, seed=None):
        factor = self.generator(seed).uniform(*self.factor, size=(len(data), 1, 1, 1))
        return {"factor": factor.astype(self.compute_dtype)}

    def transform_batch(self, images, transformation):
        factor = np.asarray(transformation["factor"]).astype(images.dtype)
        blended = images + factor * (grayscale(images, self.data_format) - images)
        return np.clip(blended, *self.value_range).astype(images.dtype, copy=False)
