"""RandomContrast: changes contrast at random while training; the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import RandomAugmentation


class RandomContrast(RandomAugmentation):
    """Args: factor: a number or a pair; value_range: the pixel range; seed."""

    ARGUMENTS = ("factor", "value_range", "seed")

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = tuple(factor) if isinstance(factor, list) else factor
        self.value_range = tuple(value_range)
