"""RandomErasing: fills a random rectangle of images while training (not in kerasmini
yet: training raises); the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import InferenceOnlyAugmentation
from kerasmini.layers.preprocessing.random_rotation import factor_range


class RandomErasing(InferenceOnlyAugmentation):
    """Args: factor: the probability range, a number f (meaning (0, f)) or a pair in
    [0, 1]; scale: the erased fraction's range, likewise; fill_value: None (Gaussian
    noise), a number or three numbers; value_range (kept as given, as Keras); seed."""

    ARGUMENTS = ("factor", "scale", "fill_value", "value_range", "seed")

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None,
                 value_range=(0, 255), seed=None, data_format=None, **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        scale = factor_range(scale, "scale", (0, 1))
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor, self.scale, self.fill_value = factor, scale, fill_value
        self.value_range = value_range
