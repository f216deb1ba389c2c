"""RandomColorDegeneration: blends images toward their grayscale at random while
training; the identity at inference."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import grayscale, sorted_value_range
from kerasmini.layers.preprocessing.random_augmentation import RandomAugmentation
from kerasmini.layers.preprocessing.random_rotation import factor_range


class RandomColorDegeneration(RandomAugmentation):
    """Args: factor: a number f (meaning (-f, f)) or a pair in [-1, 1]; value_range; seed.

    Each image draws f uniform in factor and becomes clip(x + f (gray(x) - x), range):
    f = 0 keeps it, f = 1 makes it gray (a negative f pushes colours away from gray).
    """

    ARGUMENTS = ("factor", "value_range", "seed")

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        factor = factor_range(factor, "factor", (-1, 1))
        value_range = sorted_value_range(value_range)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor, self.value_range = factor, value_range

    def get_random_transformation(self, data, training=True, seed=None):
        factor = self.generator(seed).uniform(*self.factor, size=(len(data), 1, 1, 1))
        return {"factor": factor.astype(self.compute_dtype)}

    def transform_batch(self, images, transformation):
        factor = np.asarray(transformation["factor"]).astype(images.dtype)
        blended = images + factor * (grayscale(images, self.data_format) - images)
        return np.clip(blended, *self.value_range).astype(images.dtype, copy=False)
