"""Subtract: the elementwise difference of exactly two inputs."""
import numpy as np

from kerasmini.layers.merging.base_merge import Merge, broadcast_shape


class Subtract(Merge):
    """`inputs[0] - inputs[1]`; called on any other number of inputs it raises."""

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={[tuple(s) for s in input_shape]}")
        return broadcast_shape(input_shape, self.name)

    def _merge(self, inputs):
        return np.subtract(inputs[0], inputs[1])


def subtract(inputs, **kwargs):
    """The functional form: `subtract([a, b])` is `Subtract()([a, b])`."""
    return Subtract(**kwargs)(inputs)
