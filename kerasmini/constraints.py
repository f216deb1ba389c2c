"""Weight constraints: NonNeg, MaxNorm, MinMaxNorm, UnitNorm, as `keras.constraints`.

A constraint is called on a weight array after each update and returns the projected
array (same shape and dtype). Norms are taken along `axis`: for a Dense kernel
(in, units), axis=0 constrains each unit's incoming weights; for a Conv2D kernel
(kh, kw, in, filters), axis=[0, 1, 2] constrains each filter.
"""
import numpy as np

from kerasmini import config
from kerasmini.object_configs import deserialize as _deserialize
from kerasmini.object_configs import serialize_keras_object, snake_case


def _float_array(w):
    w = np.asarray(w)
    return w if np.issubdtype(w.dtype, np.floating) else w.astype(config.floatx())


def _norms(w, axis):
    """The L2 norms of w along axis (an int or a list of ints), kept as size-1 axes."""
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: `constraint(w)` -> projected w (the base class returns w unchanged)."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MaxNorm(Constraint):
    """Rescales the weights whose norm along `axis` exceeds `max_value` down to it.

    Args:
        max_value: the largest norm allowed.
        axis: int or list of ints, the axes to take norms along.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _float_array(w)
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return (w * (desired / (config.epsilon() + norms))).astype(w.dtype)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to 0."""

    def __call__(self, w):
        w = _float_array(w)
        return np.maximum(w, 0).astype(w.dtype)


class UnitNorm(Constraint):
    """Rescales the weights to norm 1 along `axis` (w / (epsilon + |w|)).

    Args:
        axis: int or list of ints, the axes to take norms along.
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _float_array(w)
        return (w / (config.epsilon() + _norms(w, self.axis))).astype(w.dtype)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves the norm along `axis` towards [min_value, max_value].

    The new norm is rate * clip(norm, min_value, max_value) + (1 - rate) * norm: rate=1
    enforces the bounds at once, a smaller rate gets there over several steps.

    Args:
        min_value: the smallest norm allowed.
        max_value: the largest norm allowed.
        rate: how far to move towards the bounds at each call, in [0, 1].
        axis: int or list of ints, the axes to take norms along.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _float_array(w)
        norms = _norms(w, self.axis)
        desired = (self.rate * np.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return (w * (desired / (config.epsilon() + norms))).astype(w.dtype)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value,
                "rate": self.rate, "axis": self.axis}


ALL_OBJECTS = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({snake_case(cls.__name__): cls for cls in ALL_OBJECTS})
max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm


def serialize(constraint):
    """Keras 3's dict: {'module': 'keras.constraints', 'class_name', 'config', ...}."""
    return serialize_keras_object(constraint, "keras.constraints")


def deserialize(config, custom_objects=None):
    """The constraint a name or config dict describes."""
    return _deserialize(config, ALL_OBJECTS_DICT, "constraint", custom_objects=custom_objects)


def get(identifier):
    """None -> None; a name, config dict or class -> a new instance; a callable -> itself."""
    return deserialize(identifier)
