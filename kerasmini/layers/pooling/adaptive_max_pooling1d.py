"""AdaptiveMaxPooling1D: the maximum of each of output_size bins per axis."""
from kerasmini import ops
from kerasmini.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    """(batch, steps, features) -> the same with output_size for
    the spatial sizes.

    Args:
        output_size: int: the output's length, each at least 1.
        data_format: 'channels_last' (batch, steps, features), 'channels_first'
            (batch, features, steps) or None (the global setting).

    Bin i of an axis of length n covers [floor(i * n / m), ceil((i + 1) * n / m)) for
    m = output_size along it (ops/adaptive_pooling.py).
    """

    rank = 1
    pool = staticmethod(ops.adaptive_max_pool)
