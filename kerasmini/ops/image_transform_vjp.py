"""Gradient of affine_transform with respect to the images.

Each output pixel is a fixed mix of input pixels: sum over its taps of weight *
x[row, column] (fill_value where the tap falls outside, which no input moves). The
transform does not depend on the images, so dL/dx[row, column] collects, from every tap
that read it, weight * dL/dout: the same taps as the forward, scattered back with
np.add.at (several outputs may read one input pixel), chunk by chunk.
"""
import numpy as np

from kerasmini.ops.image_transform import chunks, per_image, taps
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)


def affine_transform_vjp(g, out, images, transform, interpolation="bilinear",
                         fill_mode="constant", fill_value=0.0, data_format=None):
    """dL/dimages of `affine_transform(images, transform, ...)` for g = dL/dout."""
    data_format = standardize_data_format(data_format)
    x = to_channels_last(np.asarray(images), data_format)
    g = to_channels_last(np.asarray(g), data_format)
    batch, height, width, _ = x.shape
    transform = per_image(transform, batch)
    dx = np.zeros(x.shape, np.float64)
    for chunk in chunks(batch, height, width):
        n = chunk.stop - chunk.start
        image = np.arange(n).reshape(n, 1, 1)
        for weight, rows, cols, inside in taps(transform[chunk], height, width,
                                               interpolation, fill_mode):
            np.add.at(dx[chunk], (image, rows, cols),
                      (weight * inside)[..., None] * g[chunk])
    dtype = x.dtype if x.dtype.kind == "f" else np.float32
    return from_channels_last(dx.astype(dtype), data_format)
