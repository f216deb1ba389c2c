"""Concatenate: a list of inputs joined along one axis."""
import numpy as np

from kerasmini.layers.arguments import integer
from kerasmini import ops
from kerasmini.layers.merging.base_merge import Merge, _check_mask_list


class Concatenate(Merge):
    """Joins inputs that agree on every axis but `axis` (default -1, the channels)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = integer(axis, "axis")

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        ndim = len(shapes[0])
        if any(len(s) != ndim for s in shapes) or not -ndim <= self.axis < ndim:
            raise ValueError(self._mismatch(shapes))
        axis = self.axis % ndim
        out = list(shapes[0])
        for s in shapes[1:]:
            for i, (a, b) in enumerate(zip(out, s)):
                if i == axis:
                    out[i] = None if a is None or b is None else a + b
                elif a is not None and b is not None and a != b:
                    raise ValueError(self._mismatch(shapes))
                elif a is None:
                    out[i] = b
        return tuple(out)

    def _mismatch(self, shapes):
        return ("A `Concatenate` layer requires inputs with matching shapes except for "
                f"the concatenation axis. Received: input_shape={shapes}, axis={self.axis}")

    def _merge(self, inputs):
        return np.concatenate(inputs, axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        """As Keras: each input's mask spread over its features (all True for an input
        without one), joined along `axis`, then any() over the last axis."""
        if mask is None:
            return None
        _check_mask_list(inputs, mask)
        if all(m is None for m in mask):
            return None
        spread = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = ops.ones_like(x, dtype="bool")
            elif len(m.shape) < len(x.shape):
                m = ops.logical_or(ops.expand_dims(m, axis=-1), ops.zeros_like(x, dtype="bool"))
            spread.append(m)
        return ops.any(ops.concatenate(spread, axis=self.axis), axis=-1, keepdims=False)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis=-1, **kwargs):
    """The functional form: `concatenate([a, b])` is `Concatenate()([a, b])`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
