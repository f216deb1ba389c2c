"""MixUp: blends each image with another of the batch while training (not in kerasmini
yet: training raises); the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import InferenceOnlyAugmentation


class MixUp(InferenceOnlyAugmentation):
    """Args: alpha: the Beta distribution's parameter of the blend; seed."""

    ARGUMENTS = ("alpha", "seed")

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.alpha = alpha
