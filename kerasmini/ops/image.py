"""keras.ops.image: rgb_to_grayscale here, the other functions one family per file
(frames: crop and pad; color: HSV; warps: resize, affine, perspective,
map_coordinates; scale: scale_and_translate; filters: Gaussian blur, Sobel, SSIM;
patches)."""
import numpy as np

from kerasmini.ops.arguments import tensor
from kerasmini.ops.image_color import hsv_to_rgb, rgb_to_hsv  # noqa: F401
from kerasmini.ops.image_elastic import elastic_transform  # noqa: F401
from kerasmini.ops.image_filters import gaussian_blur, sobel_edges, ssim  # noqa: F401
from kerasmini.ops.image_frames import crop_images, image_axes, pad_images  # noqa: F401
from kerasmini.ops.image_patches import extract_patches, extract_patches_3d  # noqa: F401
from kerasmini.ops.image_scale import scale_and_translate  # noqa: F401
from kerasmini.ops.image_warps import (  # noqa: F401
    affine_transform, map_coordinates, perspective_transform, resize)
from kerasmini.ops.symbolic import IMAGE, keras_operation

# ITU-R 601 luma weights, as TensorFlow's rgb_to_grayscale
_LUMA = (0.2989, 0.5870, 0.1140)


@keras_operation("RGBToGrayscale", config=("data_format",), module=IMAGE)
def rgb_to_grayscale(images, data_format=None):
    """(..., H, W, 3) -> (..., H, W, 1) luma (channels first: (..., 3, H, W) ->
    (..., 1, H, W)); a weighted sum of the channels in the images' dtype."""
    images = tensor(images)
    axis = -1 if image_axes(images, data_format)[0] == -3 else -3
    if images.shape[axis] != 3:
        raise ValueError("Invalid channel size: expected 3. Received: "
                         f"images.shape={images.shape}")
    moved = np.moveaxis(images, axis, -1)
    gray = np.einsum("...c,c->...", moved, np.asarray(_LUMA, images.dtype))
    return np.expand_dims(gray, axis)
