"""RandomElasticTransform: a smooth random displacement field while training; the
identity at inference."""
import numpy as np

from kerasmini import ops
from kerasmini.layers.preprocessing.random_augmentation import (RandomAugmentation,
                                                                WarpsMasks,
                                                                chosen_by_factor)
from kerasmini.layers.preprocessing.random_rotation import factor_range

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


class RandomElasticTransform(WarpsMasks, RandomAugmentation):
    """Args: factor: the probability range and scale: the displacement's, each a number
    f (meaning (0, f)) or a pair in [0, 1]; interpolation ('nearest', 'bilinear');
    fill_mode (one of FILL_MODES); fill_value; value_range (kept as given); seed.

    As Keras 3.15: the batch draws one distortion s uniform in scale, and
    ops.image.elastic_transform warps the images with alpha = 0.1 s max(H, W) and
    sigma = 0.05 s min(H, W), its field drawn from the transformation's `seed` (one
    field per image). Each image is warped with probability p, p uniform in factor;
    then every image is clipped to value_range. With scale or factor at most 0 the
    layer draws nothing and is the identity. Segmentation masks are warped alike
    (nearest, and clipped to value_range too, as Keras); labels pass unchanged.
    """

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

    def get_random_transformation(self, data, training=True, seed=None):
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        rng = self.generator(seed)
        apply = chosen_by_factor(rng, self.factor, len(data))
        distortion = np.asarray(rng.uniform(*self.scale), self.compute_dtype)
        return {"apply_transform": apply, "distortion_factor": distortion,
                "seed": int(rng.integers(2 ** 31))}

    def warp(self, images, transformation, interpolation):
        height, width = self.image_size(images)
        distortion = float(np.asarray(transformation["distortion_factor"]))
        warped = ops.image.elastic_transform(
            images, alpha=max(height, width) * 0.1 * distortion,
            sigma=min(height, width) * 0.05 * distortion, interpolation=interpolation,
            fill_mode=self.fill_mode, fill_value=self.fill_value,
            seed=transformation["seed"], data_format=self.data_format)
        apply = np.asarray(transformation["apply_transform"], bool).reshape(-1, 1, 1, 1)
        out = np.clip(np.where(apply, warped, images), self.value_range[0],
                      self.value_range[1])
        return out.astype(images.dtype, copy=False)
