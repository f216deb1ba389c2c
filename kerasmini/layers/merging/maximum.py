"""Maximum: the elementwise maximum of a list of inputs."""
import functools

import numpy as np

from kerasmini.layers.merging.base_merge import Merge


class Maximum(Merge):
    """The largest of `inputs[0], inputs[1], ...` at every position."""

    def _merge(self, inputs):
        return functools.reduce(np.maximum, inputs)  # in order, as Keras


def maximum(inputs, **kwargs):
    """The functional form: `maximum([a, b])` is `Maximum()([a, b])`."""
    return Maximum(**kwargs)(inputs)
