"""RGB <-> HSV, as tf.image's kernels compute them (hue in [0, 1), saturation =
(max - min) / max, value = max), vectorized: keras.ops.image's rgb_to_hsv and
hsv_to_rgb, and the kernels on the last axis the color augmentation layers use
(NumPy the tape follows: differentiable where the hue's sector is not changing)."""
import numpy as np

from kerasmini.ops.arguments import tensor
from kerasmini.ops.image_frames import image_axes
from kerasmini.ops.symbolic import IMAGE, keras_operation


def _on_channels(kernel, images, data_format):
    """kernel (on the last axis) applied to the images' channel axis, float only."""
    images = tensor(images)
    rows = image_axes(images, data_format)[0]
    axis = -1 if rows == -3 else -3  # channels last, or before the rows
    if images.dtype.kind != "f":
        raise ValueError("Invalid images dtype: expected float dtype. Received: "
                         f"images.dtype={images.dtype.name}")
    return np.moveaxis(kernel(np.moveaxis(images, axis, -1)), -1, axis)


@keras_operation("RGBToHSV", config=("data_format",), module=IMAGE)
def rgb_to_hsv(images, data_format=None):
    """(..., H, W, 3) RGB in [0, 1] -> HSV (or channels first: (..., 3, H, W))."""
    return _on_channels(rgb_to_hsv_last, images, data_format)


@keras_operation("HSVToRGB", config=("data_format",), module=IMAGE)
def hsv_to_rgb(images, data_format=None):
    """rgb_to_hsv's inverse."""
    return _on_channels(hsv_to_rgb_last, images, data_format)


def rgb_to_hsv_last(rgb):
    r, g, b = np.moveaxis(rgb, -1, 0)
    value = np.maximum(np.maximum(r, g), b)
    spread = value - np.minimum(np.minimum(r, g), b)
    with np.errstate(divide="ignore", invalid="ignore"):
        saturation = np.where(value > 0, spread / value, 0)
        norm = 1 / (6 * spread)
        hue = np.where(r == value, norm * (g - b),
                       np.where(g == value, norm * (b - r) + 2 / 6, norm * (r - g) + 4 / 6))
    hue = np.where(spread > 0, hue, 0)
    hue = np.where(hue < 0, hue + 1, hue)
    return np.stack([hue, saturation, value], axis=-1).astype(rgb.dtype, copy=False)


def hsv_to_rgb_last(hsv):
    hue, saturation, value = np.moveaxis(hsv, -1, 0)
    sector = hue * 6
    red = np.clip(np.abs(sector - 3) - 1, 0, 1)
    green = np.clip(2 - np.abs(sector - 2), 0, 1)
    blue = np.clip(2 - np.abs(sector - 4), 0, 1)
    channels = [(1 - saturation + saturation * c) * value for c in (red, green, blue)]
    return np.stack(channels, axis=-1).astype(hsv.dtype, copy=False)
