"""Maximum: the elementwise maximum of a list of inputs."""
import numpy as np

from kerasmini.layers.merging.base_merge import Merge


class Maximum(Merge):
    """The largest of `inputs[0], inputs[1], ...` at every position."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = np.maximum(out, x)
        return out


def maximum(inputs, **kwargs):
    """The functional form: `maximum([a, b])` is `Maximum()([a, b])`."""
    return Maximum(**kwargs)(inputs)
