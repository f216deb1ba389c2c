"""RandomPerspective: moves image corners at random (a projective warp) while training;
the identity at inference."""
import numpy as np

from kerasmini import ops
from kerasmini.ops.image_warps import homography
from kerasmini.layers.preprocessing.random_augmentation import (RandomAugmentation,
                                                                WarpsMasks,
                                                                chosen_by_factor)
from kerasmini.layers.preprocessing.random_rotation import factor_range


class RandomPerspective(WarpsMasks, RandomAugmentation):
    """Args: factor: the probability range, a number f (meaning (0, f)) or a pair in
    [0, 1]; scale: the corners' largest move, in [0, 1]; interpolation ('nearest' or
    'bilinear'); fill_value; seed.

    As Keras 3.15: each image draws, for each corner (x, y) of (0, 0), (W-1, 0),
    (0, H-1), (W-1, H-1), two factors uniform in [-scale/2, scale/2] and moves the
    corner to (x (1 + fx), y (1 + fy)) (so the corner (0, 0) never moves); the image is
    warped by the projective map taking the corners to their new places
    (ops.image.perspective_transform's homography, fill_value outside; coordinates in
    float64, where Keras's TensorFlow backend rounds them to float32). Each image is
    warped with probability p, p uniform in factor. Segmentation masks are warped alike (nearest);
    labels pass unchanged; bounding boxes are not implemented.
    """

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

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        rng, n = self.generator(seed), len(data)
        height, width = self.image_size(data)
        apply = chosen_by_factor(rng, self.factor, n)
        moves = rng.uniform(-0.5 * self.scale, 0.5 * self.scale, size=(n, 4, 2))
        corners = np.array([[0.0, 0.0], [width - 1, 0.0], [0.0, height - 1],
                            [width - 1, height - 1]], self.compute_dtype)
        start = np.repeat(corners[None], n, axis=0)
        return {"apply_perspective": apply, "start_points": start,
                "end_points": start + start * moves.astype(self.compute_dtype),
                "input_shape": np.shape(data)}

    def warp(self, images, transformation, interpolation):
        # the map solved and applied in float64 (Keras's TF backend: float32 throughout)
        start, end = (np.asarray(transformation[key], np.float64).reshape(-1, 4, 2)
                      for key in ("start_points", "end_points"))
        warped = ops.affine_transform(images, homography(start, end), interpolation,
                                      "constant", self.fill_value, self.data_format)
        apply = np.asarray(transformation["apply_perspective"], bool).reshape(-1, 1, 1, 1)
        return np.where(apply, warped, images)
