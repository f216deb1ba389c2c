"""Average: the elementwise mean of a list of inputs."""
import functools

import numpy as np

from kerasmini.layers.merging.base_merge import Merge


class Average(Merge):
    """`(inputs[0] + inputs[1] + ...) / len(inputs)`, summed in order as Keras does."""

    def _merge(self, inputs):
        total = functools.reduce(np.add, inputs)  # summed in order, as Keras
        return (total / np.asarray(len(inputs), dtype=total.dtype)).astype(total.dtype)


def average(inputs, **kwargs):
    """The functional form: `average([a, b])` is `Average()([a, b])`."""
    return Average(**kwargs)(inputs)
