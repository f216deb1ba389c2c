"""Activation: applies an activation function by name or callable."""
from kerasmini import activations
from kerasmini.layers.layer import Layer


class Activation(Layer):
    """`activation(inputs)`, e.g. Activation('relu'); the shape is unchanged."""

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, activation, **kwargs):
        activation = activations.get(activation)
        super().__init__(**kwargs)
        self._build_at_init()
        self.activation = activation

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(),
                "activation": activations.serialize(self.activation)}
