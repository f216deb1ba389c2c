"""keras.preprocessing.image: keras.utils' image functions (which kerasmini refuses: it
reads no image files) and smart_resize."""
import numpy as np

from kerasmini.layers.arguments import standardize_data_format
from kerasmini.utils.data_utils import array_to_img, img_to_array, load_img, save_img

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """An image (H, W, C) or a batch (N, H, W, C) (channels first too) resized to `size`
    without distortion, as Keras does it: the largest centred crop with the aspect ratio
    of `size` is resized to `size`."""
    from kerasmini.ops.resizing import resize  # the kernel: a NumPy array in and out
    if not (isinstance(size, (tuple, list)) and len(size) == 2):
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    data_format = standardize_data_format(data_format)
    images = np.asarray(x)
    if images.ndim not in (3, 4):
        raise ValueError("Expected an image array with shape `(height, width, channels)`, "
                         "or `(batch_size, height, width, channels)`, but got input with "
                         f"incorrect rank, of shape {images.shape}.")
    batch = images if images.ndim == 4 else images[None]
    resized = resize(batch, tuple(size), interpolation, data_format,
                     crop_to_aspect_ratio=True)
    return resized if images.ndim == 4 else resized[0]
