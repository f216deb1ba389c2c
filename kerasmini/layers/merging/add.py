"""Add: the elementwise sum of a list of inputs."""
import functools

import numpy as np

from kerasmini.layers.merging.base_merge import Merge


class Add(Merge):
    """`inputs[0] + inputs[1] + ...` for a list of inputs of the same shape."""

    def _merge(self, inputs):
        return functools.reduce(np.add, inputs)  # in order, as Keras


def add(inputs, **kwargs):
    """The functional form: `add([a, b])` is `Add()([a, b])`."""
    return Add(**kwargs)(inputs)
