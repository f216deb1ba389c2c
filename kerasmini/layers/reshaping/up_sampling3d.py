"""UpSampling3D: each voxel repeated along depth, rows and columns."""
import numpy as np

from kerasmini.layers.arguments import standardize_data_format, standardize_tuple
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.ops.layout import join_channels, spatial_axes, split_channels


class UpSampling3D(Layer):
    """(batch, d, h, w, channels) -> (batch, d * size[0], h * size[1], w * size[2],
    channels), each voxel repeated (nearest neighbour, the only mode Keras has).

    Args:
        size: int or (depth, rows, cols) factors; default (2, 2, 2).
        data_format: 'channels_last', 'channels_first' or None (the global setting).
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        data_format = standardize_data_format(data_format)
        size = standardize_tuple(size, 3, "size")
        super().__init__(**kwargs)
        self.size, self.data_format = size, data_format
        self.input_spec = InputSpec(ndim=5)

    def compute_output_shape(self, input_shape):
        spatial, channels = split_channels(tuple(input_shape), self.data_format)
        spatial = tuple(None if n is None else n * f for n, f in zip(spatial, self.size))
        return join_channels(input_shape[0], spatial, channels, self.data_format)

    def call(self, inputs):
        for axis, factor in zip(spatial_axes(3, self.data_format), self.size):
            inputs = np.repeat(inputs, factor, axis=axis)
        return inputs

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}
