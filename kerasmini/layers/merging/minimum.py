"""Minimum: the elementwise minimum of a list of inputs."""
import functools

import numpy as np

from kerasmini.layers.merging.base_merge import Merge, reduce_skipping_masked


class Minimum(Merge):
    """The smallest of `inputs[0], inputs[1], ...` at every position."""

    def _merge(self, inputs):
        return functools.reduce(np.minimum, inputs)  # in order, as Keras

    def call(self, inputs, mask=None):
        if mask is None:
            return self._merge(inputs)
        return reduce_skipping_masked(np.minimum, inputs, mask)


def minimum(inputs, **kwargs):
    """The functional form: `minimum([a, b])` is `Minimum()([a, b])`."""
    return Minimum(**kwargs)(inputs)
