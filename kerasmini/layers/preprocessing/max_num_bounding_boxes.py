"""MaxNumBoundingBoxes: pads or cuts the bounding boxes of a detection batch to a fixed
number; images go through unchanged."""
import numpy as np

from kerasmini.layers.arguments import standardize_data_format
from kerasmini.layers.layer import Layer


class MaxNumBoundingBoxes(Layer):
    """Args: max_number; fill_value (the padding's; as Keras 3.15, not in the config).

    kerasmini takes images only: a dict input (images with bounding boxes) is refused
    (the base layer's ValueError on non-numeric input) rather than boxes left as they
    are."""

    def __init__(self, max_number, fill_value=-1, **kwargs):
        data_format = kwargs.pop("data_format", None)  # Keras takes it in **kwargs
        super().__init__(**kwargs)
        self._build_at_init()
        self.max_number, self.fill_value = int(max_number), int(fill_value)
        self.data_format = standardize_data_format(data_format)

    def call(self, inputs, training=True):
        return np.asanyarray(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "max_number": self.max_number}
