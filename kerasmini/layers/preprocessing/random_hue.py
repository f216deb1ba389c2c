"""RandomHue: turns the hue of images at random while training; the identity at
inference."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import rescale
from kerasmini.ops.image_color import hsv_to_rgb_last as hsv_to_rgb
from kerasmini.ops.image_color import rgb_to_hsv_last as rgb_to_hsv
from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation)
from kerasmini.layers.preprocessing.random_rotation import factor_range


class RandomHue(ChangesValuesOnly, RandomAugmentation):
    """Args: factor: a number f (meaning (0, f)) or a pair in [0, 1]; value_range (kept
    as given, as Keras); seed.

    Each image draws a shift d = +-f/2, f uniform in factor and the sign a fair coin;
    with pixels mapped onto [0, 1], the HSV hue moves by d (wrapped into [0, 1]) and the
    result, clipped to [0, 1], is mapped back.
    """

    ARGUMENTS = ("factor", "value_range", "seed")

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor, self.value_range = factor, value_range

    def get_random_transformation(self, data, training=True, seed=None):
        rng = self.generator(seed)
        sign = np.where(rng.uniform(size=len(data)) > 0.5, -1.0, 1.0)
        return {"factor": sign * rng.uniform(*self.factor, size=len(data)) * 0.5}

    def transform_batch(self, images, transformation):
        shift = np.asarray(transformation["factor"]).astype(images.dtype).reshape(-1, 1, 1)
        first = self.data_format == "channels_first"
        unit = rescale(images, self.value_range, (0, 1))
        hsv = rgb_to_hsv(np.moveaxis(unit, 1, -1) if first else unit)
        hue = hsv[..., 0] + shift
        hue = np.where(hue > 1.0, hue - 1.0, hue)
        hsv[..., 0] = np.where(hue < 0.0, hue + 1.0, hue)
        rgb = np.clip(hsv_to_rgb(hsv), 0, 1)
        rgb = np.moveaxis(rgb, -1, 1) if first else rgb
        return rescale(rgb, (0, 1), self.value_range)
