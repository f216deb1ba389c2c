"""RandomFlip: mirrors images at random while training; the identity at inference."""
import numpy as np

from kerasmini.layers.preprocessing.random_augmentation import RandomAugmentation
from kerasmini.layers.preprocessing.resizing import on_batch

MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(RandomAugmentation):
    """Args: mode: 'horizontal', 'vertical' or 'horizontal_and_vertical'; seed.

    Each image is flipped with probability 1/2 (one draw per image: in
    'horizontal_and_vertical' mode an image is flipped both ways or not at all, as in
    Keras). Differentiable (a flip and a select), so gradients flow through it.
    """

    ARGUMENTS = ("seed", "mode")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None,
                 **kwargs):
        if mode not in MODES:
            raise ValueError(f"RandomFlip layer {kwargs.get('name')} received an unknown "
                             f"mode argument {mode}")
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = mode

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        flips = self.generator(seed).uniform(size=(len(data), 1, 1, 1)) <= 0.5
        return {"flips": flips, "input_shape": np.shape(data)}

    def transform_batch(self, images, transformation):
        flips = np.asarray(transformation["flips"], bool).reshape(-1, 1, 1, 1)
        rows, cols = (1, 2) if self.data_format == "channels_last" else (2, 3)
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            images = np.where(flips, _reversed(images, cols), images)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            images = np.where(flips, _reversed(images, rows), images)
        return images

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_segmentation_masks(self, masks, transformation, training=True):
        """Flipped as the images (Keras's rule)."""
        masks = np.asanyarray(masks)
        if not training or transformation is None:
            return masks
        return on_batch(masks, lambda batch: self.transform_batch(batch, transformation))


def _reversed(x, axis):
    """x reversed along `axis`, by a basic slice (which the gradient tape records)."""
    index = [slice(None)] * x.ndim
    index[axis] = slice(None, None, -1)
    return x[tuple(index)]
