"""Add: the elementwise sum of a list of inputs."""
import numpy as np

from kerasmini.layers.merging.base_merge import Merge, broadcast_shape


class Add(Merge):
    """`inputs[0] + inputs[1] + ...` for a list of inputs of the same shape."""

    def compute_output_shape(self, input_shape):
        return broadcast_shape(input_shape, self.name)

    def _merge(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = np.add(out, x)
        return out
