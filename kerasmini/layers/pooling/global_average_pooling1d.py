"""GlobalAveragePooling1D (alias GlobalAvgPool1D): the mean over all steps."""
import numpy as np

from kerasmini.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """(batch, steps, features) -> (batch, features) (keepdims: (batch, 1, features)).

    Args:
        data_format: 'channels_last' (batch, steps, features), 'channels_first'
            (batch, features, steps) or None (the global setting).
        keepdims: keep the steps axis with length 1.
    """

    rank = 1
    supports_masking = True

    def call(self, inputs, mask=None):
        """With a mask (batch, steps): the mean over the kept steps only, as Keras."""
        axis = self._spatial_axes()
        if mask is None:
            return inputs.mean(axis=axis, keepdims=self.keepdims)
        kept = np.expand_dims(mask, 2 if self.data_format == "channels_last" else 1)
        total = np.where(kept, inputs, np.zeros((), inputs.dtype)).sum(
            axis=axis, keepdims=self.keepdims)
        with np.errstate(invalid="ignore"):  # no step kept: 0 / 0 = NaN, as Keras
            return total / kept.astype(inputs.dtype).sum(axis=axis, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None  # the steps are gone


GlobalAvgPool1D = GlobalAveragePooling1D
