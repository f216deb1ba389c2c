"""AugMix: a Dirichlet mix of chains of augmentations while training (not in kerasmini
yet: training raises); the identity at inference."""
from kerasmini.layers.preprocessing.color_range import sorted_value_range
from kerasmini.layers.preprocessing.random_augmentation import (InferenceOnlyAugmentation,
                                                                check_fill_and_interpolation)
from kerasmini.layers.preprocessing.random_rotation import factor_range


class AugMix(InferenceOnlyAugmentation):
    """Args: value_range; num_chains; chain_depth; factor: a number f (meaning (0, f))
    or a pair in [0, 1]; alpha; all_ops; interpolation; seed. (Keras checks value_range
    and interpolation through the layers it builds; so does this.)"""

    ARGUMENTS = ("value_range", "num_chains", "chain_depth", "factor", "alpha", "all_ops",
                 "interpolation", "seed")

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3,
                 alpha=1.0, all_ops=True, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        sorted_value_range(value_range)
        check_fill_and_interpolation("reflect", interpolation)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range, self.num_chains, self.chain_depth = value_range, num_chains, \
            chain_depth
        self.factor, self.alpha, self.all_ops = factor, alpha, all_ops
        self.interpolation = interpolation
