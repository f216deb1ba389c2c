"""RandomRotation: rotates images at random while training; the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import (RandomAugmentation,
                                                                check_fill_and_interpolation)


class RandomRotation(RandomAugmentation):
    """Args: factor: a fraction of 2*pi (a number f means (-f, f), or a pair);
    fill_mode, interpolation, fill_value, seed as in Keras."""

    ARGUMENTS = ("factor", "fill_mode", "fill_value", "interpolation", "seed")

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        check_fill_and_interpolation(fill_mode, interpolation)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = symmetric_range(factor, "factor")
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.fill_value = fill_value


def symmetric_range(factor, name):
    """A number f -> (-f, f); a pair (low, high) with low <= high kept as a tuple."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > factor[1]:
            raise ValueError(f"The `{name}` argument should be a number (or a list of two "
                             f"numbers) in the range [-1.0, 1.0]. Received: {name}={factor}")
        return tuple(factor)
    return (-factor, factor)
