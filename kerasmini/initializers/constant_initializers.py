"""Initializers that make the same array every time: Zeros, Ones, Constant, Identity."""
import numpy as np

from kerasmini.initializers.initializer import (Initializer, standardize_dtype,
                                                standardize_shape)
from kerasmini.object_configs import plain


class Constant(Initializer):
    """Every element equal to `value` (a scalar).

    Args:
        value: a Python scalar.
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(standardize_shape(shape), self.value, dtype=standardize_dtype(dtype))

    def get_config(self):
        return {"value": plain(self.value)}


class Zeros(Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None):
        return np.zeros(standardize_shape(shape), dtype=standardize_dtype(dtype))


class Ones(Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None):
        return np.ones(standardize_shape(shape), dtype=standardize_dtype(dtype))


class Identity(Initializer):
    """`gain` times the identity matrix (2D shapes only; non-square ones too).

    Args:
        gain: multiplicative factor applied to the identity matrix.

    Note: as in Keras 3, `get_config()` is empty, so `gain` is not saved.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        dtype = standardize_dtype(dtype)
        return (self.gain * np.eye(*shape)).astype(dtype)
