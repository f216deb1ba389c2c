"""GlobalAveragePooling2D (alias GlobalAvgPool2D): the mean over all rows and columns."""
from kerasmini.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling2D(BaseGlobalPooling):
    """(batch, rows, cols, channels) -> (batch, channels) (keepdims: (batch, 1, 1, channels)).

    Args:
        data_format: 'channels_last', 'channels_first' or None (the global setting).
        keepdims: keep the spatial axes with length 1.
    """

    def call(self, inputs):
        return inputs.mean(axis=self._spatial_axes(), keepdims=self.keepdims)


GlobalAvgPool2D = GlobalAveragePooling2D
