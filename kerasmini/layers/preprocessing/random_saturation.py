"""RandomSaturation: scales the saturation of images at random while training; the
identity at inference."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import FactorAndRange
from kerasmini.ops.image_color import hsv_to_rgb_last as hsv_to_rgb
from kerasmini.ops.image_color import rgb_to_hsv_last as rgb_to_hsv
from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation)

EPSILON = 1e-7  # Keras's backend epsilon, in the draw below


class RandomSaturation(ChangesValuesOnly, FactorAndRange, RandomAugmentation):
    """Args: factor: a number f (meaning (-f, f)) or a pair in [-1, 1]; value_range;
    seed.

    Each image draws f uniform in factor; its HSV saturation is multiplied by
    f / (1 - f + 1e-7) (0 at f = 0: gray; 1 at f = 0.5: unchanged; huge near f = 1),
    clipped to value_range, as Keras 3.15 does (the pixels themselves are not mapped
    from value_range: HSV of the raw values).
    """

    def get_random_transformation(self, data, training=True, seed=None):
        factor = self.generator(seed).uniform(*self.factor, size=len(data))
        return {"factor": factor / (1 - factor + EPSILON)}

    def transform_batch(self, images, transformation):
        scale = np.asarray(transformation["factor"]).astype(images.dtype).reshape(-1, 1, 1)
        first = self.data_format == "channels_first"
        hsv = rgb_to_hsv(np.moveaxis(images, 1, -1) if first else images)
        hsv[..., 1] = np.clip(hsv[..., 1] * scale, *self.value_range)
        rgb = hsv_to_rgb(hsv)
        return np.moveaxis(rgb, -1, 1) if first else rgb
