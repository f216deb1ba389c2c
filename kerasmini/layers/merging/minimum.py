"""Minimum: the elementwise minimum of a list of inputs."""
import numpy as np

from kerasmini.layers.merging.base_merge import Merge


class Minimum(Merge):
    """The smallest of `inputs[0], inputs[1], ...` at every position."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = np.minimum(out, x)
        return out


def minimum(inputs, **kwargs):
    """The functional form: `minimum([a, b])` is `Minimum()([a, b])`."""
    return Minimum(**kwargs)(inputs)
