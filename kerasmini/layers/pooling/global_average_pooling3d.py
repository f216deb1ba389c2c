"""GlobalAveragePooling3D (alias GlobalAvgPool3D): the mean over a whole volume."""
from kerasmini.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling3D(BaseGlobalPooling):
    """(batch, depth, rows, cols, channels) -> (batch, channels) (keepdims: (batch, 1, 1,
    1, channels)).

    Args:
        data_format: 'channels_last', 'channels_first' or None (the global setting).
        keepdims: keep the spatial axes with length 1.
    """

    rank = 3

    def call(self, inputs):
        return inputs.mean(axis=self._spatial_axes(), keepdims=self.keepdims)


GlobalAvgPool3D = GlobalAveragePooling3D
