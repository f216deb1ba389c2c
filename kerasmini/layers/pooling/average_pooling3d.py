"""AveragePooling3D (alias AvgPool3D): the mean of each 3D window."""
from kerasmini import ops
from kerasmini.layers.pooling.base_pooling import BasePooling


class AveragePooling3D(BasePooling):
    """Average pooling over (depth, rows, cols) windows of volumes.

    Args:
        pool_size: int or (pd, ph, pw) (no default, as in Keras).
        strides: int, (sd, sh, sw) or None (None means pool_size).
        padding: 'valid' or 'same' ('same' averages only the voxels inside the volume).
        data_format: 'channels_last', 'channels_first' or None (the global setting).

    The mean of a window is the mean over its depth planes of each plane's 2D mean
    (with 'same', the count of real voxels is the product of the per-axis counts), so
    it runs as a 2D average pooling of every plane, then one over depth.
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(3, pool_size, strides=strides, padding=padding,
                         data_format=data_format, name=name, **kwargs)

    def call(self, inputs):
        return self._as_planes_and_columns(inputs, ops.average_pool)


AvgPool3D = AveragePooling3D
