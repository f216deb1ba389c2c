"""RandomSaturation: scales the saturation of images at random while training (not in
kerasmini yet: training raises); the identity at inference."""
from kerasmini.layers.preprocessing.color_range import sorted_value_range
from kerasmini.layers.preprocessing.random_augmentation import InferenceOnlyAugmentation
from kerasmini.layers.preprocessing.random_rotation import factor_range


class RandomSaturation(InferenceOnlyAugmentation):
    """Args: factor: a number f (meaning (-f, f)) or a pair in [-1, 1]; value_range;
    seed."""

    ARGUMENTS = ("factor", "value_range", "seed")

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        factor = factor_range(factor, "factor", (-1, 1))
        value_range = sorted_value_range(value_range)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor, self.value_range = factor, value_range
