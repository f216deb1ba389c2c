"""RGB <-> HSV on the last axis of an array, as tf.image's kernels compute them (hue in
[0, 1), saturation = (max - min) / max, value = max), vectorized."""
import numpy as np


def rgb_to_hsv(rgb):
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


def hsv_to_rgb(hsv):
    hue, saturation, value = np.moveaxis(hsv, -1, 0)
    sector = hue * 6
    red = np.clip(np.abs(sector - 3) - 1, 0, 1)
    green = np.clip(2 - np.abs(sector - 2), 0, 1)
    blue = np.clip(2 - np.abs(sector - 4), 0, 1)
    channels = [(1 - saturation + saturation * c) * value for c in (red, green, blue)]
    return np.stack(channels, axis=-1).astype(hsv.dtype, copy=False)
