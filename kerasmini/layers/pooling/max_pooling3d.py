"""MaxPooling3D (alias MaxPool3D): the largest value of each 3D window."""
from kerasmini import ops
from kerasmini.layers.pooling.base_pooling import BasePooling


class MaxPooling3D(BasePooling):
    """Max pooling over (depth, rows, cols) windows of volumes.

    Args:
        pool_size: int or (pd, ph, pw); default (2, 2, 2).
        strides: int, (sd, sh, sw) or None (None means pool_size).
        padding: 'valid' or 'same' (padding never wins).
        data_format: 'channels_last' (batch, depth, rows, cols, channels),
            'channels_first' (batch, channels, depth, rows, cols) or None (the global
            setting).

    Runs as a 2D max pooling of every depth plane, then one over depth
    (BasePooling._as_planes_and_columns).
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(3, pool_size, strides=strides, padding=padding,
                         data_format=data_format, name=name, **kwargs)

    def call(self, inputs):
        return self._as_planes_and_columns(inputs, ops.max_pool)


MaxPool3D = MaxPooling3D
