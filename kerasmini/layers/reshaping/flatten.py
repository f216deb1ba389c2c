"""Flatten: every axis but the batch axis into one."""
import math

import numpy as np

from kerasmini.layers.arguments import standardize_data_format
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer


class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...).

    Args:
        data_format: with 'channels_first' the channel axis is moved last before
            flattening, so that the order of the values is the channels_last order.
    """

    def __init__(self, data_format=None, **kwargs):
        data_format = standardize_data_format(data_format)
        super().__init__(**kwargs)
        self.data_format = data_format
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = np.moveaxis(inputs, 1, -1)
        return np.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape)[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
