"""RandomCrop: a random height x width window while training; Keras's documented
inference behaviour (the largest centred window of the target's aspect ratio, resized)
otherwise."""
import random

import numpy as np

from kerasmini import ops
from kerasmini.layers.arguments import positive_int
from kerasmini.layers.preprocessing.random_augmentation import RandomAugmentation
from kerasmini.layers.preprocessing.resizing import image_output_shape, on_batch


class RandomCrop(RandomAugmentation):
    """(batch, H, W, C) or one image (H, W, C) -> height x width images.

    Training, with H > height and W > width: one window for the whole batch (as Keras),
    its top-left corner uniform over the (H - height + 1) x (W - width + 1) positions.
    At inference, and for an image not larger on both axes: the largest centred window
    with the target's aspect ratio, resized (bilinear) to height x width, as Keras's
    docstring says. (Keras 3.15's code returns the input unchanged at inference, whose
    shape then contradicts its own compute_output_shape; kerasmini does not copy that.)
    Differentiable (a slice, or a resize).

    Args: height, width: the output size; seed (None: one drawn and kept, as Keras);
        data_format.
    """

    ARGUMENTS = ("height", "width", "seed")

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        height, width = positive_int(height, "height"), positive_int(width, "width")
        seed = random.randint(1, int(1e9)) if seed is None else seed
        super().__init__(seed=seed, data_format=data_format, name=name, **kwargs)
        self.height, self.width = height, width

    def compute_output_shape(self, input_shape):
        return image_output_shape(input_shape, self.height, self.width, self.data_format)

    def call(self, inputs, training=True):
        def crop(images):
            t = self.get_random_transformation(images, training=training)
            return self.transform_batch(images, t)
        return on_batch(inputs, crop)

    def get_random_transformation(self, data, training=True, seed=None):
        """(row, column) of the window's top-left corner, or None: the centred resize."""
        rows, cols = self.image_size(data)
        if not (training and rows > self.height and cols > self.width):
            return None
        rng = self.generator(seed)
        return (int(rng.integers(0, rows - self.height + 1)),
                int(rng.integers(0, cols - self.width + 1)))

    def transform_images(self, images, transformation, training=True):
        """A batch or one image: the window at `transformation`, or if None the centred
        resize."""
        images = np.asanyarray(images).astype(self.compute_dtype, copy=False)
        return on_batch(images, lambda batch: self.transform_batch(batch, transformation))

    def transform_batch(self, images, transformation):
        if transformation is None:
            return ops.resize(images, (self.height, self.width), "bilinear",
                              self.data_format, crop_to_aspect_ratio=True)
        top, left = transformation
        window = (slice(top, top + self.height), slice(left, left + self.width))
        index = (slice(None), *window) if self.data_format == "channels_last" else \
            (slice(None), slice(None), *window)
        return images[index]
