"""Weight penalties: L1, L2, L1L2 and OrthogonalRegularizer, as `keras.regularizers`.

A regularizer is called on a weight array and returns a scalar (a NumPy scalar of the
weight's float dtype) that training adds to the loss.
"""
import math

import numpy as np

from kerasmini import config
from kerasmini.object_configs import deserialize as _deserialize
from kerasmini.object_configs import serialize_keras_object, snake_case


def _float_array(x):
    x = np.asanyarray(x)  # keeps a recorded weight recorded: penalties are differentiable
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(config.floatx())


def validate_float_arg(value, name):
    """value as a float; ValueError unless it is a finite, non-negative number."""
    if (not isinstance(value, (float, int)) or math.isinf(value) or math.isnan(value)
            or value < 0):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. "
            f"Received: {name}={value}"
        )
    return float(value)


def _factor(value, dtype):
    # Keras (TensorFlow backend) casts the Python factor to the weight's dtype through a
    # float32 tensor, so a float64 weight meets 0.01 as 0.009999999776...; do the same.
    return np.float32(value).astype(dtype)


def _as_float32(value):
    # Keras keeps L1's l1 and OrthogonalRegularizer's factor as float32 tensors, so their
    # configs read e.g. 0.009999999776482582 for 0.01; keeping the same rounding makes
    # both the configs and the penalties agree with Keras.
    return float(np.float32(value))


class Regularizer:
    """Base class: `regularizer(weights)` -> scalar penalty."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        raise NotImplementedError(f"{self} does not implement get_config()")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x^2).

    Args:
        l1: non-negative float (None means 0).
        l2: non-negative float (None means 0).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = validate_float_arg(0.0 if l1 is None else l1, name="l1")
        self.l2 = validate_float_arg(0.0 if l2 is None else l2, name="l2")

    def __call__(self, x):
        x = _float_array(x)
        penalty = x.dtype.type(0.0)
        if self.l1 != 0.0:
            penalty += _factor(self.l1, x.dtype) * np.sum(np.abs(x))
        if self.l2 != 0.0:
            penalty += _factor(self.l2, x.dtype) * np.sum(np.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """l1 * sum(|x|).

    Args:
        l1: non-negative float (None means 0.01).
    """

    def __init__(self, l1=0.01):
        self.l1 = _as_float32(validate_float_arg(0.01 if l1 is None else l1, name="l1"))

    def __call__(self, x):
        x = _float_array(x)
        return _factor(self.l1, x.dtype) * np.sum(np.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """l2 * sum(x^2).

    Args:
        l2: non-negative float (None means 0.01).
    """

    def __init__(self, l2=0.01):
        self.l2 = validate_float_arg(0.01 if l2 is None else l2, name="l2")

    def __call__(self, x):
        x = _float_array(x)
        return _factor(self.l2, x.dtype) * np.sum(np.square(x))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2D weight towards being orthogonal.

    The penalty is factor * mean over pairs i < j of |<v_i, v_j>|, the v being the rows
    (mode='rows') or columns (mode='columns') scaled to unit length.

    Args:
        factor: non-negative float.
        mode: 'rows' or 'columns'.
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _as_float32(validate_float_arg(factor, name="factor"))
        if mode not in ("rows", "columns"):
            raise ValueError(
                "Invalid value for argument `mode`. Expected one of "
                f'{{"rows", "columns"}}. Received: mode={mode}'
            )
        self.mode = mode

    def __call__(self, inputs):
        x = _float_array(inputs)
        if x.ndim != 2:
            raise ValueError(
                f"Inputs to OrthogonalRegularizer must have rank 2. Received: "
                f"inputs.shape={x.shape}"
            )
        if self.mode == "columns":
            x = x.T
        # unit rows: x / |x|, with 1/|x| capped at 1/epsilon (as keras.ops.normalize)
        with np.errstate(divide="ignore"):
            inv_norm = 1 / np.sqrt(np.sum(x * x, axis=1, keepdims=True))
        unit = x * np.minimum(inv_norm, 1 / config.epsilon()).astype(x.dtype)
        products = unit @ unit.T
        size = x.shape[0]
        off_diagonal = np.abs(products).sum() - np.abs(np.diag(products)).sum()
        pairs = size * (size - 1) / 2
        return (self.factor * 0.5 * off_diagonal / pairs).astype(x.dtype)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


def _l1_l2_by_name(l1=0.01, l2=0.01):
    """L1L2 with both factors 0.01 by default: what the name 'l1_l2' gives (see Keras's
    L1L2 docstring); 'l1l2' and 'L1L2' give L1L2() with both factors 0. The public
    `l1_l2` is the class itself, as in Keras 3 (l1_l2() has both factors 0)."""
    return L1L2(l1=l1, l2=l2)


ALL_OBJECTS = (Regularizer, L1, L2, L1L2, OrthogonalRegularizer)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT["l1_l2"] = _l1_l2_by_name
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer


def serialize(regularizer):
    """Keras 3's dict: {'module': 'keras.regularizers', 'class_name', 'config', ...}."""
    return serialize_keras_object(regularizer, "keras.regularizers")


def deserialize(config, custom_objects=None):
    """The regularizer a name or config dict describes."""
    return _deserialize(config, ALL_OBJECTS_DICT, "regularizer", custom_objects=custom_objects)


def get(identifier):
    """None -> None; a name, config dict or class -> a new instance; a callable -> itself."""
    return deserialize(identifier)
