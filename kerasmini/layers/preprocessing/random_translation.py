"""RandomTranslation: shifts images at random while training; the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import (RandomAugmentation,
                                                                check_fill_and_interpolation)


class RandomTranslation(RandomAugmentation):
    """Args: height_factor, width_factor: fractions (or pairs) of the size to shift by;
    fill_mode, interpolation, fill_value, seed."""

    ARGUMENTS = ("height_factor", "width_factor", "fill_mode", "interpolation", "seed",
                 "fill_value")

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        check_fill_and_interpolation(fill_mode, interpolation)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value = fill_value
