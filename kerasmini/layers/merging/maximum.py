"""Maximum: the elementwise maximum of a list of inputs."""
import functools

import numpy as np

from kerasmini.layers.merging.base_merge import Merge, reduce_skipping_masked


class Maximum(Merge):
    """The largest of `inputs[0], inputs[1], ...` at every position."""

    def _merge(self, inputs):
        return functools.reduce(np.maximum, inputs)  # in order, as Keras

    def call(self, inputs, mask=None):
        if mask is None:
            return self._merge(inputs)
        return reduce_skipping_masked(np.maximum, inputs, mask)


def maximum(inputs, **kwargs):
    """The functional form: `maximum([a, b])` is `Maximum()([a, b])`."""
    return Maximum(**kwargs)(inputs)
