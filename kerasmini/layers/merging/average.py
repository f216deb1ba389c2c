"""Average: the elementwise mean of a list of inputs."""
import numpy as np

from kerasmini.layers.merging.base_merge import Merge


class Average(Merge):
    """`(inputs[0] + inputs[1] + ...) / len(inputs)`, summed in order as Keras does."""

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = np.add(out, x)
        return (out / np.asarray(len(inputs), dtype=out.dtype)).astype(out.dtype)


def average(inputs, **kwargs):
    """The functional form: `average([a, b])` is `Average()([a, b])`."""
    return Average(**kwargs)(inputs)
