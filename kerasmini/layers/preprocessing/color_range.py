"""What the color augmentation layers share: Keras's argument checks for `value_range`
and the unit-interval factors, the map of a value range onto [0, 255] and back (Keras
writes these transforms for 8-bit pixels), and the grayscale of an RGB image."""
import numpy as np

from kerasmini import ops
from kerasmini.layers.preprocessing.random_rotation import factor_range

VALUE_RANGE_ERROR = "The `value_range` argument should be a list of two numbers. "


def sorted_value_range(value_range):
    """A pair (low, high), as a sorted list (Keras's stored form), else a ValueError."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(VALUE_RANGE_ERROR + f"Received: value_range={value_range}")
    return sorted(value_range)


def unit_pair(factor, name, message, symmetric):
    """Solarization's and RandomShear's rule: each end in [0, 1]; a number f means
    (-f, f) when `symmetric`, else (0, f)."""
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(f"{message}Received: {name}={factor}")
        ends = list(factor)
    elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
        ends = [factor]
    else:
        raise ValueError(f"{message}Received: {name}={factor}")
    for end in ends:
        if not 0.0 <= end <= 1.0:
            raise ValueError(f"{message}Received: input_number={end}")
    if len(ends) == 2:
        return tuple(sorted(ends))
    return (-abs(factor), abs(factor)) if symmetric else (0, factor)


def rescale(images, source, target):
    """Pixels mapped linearly from the range `source` onto `target` (Keras's
    _transform_value_range: unchanged when the two are equal)."""
    if tuple(source) == tuple(target):
        return images
    kind = images.dtype.type
    (s0, s1), (t0, t1) = source, target
    return (images - kind(s0)) / (kind(s1) - kind(s0)) * (kind(t1) - kind(t0)) + kind(t0)


def to_255(images, value_range):
    return rescale(images, value_range, (0, 255))


def from_255(images, value_range):
    return rescale(images, (0, 255), value_range)


GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)  # tf.image.rgb_to_grayscale's


def grayscale(images, data_format):
    """(N, H, W, 3) -> (N, H, W, 1) luma (channels_first: axis 1); one channel stays."""
    axis = -1 if data_format == "channels_last" else 1
    if images.shape[axis] not in (1, 3):
        raise ValueError("Invalid channel size: expected 3 (RGB) or 1 (Grayscale). "
                         f"Received input with shape: images.shape={images.shape}")
    if images.shape[axis] == 1:
        return images
    weights = np.asarray(GRAY_WEIGHTS, images.dtype)
    return np.expand_dims(ops.tensordot(images, weights, axes=([axis], [0])), axis)


class FactorAndRange:
    """The constructor most color layers share: factor (Keras's base rule within
    FACTOR_BOUNDS), value_range (a sorted pair), data_format, seed. Mixed into a
    RandomAugmentation subclass."""

    ARGUMENTS = ("factor", "value_range", "seed")
    FACTOR_BOUNDS = (-1, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None,
                 **kwargs):
        factor = factor_range(factor, "factor", self.FACTOR_BOUNDS)
        value_range = sorted_value_range(value_range)
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor, self.value_range = factor, value_range
