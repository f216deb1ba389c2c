"""MaxPooling1D (alias MaxPool1D): 2D max pooling over a unit-height image."""
from kerasmini import ops
from kerasmini.layers.pooling.base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    """Max pooling over 1D windows of (batch, steps, features) inputs.

    Args:
        pool_size: int; default 2.
        strides: int or None (None means pool_size).
        padding: 'valid' or 'same'.
        data_format: 'channels_last' (batch, steps, features) or 'channels_first'.

    The sequence becomes a 1-row image and goes through the same kernel as MaxPooling2D.
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(1, pool_size, strides=strides, padding=padding,
                         data_format=data_format, name=name, **kwargs)

    def call(self, inputs):
        return self._as_image(inputs, ops.max_pool)


MaxPool1D = MaxPooling1D
