"""RandomShear: shears images at random while training; the identity at inference."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import unit_pair
from kerasmini.layers.preprocessing.random_augmentation import RandomWarp

FACTOR_ERROR = ("The `factor` argument should be a number (or a list of two numbers) in "
                "the range [0, 1.0]. ")


class RandomShear(RandomWarp):
    """Args: x_factor, y_factor: a number f in [0, 1] (meaning (-f, f)) or a pair in
    [0, 1]; interpolation, fill_mode, fill_value, seed as RandomRotation's.

    Each image draws sx uniform in x_factor and sy in y_factor, both times one random
    sign; output pixel (x, y) reads the input at (x + sx y, sy x + y) (a shear about
    the top-left corner, as Keras's).
    """

    ARGUMENTS = ("x_factor", "y_factor", "fill_mode", "interpolation", "seed",
                 "fill_value")

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None, seed=None,
                 **kwargs):
        x_factor = unit_pair(x_factor, "x_factor", FACTOR_ERROR, True)
        y_factor = unit_pair(y_factor, "y_factor", FACTOR_ERROR, True)
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed,
                         fill_value=fill_value, data_format=data_format, **kwargs)
        self.x_factor, self.y_factor = x_factor, y_factor

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

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        rng, n = self.generator(seed), len(data)
        sign = np.where(rng.uniform(size=(n, 1)) > 0.5, -1.0, 1.0)
        shear_y = rng.uniform(*self.y_factor, size=(n, 1))
        shear_x = rng.uniform(*self.x_factor, size=(n, 1))
        factor = np.concatenate([shear_x, shear_y], axis=1) * sign
        return {"shear_factor": factor.astype(self.compute_dtype),
                "input_shape": np.shape(data)}

    def transform_matrix(self, images, transformation):
        sx, sy = np.asarray(transformation["shear_factor"], np.float64).T
        one, zero = np.ones_like(sx), np.zeros_like(sx)
        return np.stack([one, sx, zero, sy, one, zero, zero, zero], axis=1)
