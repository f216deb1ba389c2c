"""GlobalMaxPooling2D (alias GlobalMaxPool2D): the maximum over all rows and columns."""
from kerasmini.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling2D(BaseGlobalPooling):
    """(batch, rows, cols, channels) -> (batch, channels) (keepdims: (batch, 1, 1, channels)).

    Args:
        data_format: 'channels_last', 'channels_first' or None (the global setting).
        keepdims: keep the spatial axes with length 1.
    """

    def call(self, inputs):
        return inputs.max(axis=self._spatial_axes(), keepdims=self.keepdims)


GlobalMaxPool2D = GlobalMaxPooling2D
