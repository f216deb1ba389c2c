"""AdaptiveMaxPooling2D: the maximum of each of output_size bins per axis."""
from kerasmini import ops
from kerasmini.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveMaxPooling2D(BaseAdaptivePooling):
    """The maximum of each bin: (batch, rows, cols, channels) in, or
    (batch, channels, rows, cols) with 'channels_first'. Arguments: BaseAdaptivePooling."""

    rank = 2
    pool = staticmethod(ops.adaptive_max_pool)
