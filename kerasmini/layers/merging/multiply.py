"""Multiply: the elementwise product of a list of inputs."""
import functools

import numpy as np

from kerasmini.layers.merging.base_merge import Merge, step_masks


class Multiply(Merge):
    """`inputs[0] * inputs[1] * ...`; a size of 1 is broadcast (e.g. a squeeze-and-excite
    gate of shape (batch, 1, 1, channels) scales a whole feature map)."""

    def _merge(self, inputs):
        return functools.reduce(np.multiply, inputs)  # in order, as Keras

    def call(self, inputs, mask=None):
        """As Keras: a masked entry counts as 1 in the product; when every input has a
        mask, positions no input keeps are 0."""
        if mask is None:
            return self._merge(inputs)
        broadcast = step_masks(inputs, mask)
        output = self._merge([x if m is None else np.where(m, x, np.ones((), x.dtype))
                              for x, m in zip(inputs, broadcast)])
        if any(m is None for m in broadcast):
            return output
        kept = functools.reduce(np.logical_or, broadcast)
        return np.where(kept, output, np.zeros((), output.dtype))


def multiply(inputs, **kwargs):
    """The functional form: `multiply([a, b])` is `Multiply()([a, b])`."""
    return Multiply(**kwargs)(inputs)
