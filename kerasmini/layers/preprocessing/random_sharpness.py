"""RandomSharpness: sharpens or blurs images at random while training; the identity at
inference."""
import numpy as np

from kerasmini.layers.preprocessing.color_range import FactorAndRange
from kerasmini.layers.preprocessing.random_augmentation import RandomAugmentation

# Keras's smoothing kernel: 5/13 at the centre, 1/13 at the eight neighbours
EDGE, CENTRE = 1.0 / 13.0, 5.0 / 13.0


class RandomSharpness(FactorAndRange, RandomAugmentation):
    """Args: factor: a number f (meaning (0, f)) or a pair in [0, 1]; value_range; seed.

    Each image draws f uniform in factor; with s its 3x3 smoothing (zero padding at the
    border, every channel alone), it becomes clip(x + (1 - 2 f) (s - x), range): f = 0.5
    keeps it, f < 0.5 blurs, f > 0.5 sharpens.
    """

    FACTOR_BOUNDS = (0, 1)

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
