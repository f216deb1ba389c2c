"""MaxPooling2D (alias MaxPool2D): the largest value of each window."""
from kerasmini import ops
from kerasmini.layers.pooling.base_pooling import BasePooling


class MaxPooling2D(BasePooling):
    """Max pooling over 2D windows.

    Args:
        pool_size: int or (ph, pw); default (2, 2).
        strides: int, (sh, sw) or None (None means pool_size).
        padding: 'valid' or 'same' ('same' pads with -inf, so padding never wins).
        data_format: 'channels_last', 'channels_first' or None (the global setting).

    Input shape: 4D, (batch, rows, cols, channels) or (batch, channels, rows, cols).
    Output shape: rows/cols become the number of window positions.
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(2, pool_size, strides=strides, padding=padding,
                         data_format=data_format, name=name, **kwargs)

    def call(self, inputs):
        return ops.max_pool(inputs, self.pool_size, strides=self.strides,
                            padding=self.padding, data_format=self.data_format)


MaxPool2D = MaxPooling2D
