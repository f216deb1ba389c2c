"""AdaptiveAveragePooling3D: the mean of each of output_size bins per axis."""
from kerasmini import ops
from kerasmini.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveAveragePooling3D(BaseAdaptivePooling):
    """The mean of each bin: (batch, depth, rows, cols, channels) in, or
    (batch, channels, depth, rows, cols) with 'channels_first'.
    Arguments: BaseAdaptivePooling."""

    rank = 3
    pool = staticmethod(ops.adaptive_average_pool)
