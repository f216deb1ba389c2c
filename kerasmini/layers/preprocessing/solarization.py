"""Solarization: inverts the pixels above a threshold (after an addition) while
training; the identity at inference."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import (from_255, sorted_value_range,
                                                        to_255, unit_pair)
from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation)

FACTOR_ERROR = ("The `addition_factor` and `threshold_factor` arguments should be a "
                "number (or a list of two numbers) in the range [0, 1]. ")


class Solarization(ChangesValuesOnly, RandomAugmentation):
    """Args: addition_factor, threshold_factor: a number f (meaning (0, f)) or a pair, in
    [0, 1]; value_range; seed.

    In [0, 255] units, each image gets an addition a and a threshold t; a pixel p becomes
    q = clip(p + a, 0, 255), then q if q < t, else 255 - q. Keras 3.15's draws, kept:
    a is uniform in [addition_factor[0], 255 addition_factor[1]] (the lower end is not
    scaled by 255), and t likewise.
    """

    ARGUMENTS = ("value_range", "addition_factor", "threshold_factor", "seed")

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        addition = unit_pair(addition_factor, "addition_factor", FACTOR_ERROR, False)
        threshold = unit_pair(threshold_factor, "threshold_factor", FACTOR_ERROR, False)
        value_range = sorted_value_range(value_range)
        super().__init__(seed=seed, **kwargs)
        self.addition_factor, self.threshold_factor = addition, threshold
        self.value_range = value_range

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        rng, shape = self.generator(seed), (len(data), 1, 1, 1)

        def draw(factor):
            return rng.uniform(factor[0], factor[1] * 255, size=shape).astype(
                self.compute_dtype)
        return {"additions": draw(self.addition_factor),
                "thresholds": draw(self.threshold_factor)}

    def transform_batch(self, images, transformation):
        additions = np.asarray(transformation["additions"]).astype(images.dtype)
        thresholds = np.asarray(transformation["thresholds"]).astype(images.dtype)
        q = np.clip(to_255(images, self.value_range) + additions, 0, 255)
        return from_255(np.where(q < thresholds, q, 255 - q).astype(images.dtype),
                        self.value_range)
