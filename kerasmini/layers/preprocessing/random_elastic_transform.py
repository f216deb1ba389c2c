"""RandomElasticTransform: a smooth random displacement field while training (not in
kerasmini yet: training raises); the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import InferenceOnlyAugmentation
from kerasmini.layers.preprocessing.random_rotation import factor_range

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


class RandomElasticTransform(InferenceOnlyAugmentation):
    """Args: factor: the probability range and scale: the displacement's, each a number
    f (meaning (0, f)) or a pair in [0, 1]; interpolation ('nearest', 'bilinear');
    fill_mode (one of FILL_MODES); fill_value; value_range (kept as given); seed."""

    ARGUMENTS = ("factor", "scale", "interpolation", "fill_mode", "fill_value",
                 "value_range", "seed")

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        scale = factor_range(scale, "scale", (0, 1))
        if interpolation not in ("nearest", "bilinear"):
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected "
                                      "of one ('nearest', 'bilinear').")
        if fill_mode not in FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                      f"{FILL_MODES}.")
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor, self.scale = factor, scale
        self.interpolation, self.fill_mode, self.fill_value = interpolation, fill_mode, \
            fill_value
        self.value_range = value_range
