"""Identity: returns its input unchanged (a placeholder in a graph)."""
from kerasmini.layers.layer import Layer


class Identity(Layer):
    """The output is the input; no weights."""

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._build_at_init()

    def _convert_input(self, inputs):  # any dtype passes through, as in Keras
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs):
        return inputs
