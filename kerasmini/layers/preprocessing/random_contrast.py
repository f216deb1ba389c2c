"""RandomContrast: changes contrast at random while training; the identity at inference."""
import numpy as np

from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation)
from kerasmini.layers.preprocessing.random_rotation import factor_range


class RandomContrast(ChangesValuesOnly, RandomAugmentation):
    """Args: factor: a number or a pair in [0, 1]; value_range: the pixel range (outputs
    are clipped to it); seed.

    Each image gets one contrast factor c, uniform in [1 - factor[0], 1 + factor[1]],
    and every channel becomes (x - mean) * c + mean, its mean taken over the image's
    pixels. Keras 3.15's range rule, kept as it is: a number f becomes the pair (0, f),
    so RandomContrast(f) only ever *raises* the contrast (c in [1, 1 + f]); pass a pair
    (f, f) for [1 - f, 1 + f]. Differentiable (means, products, a clip).
    """

    ARGUMENTS = ("factor", "value_range", "seed")

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        self.value_range = tuple(value_range)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return {"contrast_factor": np.zeros((len(data), 1, 1, 1))}
        low, high = 1.0 - self.factor[0], 1.0 + self.factor[1]
        factor = self.generator(seed).uniform(low, high, size=(len(data), 1, 1, 1))
        return {"contrast_factor": factor.astype(self.compute_dtype)}

    def transform_batch(self, images, transformation):
        factor = np.asarray(transformation["contrast_factor"]).astype(images.dtype)
        spatial = (1, 2) if self.data_format == "channels_last" else (2, 3)
        mean = np.mean(images, axis=spatial, keepdims=True)
        outputs = (images - mean) * factor + mean
        return np.clip(outputs, *self.value_range).astype(images.dtype, copy=False)
