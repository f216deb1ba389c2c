"""LeakyReLU layer: x for x > 0, negative_slope * x otherwise."""
from kerasmini import activations
from kerasmini.layers.layer import Layer


class LeakyReLU(Layer):
    """Args: negative_slope: float >= 0; default 0.3 (Keras's layer default)."""

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:  # Keras 2's name for it
            negative_slope = kwargs.pop("alpha")
        if negative_slope is None or negative_slope < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be "
                             "None or negative value. Expected a float. Received: "
                             f"negative_slope={negative_slope}")
        super().__init__(**kwargs)
        self._build_at_init()
        self.negative_slope = float(negative_slope)

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
