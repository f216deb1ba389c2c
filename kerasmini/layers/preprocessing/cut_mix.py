"""CutMix: pastes a patch of another image of the batch while training (not in
kerasmini yet: training raises); the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import InferenceOnlyAugmentation
from kerasmini.layers.preprocessing.random_rotation import factor_range


class CutMix(InferenceOnlyAugmentation):
    """Args: factor: a number f (meaning (0, f)) or a pair in [0, 1]; seed."""

    ARGUMENTS = ("factor", "seed")

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = factor
