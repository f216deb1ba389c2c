"""ELU layer: x for x > 0, alpha * (exp(x) - 1) otherwise."""
from kerasmini import activations
from kerasmini.layers.arguments import real
from kerasmini.layers.layer import Layer


class ELU(Layer):
    """Args: alpha: float; default 1.0."""

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self._build_at_init()
        self.alpha = real(alpha, "alpha")

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
