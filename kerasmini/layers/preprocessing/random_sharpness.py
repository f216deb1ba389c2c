"""RandomSharpness: sharpens or blurs images at random while training; the identity at
inference."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import sorted_value_range
from kerasmini.layers.preprocessing.random_augmentation import RandomAugmentation
from kerasmini.layers.preprocessing.random_rotation import factor_range

# Keras's smoothing kernel: 5/13 at the centre, 1/13 at the eight neighbours
EDGE, CENTRE = 1.0 / 13.0, 5.0 / 13.0


class RandomSharpness(RandomAugmentation):
    """Args: factor: a number f (meaning (0, f)) or a pair in [0, 1]; value_range; seed.

    Each image draws f uniform in factor; with s its 3x3 smoothing (zero padding at the
    border, every channel alone), it becomes clip(x + (1 - 2 f) (s - x), range): f = 0.5
    keeps it, f < 0.5 blurs, f > 0.5 sharpens.
    """

    ARGUMENTS = ("factor", "value_range", "seed")

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        value_range = sorted_value_range(value_range)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor, self.value_range = factor, value_range

    def get_random_transformation(self, data, training=True, seed=None):
        return {"factor": self.generator(seed).uniform(*self.factor, size=len(data))}

    def transform_batch(self, images, transformation):
        factor = 2 * np.asarray(transformation["factor"]).astype(images.dtype)
        first = self.data_format == "channels_first"
        x = np.moveaxis(images, 1, -1) if first else images
        smoothed = smooth3x3(x)
        out = np.clip(x + (1 - factor.reshape(-1, 1, 1, 1)) * (smoothed - x),
                      *self.value_range).astype(images.dtype, copy=False)
        return np.moveaxis(out, -1, 1) if first else out


def smooth3x3(x):
    """(N, H, W, C) -> the sharpness kernel applied to each channel, zero padded: nine
    shifted views of the padded batch, weighted and summed."""
    height, width = x.shape[1:3]
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    total = sum(padded[:, r:r + height, c:c + width] for r in range(3) for c in range(3))
    edge, centre = x.dtype.type(EDGE), x.dtype.type(CENTRE)
    return edge * (total - x) + centre * x
