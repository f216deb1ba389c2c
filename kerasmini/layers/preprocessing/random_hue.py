"""RandomHue: turns the hue of images at random while training (not in kerasmini yet:
training raises); the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import InferenceOnlyAugmentation
from kerasmini.layers.preprocessing.random_rotation import factor_range


class RandomHue(InferenceOnlyAugmentation):
    """Args: factor: a number f (meaning (0, f)) or a pair in [0, 1]; value_range (kept
    as given, as Keras); seed."""

    ARGUMENTS = ("factor", "value_range", "seed")

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor, self.value_range = factor, value_range
