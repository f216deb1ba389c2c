"""keras.ops.image's crop_images and pad_images: a box cut out of each image, or a
border of zeros added, given two of (before, after, target size) per axis as Keras
takes them. A slice and an np.pad, which the tape follows."""
import numpy as np

from kerasmini.ops.arguments import tensor
from kerasmini.ops.layout import standardize_data_format
from kerasmini.ops.symbolic import IMAGE, keras_operation


def image_axes(images, data_format):
    """(row axis, column axis) of a rank-3 image or rank-4 batch, after the rank check."""
    if np.ndim(images) not in (3, 4):
        raise ValueError("Invalid images rank: expected rank 3 (single image) or rank 4 "
                         f"(batch of images). Received: images.shape={np.shape(images)}")
    first = standardize_data_format(data_format) == "channels_first"
    return (-2, -1) if first else (-3, -2)


def _two_of(before, after, target, names):
    """Keras's rule: exactly two of the three given, none negative."""
    if [before, after, target].count(None) != 1:
        raise ValueError(f"Must specify exactly two of {', '.join(names)}. Received: "
                         + ", ".join(f"{n}={v}" for n, v in zip(names,
                                                                (before, after, target))))
    for name, value in zip(names, (before, after, target)):
        _non_negative(value, name)


def _non_negative(value, name):
    if value is not None and value < 0:
        raise ValueError(f"{name} must be >= 0. Received: {name}={value}")


def _crop_span(size, before, after, target, names):
    """(start, length) of the kept part of an axis of `size` pixels."""
    _two_of(before, after, target, names)
    if before is None:
        before = size - target - after
    if target is None:
        target = size - after - before
    _non_negative(before, names[0])
    _non_negative(target, names[2])
    if before + target > size:
        raise ValueError(f"The crop {names[0]}={before}, {names[2]}={target} does not "
                         f"fit an axis of {size} pixels.")
    return before, target


@keras_operation("CropImages", config=("top_cropping", "left_cropping", "bottom_cropping",
                                       "right_cropping", "target_height", "target_width",
                                       "data_format"), module=IMAGE)
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None,
                data_format=None):
    """Each image's box of target_height x target_width pixels from (top, left)."""
    images = tensor(images)
    rows, cols = image_axes(images, data_format)
    top, height = _crop_span(images.shape[rows], top_cropping, bottom_cropping,
                             target_height, ("top_cropping", "bottom_cropping",
                                             "target_height"))
    left, width = _crop_span(images.shape[cols], left_cropping, right_cropping,
                             target_width, ("left_cropping", "right_cropping",
                                            "target_width"))
    box = [slice(None)] * images.ndim
    box[rows], box[cols] = slice(top, top + height), slice(left, left + width)
    return images[tuple(box)]


def _pad_pair(size, before, after, target, names):
    """(before, after) zeros added to an axis of `size` pixels."""
    _two_of(before, after, target, names)
    if before is None:
        before = target - after - size
    if after is None:
        after = target - before - size
    _non_negative(before, names[0])
    _non_negative(after, names[1])
    return before, after


@keras_operation("PadImages", config=("top_padding", "left_padding", "bottom_padding",
                                      "right_padding", "target_height", "target_width",
                                      "data_format"), module=IMAGE)
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None,
               data_format=None):
    """Each image inside a border of zeros, to target_height x target_width."""
    images = tensor(images)
    rows, cols = image_axes(images, data_format)
    widths = [(0, 0)] * images.ndim
    widths[rows] = _pad_pair(images.shape[rows], top_padding, bottom_padding,
                             target_height, ("top_padding", "bottom_padding",
                                             "target_height"))
    widths[cols] = _pad_pair(images.shape[cols], left_padding, right_padding,
                             target_width, ("left_padding", "right_padding",
                                            "target_width"))
    return np.pad(images, widths)
