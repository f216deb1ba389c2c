"""keras.ops.image basics beyond resize and affine_transform (kerasmini.ops's kernels)."""
import numpy as np

from kerasmini import config
from kerasmini.ops.arguments import tensor
from kerasmini.ops.symbolic import IMAGE, keras_operation

# ITU-R 601 luma weights, as TensorFlow's rgb_to_grayscale
_LUMA = (0.2989, 0.5870, 0.1140)


@keras_operation("RGBToGrayscale", config=("data_format",), module=IMAGE)
def rgb_to_grayscale(images, data_format=None):
    """(..., H, W, 3) -> (..., H, W, 1) luma (channels first: (..., 3, H, W) ->
    (..., 1, H, W)); a weighted sum of the channels in the images' dtype."""
    images = tensor(images)
    data_format = data_format or config.image_data_format()
    if images.ndim not in (3, 4):
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 "
                         f"(batch of images). Received: images.shape={images.shape}")
    axis = -1 if data_format == "channels_last" else -3
    if images.shape[axis] != 3:
        raise ValueError("Invalid channel size: expected 3. Received: "
                         f"images.shape={images.shape}")
    moved = np.moveaxis(images, axis, -1)
    gray = np.einsum("...c,c->...", moved, np.asarray(_LUMA, images.dtype))
    return np.expand_dims(gray, axis)
