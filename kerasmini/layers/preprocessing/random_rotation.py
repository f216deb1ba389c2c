"""RandomRotation: rotates images at random while training; the identity at inference."""
import numpy as np

from kerasmini.layers.preprocessing.random_augmentation import RandomWarp


class RandomRotation(RandomWarp):
    """Args: factor: a fraction of a full turn (a number f means (-f, f), or a pair), in
    [-1, 1]; fill_mode, interpolation, fill_value, seed as in Keras.

    Each image turns by an angle uniform in [360 factor[0], 360 factor[1]] degrees about
    its centre ((W - 1) / 2, (H - 1) / 2); a positive angle turns it counter-clockwise.
    """

    ARGUMENTS = ("factor", "fill_mode", "fill_value", "interpolation", "seed")

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        factor = factor_range(factor, "factor", (-1, 1))
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = factor

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        angle = self.generator(seed).uniform(360 * self.factor[0], 360 * self.factor[1],
                                             size=len(data))
        height, width = self.image_size(data)
        return {"angle": angle, "rotation_matrix": rotation_matrix(angle, height, width),
                "image_height": height, "image_width": width, "batch_size": len(data)}

    def transform_matrix(self, images, transformation):
        return transformation["rotation_matrix"]


def rotation_matrix(degrees, height, width):
    """(n,) angles -> (n, 8) transforms: output pixels read the input turned by -angle
    about the image centre (Keras's _compute_affine_matrix without shear, scale, shift)."""
    angle = np.radians(np.asarray(degrees, np.float64))
    cos, sin = np.cos(angle), np.sin(angle)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    zero = np.zeros_like(angle)
    return np.stack([cos, -sin, cx - cx * cos + cy * sin,
                     sin, cos, cy - cx * sin - cy * cos, zero, zero], axis=1)


def factor_range(factor, name, bounds):
    """Keras's factor rule: a number f in bounds -> (max(-|f|, low), |f|); a pair that
    overlaps bounds -> sorted. Anything else is a ValueError naming the value."""
    low, high = bounds
    message = (f"The `{name}` argument should be a number (or a list of two numbers) in "
               f"the range [{low}, {high}]. Received: {name}={factor}")
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or factor[0] > high or factor[1] < low:
            raise ValueError(message)
        return tuple(sorted(factor))
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        if not low <= factor <= high:
            raise ValueError(message)
        return (max(-abs(factor), low), abs(factor))
    raise ValueError(message)
