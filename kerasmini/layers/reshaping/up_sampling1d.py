"""UpSampling1D: each step repeated `size` times."""
import numpy as np

from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer


class UpSampling1D(Layer):
    """(batch, steps, features) -> (batch, steps * size, features), each step repeated.

    Args:
        size: positive int; default 2. (No data_format: the steps are axis 1, as Keras.)
    """

    def __init__(self, size=2, **kwargs):
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"Expected an integer value for `size`, got {type(size)}.")
        if size <= 0:
            raise ValueError(f"Argument `size` should be a positive integer. Received: size={size}")
        super().__init__(**kwargs)
        self.size = size
        self.input_spec = InputSpec(ndim=3)

    def compute_output_shape(self, input_shape):
        steps = None if input_shape[1] is None else input_shape[1] * self.size
        return (input_shape[0], steps, input_shape[2])

    def call(self, inputs):
        return np.repeat(inputs, self.size, axis=1)

    def get_config(self):
        return {**super().get_config(), "size": self.size}
