"""RepeatVector: (batch, features) -> (batch, n, features)."""
import numpy as np

from kerasmini.layers.arguments import is_int
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer


class RepeatVector(Layer):
    """Repeats each sample's feature vector `n` times along a new axis 1."""

    def __init__(self, n, **kwargs):
        if not is_int(n):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        super().__init__(**kwargs)
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def call(self, inputs):
        return np.concatenate([inputs[:, None, :]] * self.n, axis=1)  # a tape follows it

    def get_config(self):
        return {**super().get_config(), "n": self.n}
