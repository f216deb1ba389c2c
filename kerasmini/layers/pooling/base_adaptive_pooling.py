"""BaseAdaptivePooling: a fixed output size over `rank` spatial axes, whatever the input
size (Keras's bin rule: kerasmini/ops/adaptive_pooling.py)."""
from kerasmini.layers.arguments import is_int, standardize_data_format
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.ops.layout import join_channels, split_channels

AXIS_NAMES = {1: "length", 2: "(height, width)", 3: "(depth, height, width)"}


def standardize_output_size(value, rank):
    """An int or a rank-long tuple/list of ints -> tuple of positive ints. The form is
    Keras's (TypeError, its message); a size below 1, which tf.keras only fails on at the
    call (ZeroDivisionError or inside TF), is a ValueError here."""
    if is_int(value):
        value = (value,) * rank
    elif not (isinstance(value, (tuple, list)) and len(value) == rank):
        raise TypeError(f"`output_size` must be an integer or {AXIS_NAMES[rank]} tuple. "
                        f"Received: {value} of type {type(value)}")
    if not all(is_int(v) and v > 0 for v in value):
        raise ValueError(f"`output_size` must hold {rank} positive integer(s). "
                         f"Received: output_size={value}")
    return tuple(int(v) for v in value)


class BaseAdaptivePooling(Layer):
    """Shared arguments, shapes and config of the adaptive pooling layers; a subclass
    sets `rank` and `pool` (staticmethod of an ops function).

    Args:
        output_size: int, or a tuple/list of `rank` ints, each at least 1: the output's
            spatial sizes. Bin i of an axis of length n covers positions
            [floor(i * n / m), ceil((i + 1) * n / m)) for m = output_size along it.
        data_format: 'channels_last' (batch, *spatial, channels), 'channels_first'
            (batch, channels, *spatial) or None (the global setting).
    """

    rank = 2
    pool = None

    def __init__(self, output_size, data_format=None, **kwargs):
        output_size = standardize_output_size(output_size, self.rank)
        data_format = standardize_data_format(data_format)
        super().__init__(**kwargs)
        self.output_size, self.data_format = output_size, data_format
        # tf.keras has no input spec here: a rank-3 input to a 2D layer is pooled as 1D
        # there, with a wrong shape; here it is a ValueError
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        return self.pool(inputs, self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Layer '{self.name}' expects inputs of rank {self.rank + 2}. "
                             f"Received: input_shape={input_shape}")
        channels = split_channels(input_shape, self.data_format)[1]
        return join_channels(input_shape[0], self.output_size, channels, self.data_format)

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}
