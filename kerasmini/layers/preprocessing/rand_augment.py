"""RandAugment: num_ops augmentations drawn from a list, at one magnitude, while
training (not in kerasmini yet: training raises); the identity at inference."""
from kerasmini.layers.preprocessing.color_range import sorted_value_range
from kerasmini.layers.preprocessing.random_augmentation import (InferenceOnlyAugmentation,
                                                                check_fill_and_interpolation)
from kerasmini.layers.preprocessing.random_rotation import factor_range


class RandAugment(InferenceOnlyAugmentation):
    """Args: value_range; num_ops; factor: a number f (meaning (0, f)) or a pair in
    [0, 1]; interpolation ('nearest', 'bilinear'); seed. (Keras checks value_range and
    interpolation through the layers it builds; so does this.)"""

    ARGUMENTS = ("value_range", "num_ops", "factor", "interpolation", "seed")

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        sorted_value_range(value_range)
        check_fill_and_interpolation("reflect", interpolation)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range, self.num_ops, self.factor = value_range, num_ops, factor
        self.interpolation = interpolation
