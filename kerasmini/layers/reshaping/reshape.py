"""Reshape: a new shape for each sample (the batch axis stays)."""
import math

import numpy as np

from kerasmini.layers.arguments import is_int
from kerasmini.layers.layer import Layer


class Reshape(Layer):
    """(batch, ...) -> (batch, *target_shape); one entry of target_shape may be -1.

    Args:
        target_shape: the shape of one output sample, without the batch axis.
    """

    def __init__(self, target_shape, **kwargs):
        if (not isinstance(target_shape, (list, tuple))
                or not all(is_int(d) for d in target_shape)):  # '12' is not (1, 2)
            raise ValueError("Argument `target_shape` must be a tuple of integers. "
                             f"Received: target_shape={target_shape!r}")
        target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in target_shape) > 1 or any(d < -1 or d == 0
                                                        for d in target_shape):
            raise ValueError("There must be at most one unknown dimension (-1) and all "
                             "others positive in `target_shape`. Received: "
                             f"target_shape={target_shape}")
        super().__init__(**kwargs)
        self._build_at_init()
        self.target_shape = target_shape

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape)[1:]
        if -1 not in self.target_shape:
            if None not in rest and math.prod(rest) != math.prod(self.target_shape):
                raise ValueError(self._mismatch(input_shape))
            return (input_shape[0], *self.target_shape)
        if None in rest:
            return (input_shape[0], *(None if d == -1 else d for d in self.target_shape))
        known = -math.prod(self.target_shape)
        if math.prod(rest) % known:
            raise ValueError(self._mismatch(input_shape))
        return (input_shape[0], *(math.prod(rest) // known if d == -1 else d
                                  for d in self.target_shape))

    def _mismatch(self, input_shape):
        return (f"The total size of the tensor must be unchanged. Received: "
                f"input_shape={tuple(input_shape)}, target_shape={self.target_shape}")

    def call(self, inputs):
        return np.reshape(inputs, (inputs.shape[0], *self.target_shape))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
