"""RandomSaturation: scales the saturation of images at random while training (not in
kerasmini yet: training raises); the identity at inference."""
from kerasmini.layers.preprocessing.color_range import FactorAndRange
from kerasmini.layers.preprocessing.random_augmentation import InferenceOnlyAugmentation


class RandomSaturation(FactorAndRange, InferenceOnlyAugmentation):
    """Args: factor: a number f (meaning (-f, f)) or a pair in [-1, 1]; value_range;
    seed."""
