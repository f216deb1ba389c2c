"""GlobalAveragePooling1D (alias GlobalAvgPool1D): the mean over all steps."""
from kerasmini.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """(batch, steps, features) -> (batch, features) (keepdims: (batch, 1, features)).

    Args:
        data_format: 'channels_last' (batch, steps, features), 'channels_first'
            (batch, features, steps) or None (the global setting).
        keepdims: keep the steps axis with length 1.
    """

    rank = 1

    def call(self, inputs):
        return inputs.mean(axis=self._spatial_axes(), keepdims=self.keepdims)


GlobalAvgPool1D = GlobalAveragePooling1D
