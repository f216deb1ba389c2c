"""AdaptiveAveragePooling1D: the mean of each of output_size bins per axis."""
from kerasmini import ops
from kerasmini.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """The mean of each bin: (batch, steps, features) in, or
    (batch, features, steps) with 'channels_first'. Arguments: BaseAdaptivePooling."""

    rank = 1
    pool = staticmethod(ops.adaptive_average_pool)
