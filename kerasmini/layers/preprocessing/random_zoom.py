"""RandomZoom: zooms images at random while training; the identity at inference."""
import numpy as np

from kerasmini.layers.preprocessing.random_augmentation import RandomShiftOrZoom


class RandomZoom(RandomShiftOrZoom):
    """Args: height_factor, width_factor (None: the same zoom as the height, keeping the
    aspect ratio): a number f means (-f, f), or a pair, in (-1, 1]; fill_mode,
    interpolation, fill_value, seed.

    Each image is scaled about its centre: output pixels read the input at
    centre + z * (offset from centre), z = 1 + (uniform in the factor) per axis, so a
    positive factor zooms *out* (the image shrinks) and a negative one zooms in.
    """

    FACTOR_ERROR = ("The `height_factor` and `width_factor` arguments should be a number "
                    "(or a list of two numbers) in the range (-1.0, 1.0]. ")
    FACTOR_BOUND = (-1.0, False)

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(height_factor, width_factor, fill_mode, interpolation, seed,
                         fill_value, data_format, **kwargs)

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        rng = self.generator(seed)
        height_zoom = 1.0 + rng.uniform(*self.height_range, size=(len(data), 1))
        width_zoom = (height_zoom if self.width_range is None
                      else 1.0 + rng.uniform(*self.width_range, size=(len(data), 1)))
        return {"height_zoom": height_zoom, "width_zoom": width_zoom,
                "input_shape": np.shape(data)}

    def transform_matrix(self, images, transformation):
        """Zooms (n, 1) per axis -> (n, 8): x_in = zx x + (W - 1) / 2 (1 - zx), same in y."""
        zx = np.asarray(transformation["width_zoom"], np.float64).reshape(-1)
        zy = np.asarray(transformation["height_zoom"], np.float64).reshape(-1)
        height, width = self.image_size(images)
        zero = np.zeros_like(zx)
        return np.stack([zx, zero, (width - 1) / 2 * (1 - zx), zero, zy,
                         (height - 1) / 2 * (1 - zy), zero, zero], axis=1)
