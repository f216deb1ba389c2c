"""RandomTranslation: shifts images at random while training; the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import RandomWarp


class RandomTranslation(RandomWarp):
    """Args: height_factor, width_factor: fractions (or pairs) of the size to shift by;
    fill_mode, interpolation, fill_value, seed."""
