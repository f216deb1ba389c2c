"""RandomTranslation: shifts images at random while training; the identity at inference."""
import numpy as np

from kerasmini.layers.preprocessing.random_augmentation import RandomShiftOrZoom


class RandomTranslation(RandomShiftOrZoom):
    """Args: height_factor, width_factor: fractions of the size to shift by (a number f
    means (-f, f), or a pair), in [-1, 1]; fill_mode, interpolation, fill_value, seed.

    Each image moves by (uniform in width_factor) * W columns and (uniform in
    height_factor) * H rows; positive moves right and down.
    """

    FACTOR_ERROR = ("The `factor` argument should be a number (or a list of two numbers) "
                    "in the range [-1.0, 1.0]. ")

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        rng = self.generator(seed)
        height, width = self.image_size(data)
        rows = rng.uniform(*self.height_range, size=(len(data), 1)) * height
        cols = rng.uniform(*self.width_range, size=(len(data), 1)) * width
        return {"translations": np.concatenate([cols, rows], axis=1).astype("float32"),
                "input_shape": np.shape(data)}

    def transform_matrix(self, images, transformation):
        """(n, 2) shifts (columns, rows) -> (n, 8): read the input at (x - dx, y - dy)."""
        shift = np.asarray(transformation["translations"], np.float64)
        one, zero = np.ones(len(shift)), np.zeros(len(shift))
        return np.stack([one, zero, -shift[:, 0], zero, one, -shift[:, 1], zero, zero],
                        axis=1)
