"""RandomGrayscale: turns images gray at random while training; the identity at
inference."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import grayscale
from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation)


class RandomGrayscale(ChangesValuesOnly, RandomAugmentation):
    """Args: factor: the probability in [0, 1] that an image turns gray; seed.

    A gray image has its luma (0.2989 R + 0.5870 G + 0.1140 B) in every channel. As
    Keras 3.15, `seed` is not part of the config.
    """

    ARGUMENTS = ("factor",)

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        if not isinstance(factor, (int, float)) or isinstance(factor, bool):
            raise TypeError(f"`factor` should be a number between 0 and 1. Received: "
                            f"factor={factor}")
        if factor < 0 or factor > 1:
            raise ValueError(f"`factor` should be between 0 and 1. Received: factor={factor}")
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = factor

    def get_random_transformation(self, data, training=True, seed=None):
        draws = self.generator(seed).uniform(size=len(data))
        return (draws < self.factor).reshape(-1, 1, 1, 1)

    def transform_batch(self, images, transformation):
        gray = grayscale(images, self.data_format)
        return np.where(np.asarray(transformation, bool).reshape(-1, 1, 1, 1), gray, images)
