"""RandomBrightness: shifts brightness at random while training; the identity at
inference."""
import numpy as np

from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation)
from kerasmini.layers.preprocessing.random_rotation import factor_range


class RandomBrightness(ChangesValuesOnly, RandomAugmentation):
    """Args: factor: a number f (meaning (-f, f)) or a pair, in [-1, 1]: the shift as a
    fraction of value_range; value_range: the pixel range (outputs are clipped to it);
    seed.

    Each image gets one shift, uniform in factor * (value_range[1] - value_range[0]),
    added to every pixel and channel. Differentiable (an add and a clip).
    """

    ARGUMENTS = ("factor", "value_range", "seed")

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError("The `value_range` argument should be a list of two numbers. "
                             f"Received: value_range={value_range}")
        factor = factor_range(factor, "factor", (-1, 1))
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        self.value_range = sorted(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return {"rgb_delta": np.zeros((len(data), 1, 1, 1))}
        delta = self.generator(seed).uniform(*self.factor, size=(len(data), 1, 1, 1))
        return {"rgb_delta": delta * (self.value_range[1] - self.value_range[0])}

    def transform_batch(self, images, transformation):
        delta = np.asarray(transformation["rgb_delta"]).astype(images.dtype)
        return np.clip(images + delta, *self.value_range).astype(images.dtype, copy=False)
