"""AveragePooling2D (alias AvgPool2D): the mean of each window."""
from kerasmini import ops
from kerasmini.layers.pooling.base_pooling import BasePooling


class AveragePooling2D(BasePooling):
    """Average pooling over 2D windows.

    Args:
        pool_size: int or (ph, pw); default (2, 2).
        strides: int, (sh, sw) or None (None means pool_size).
        padding: 'valid' or 'same' ('same' averages only the pixels inside the image,
            as TensorFlow does: padding never counts).
        data_format: 'channels_last', 'channels_first' or None (the global setting).
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(2, pool_size, strides=strides, padding=padding,
                         data_format=data_format, name=name, **kwargs)

    def call(self, inputs):
        return ops.average_pool(inputs, self.pool_size, strides=self.strides,
                                padding=self.padding, data_format=self.data_format)


AvgPool2D = AveragePooling2D
