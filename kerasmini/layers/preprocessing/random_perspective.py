"""RandomPerspective: moves image corners at random (a projective warp) while training
(not in kerasmini yet: training raises); the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import InferenceOnlyAugmentation
from kerasmini.layers.preprocessing.random_rotation import factor_range


class RandomPerspective(InferenceOnlyAugmentation):
    """Args: factor: the probability range, a number f (meaning (0, f)) or a pair in
    [0, 1]; scale: the corners' largest move, in [0, 1]; interpolation ('nearest' or
    'bilinear'); fill_value; seed."""

    ARGUMENTS = ("factor", "scale", "interpolation", "fill_value", "seed")

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        if not 0.0 <= scale <= 1.0:
            raise ValueError("The `scale` argument should be a number in the range [0,1]. "
                             f"Received: scale={scale}")
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected "
                                      "of one ('nearest', 'bilinear').")
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor, self.scale = factor, scale
        self.interpolation, self.fill_value = interpolation, fill_value
