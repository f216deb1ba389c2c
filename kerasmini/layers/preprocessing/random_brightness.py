"""RandomBrightness: shifts brightness at random while training; the identity at
inference."""
from kerasmini.layers.preprocessing.random_augmentation import RandomAugmentation
from kerasmini.layers.preprocessing.random_rotation import symmetric_range


class RandomBrightness(RandomAugmentation):
    """Args: factor: a number f (meaning (-f, f)) or a pair, a fraction of value_range;
    value_range: the pixel range; seed."""

    ARGUMENTS = ("factor", "value_range", "seed")

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = symmetric_range(factor, "factor")
        self.value_range = list(value_range)
