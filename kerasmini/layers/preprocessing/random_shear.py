"""RandomShear: shears images at random while training (not in kerasmini yet: training
raises); the identity at inference."""
from kerasmini.layers.preprocessing.color_range import unit_pair
from kerasmini.layers.preprocessing.random_augmentation import (InferenceOnlyAugmentation,
                                                                check_fill_and_interpolation)

FACTOR_ERROR = ("The `factor` argument should be a number (or a list of two numbers) in "
                "the range [0, 1.0]. ")


class RandomShear(InferenceOnlyAugmentation):
    """Args: x_factor, y_factor: a number f in [0, 1] (meaning (-f, f)) or a pair in
    [0, 1]; interpolation, fill_mode, fill_value, seed as RandomRotation's."""

    ARGUMENTS = ("x_factor", "y_factor", "fill_mode", "interpolation", "seed",
                 "fill_value")

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None, seed=None,
                 **kwargs):
        x_factor = unit_pair(x_factor, "x_factor", FACTOR_ERROR, True)
        y_factor = unit_pair(y_factor, "y_factor", FACTOR_ERROR, True)
        check_fill_and_interpolation(fill_mode, interpolation)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.x_factor, self.y_factor = x_factor, y_factor
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, \
            fill_value

    @classmethod
    def from_config(cls, config):
        """Keras stores a number f as the pair (-f, f), which its own check refuses (so
        tf.keras 3.15 cannot reload a RandomShear with a nonzero number factor): read
        that stored pair back as the number it came from."""
        config = dict(config)
        for name in ("x_factor", "y_factor"):
            value = config.get(name)
            if isinstance(value, (tuple, list)) and len(value) == 2 and \
                    value[0] == -value[1] and 0 < value[1] <= 1:
                config[name] = value[1]
        return super().from_config(config)

