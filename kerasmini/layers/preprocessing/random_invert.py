"""RandomInvert: inverts images (high - x) at random while training; the identity at
inference."""
import numpy as np

from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation)
from kerasmini.layers.preprocessing.random_rotation import factor_range


class RandomInvert(ChangesValuesOnly, RandomAugmentation):
    """Args: factor: a number f (meaning (0, f)) or a pair in [0, 1]; value_range; seed.

    Each image draws a probability p uniform in factor and is inverted with probability
    p: x becomes value_range[1] - x (Keras's formula: the upper end only, so it maps
    [0, 1] onto itself but not e.g. [-1, 1]).
    """

    ARGUMENTS = ("factor", "value_range", "seed")

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor, self.value_range = factor, value_range

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        rng = self.generator(seed)
        probability = rng.uniform(*self.factor, size=len(data))
        return {"apply_inversion": rng.uniform(size=len(data)) < probability}

    def transform_batch(self, images, transformation):
        invert = np.asarray(transformation["apply_inversion"], bool).reshape(-1, 1, 1, 1)
        return np.where(invert, images.dtype.type(self.value_range[1]) - images, images)
