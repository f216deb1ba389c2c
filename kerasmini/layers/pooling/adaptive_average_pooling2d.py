"""AdaptiveAveragePooling2D: the mean of each of output_size bins per axis."""
from kerasmini import ops
from kerasmini.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    """(batch, rows, cols, channels) -> the same with output_size for
    the spatial sizes.

    Args:
        output_size: int or a tuple/list of 2 ints >= 1: the output's
            (rows, cols).
        data_format: 'channels_last' (batch, rows, cols, channels), 'channels_first'
            (batch, channels, rows, cols) or None (the global setting).

    Bin i of an axis of length n covers [floor(i * n / m), ceil((i + 1) * n / m)) for
    m = output_size along it (ops/adaptive_pooling.py).
    """

    rank = 2
    pool = staticmethod(ops.adaptive_average_pool)
