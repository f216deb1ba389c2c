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

    def _as_planes_and_columns(self, inputs, pool):
        """pool(...) of a 3D layer as two 2D poolings: over (rows, cols) of every depth
        plane, then over depth with a (pool depth, 1) window on those results laid out
        as (depth, rows * cols) images. Both pool reductions (max, mean: the 'same'
        counts multiply per axis) split this way, and the tape records each 2D pooling
        and reshape, so the gradient follows. Max pooling's tie rule survives: depth's
        gradient goes to the first plane holding the window's maximum, then within that
        plane to the first pixel in row-major order: the first in (depth, row, col)."""
        first = self.data_format == "channels_first"
        (depth, rows, cols), channels = split_channels(inputs.shape, self.data_format)
        batch = inputs.shape[0]
        # channels_last: depth joins the batch; channels_first: it joins the channels
        planes = inputs.reshape((batch, channels * depth, rows, cols) if first else
                                (batch * depth, rows, cols, channels))
        planes = pool(planes, self.pool_size[1:], strides=self.strides[1:],
                      padding=self.padding, data_format=self.data_format)
        out_rows, out_cols = split_channels(planes.shape, self.data_format)[0]
        columns = planes.reshape(join_channels(batch, (depth, out_rows * out_cols),
                                               channels, self.data_format))
        out = pool(columns, (self.pool_size[0], 1), strides=(self.strides[0], 1),
                   padding=self.padding, data_format=self.data_format)
        out_depth = split_channels(out.shape, self.data_format)[0][0]
        return out.reshape(join_channels(batch, (out_depth, out_rows, out_cols), channels,
                                         self.data_format))

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size,
                "padding": self.padding, "strides": self.strides,
                "data_format": self.data_format}
