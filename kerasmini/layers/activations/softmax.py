"""Softmax layer: exp(x) / sum(exp(x)) along `axis`."""
from kerasmini import activations
from kerasmini.layers.arguments import axes
from kerasmini.layers.layer import Layer


class Softmax(Layer):
    """Args: axis: int or tuple of ints; default -1."""

    mask_not_implemented = True  # Keras's reads a mask; a mask here raises (layer.py)

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self._build_at_init()
        self.axis = axes(axis, "axis")

    def call(self, inputs):
        return activations.softmax(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
