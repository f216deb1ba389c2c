"""Multiply: the elementwise product of a list of inputs."""
import functools

import numpy as np

from kerasmini.layers.merging.base_merge import Merge


class Multiply(Merge):
    """`inputs[0] * inputs[1] * ...`; a size of 1 is broadcast (e.g. a squeeze-and-excite
    gate of shape (batch, 1, 1, channels) scales a whole feature map)."""

    def _merge(self, inputs):
        return functools.reduce(np.multiply, inputs)  # in order, as Keras


def multiply(inputs, **kwargs):
    """The functional form: `multiply([a, b])` is `Multiply()([a, b])`."""
    return Multiply(**kwargs)(inputs)
