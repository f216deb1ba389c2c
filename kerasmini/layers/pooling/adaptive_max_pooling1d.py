"""AdaptiveMaxPooling1D: the maximum of each of output_size bins per axis."""
from kerasmini import ops
from kerasmini.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    """The maximum of each bin: (batch, steps, features) in, or
    (batch, features, steps) with 'channels_first'. Arguments: BaseAdaptivePooling."""

    rank = 1
    pool = staticmethod(ops.adaptive_max_pool)
