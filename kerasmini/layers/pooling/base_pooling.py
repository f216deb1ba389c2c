"""BasePooling: arguments and shape rules every N-D pooling layer shares."""
import numpy as np

from kerasmini.layers.arguments import (standardize_data_format, standardize_padding,
                                        standardize_tuple)
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.ops.layout import join_channels, split_channels
from kerasmini.ops.shapes import check_output_size, output_length


class BasePooling(Layer):
    """Pooling over `rank` spatial axes; strides=None means strides = pool_size."""

    def __init__(self, rank, pool_size, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        pool_size = standardize_tuple(pool_size, rank, "pool_size")
        strides = pool_size if strides is None else standardize_tuple(strides, rank, "strides")
        padding = standardize_padding(padding)
        data_format = standardize_data_format(data_format)
        super().__init__(name=name, **kwargs)
        self._build_at_init()
        self.rank, self.pool_size, self.strides = rank, pool_size, strides
        self.padding, self.data_format = padding, data_format
        self.input_spec = InputSpec(ndim=rank + 2)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Layer '{self.name}' expects inputs of rank {self.rank + 2}. "
                             f"Received input_shape={input_shape}")
        spatial, channels = split_channels(input_shape, self.data_format)
        out = tuple(output_length(n, k, s, self.padding)
                    for n, k, s in zip(spatial, self.pool_size, self.strides))
        check_output_size(out, input_shape, {"pool_size": self.pool_size,
                                             "strides": self.strides,
                                             "padding": self.padding},
                          ": the pooling window is larger than the input")
        return join_channels(input_shape[0], out, channels, self.data_format)

    def _as_image(self, inputs, pool):
        """pool(...) of a 1D layer's sequence as a 1-row image, with 1-row windows."""
        row_axis = 1 if self.data_format == "channels_last" else 2
        out = pool(np.expand_dims(inputs, row_axis), (1, *self.pool_size),
                   strides=(1, *self.strides), padding=self.padding,
                   data_format=self.data_format)
        return np.squeeze(out, row_axis)

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size,
                "padding": self.padding, "strides": self.strides,
                "data_format": self.data_format}
