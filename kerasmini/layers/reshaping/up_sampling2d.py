"""UpSampling2D: each image enlarged by integer factors ('nearest' or 'bilinear')."""
import numpy as np

from kerasmini import ops
from kerasmini.layers.arguments import standardize_data_format, standardize_tuple
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.ops.layout import join_channels, spatial_axes, split_channels
from kerasmini.ops.resizing import INTERPOLATIONS


class UpSampling2D(Layer):
    """(batch, rows, cols, channels) -> (batch, rows * size[0], cols * size[1], channels).

    Args:
        size: int or (rows factor, cols factor); default (2, 2).
        data_format: 'channels_last', 'channels_first' or None (the global setting).
        interpolation: 'nearest' (each pixel repeated) or 'bilinear' (TensorFlow's
            half-pixel-centre resize, as Keras calls it); Keras's other methods
            ('bicubic', 'lanczos3', ...) raise ValueError: kerasmini does not have them.
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        size = standardize_tuple(size, 2, "size")
        data_format = standardize_data_format(data_format)
        interpolation = str(interpolation).lower()
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"kerasmini's UpSampling2D supports interpolation "
                             f"{INTERPOLATIONS}. Received: interpolation={interpolation}")
        super().__init__(**kwargs)
        self.size, self.data_format, self.interpolation = size, data_format, interpolation
        self.input_spec = InputSpec(ndim=4)

    def compute_output_shape(self, input_shape):
        (rows, cols), channels = split_channels(input_shape, self.data_format)
        spatial = tuple(None if n is None else n * f for n, f in zip((rows, cols), self.size))
        return join_channels(input_shape[0], spatial, channels, self.data_format)

    def call(self, inputs):
        if self.interpolation == "nearest":
            for axis, factor in zip(spatial_axes(2, self.data_format), self.size):
                inputs = np.repeat(inputs, factor, axis=axis)
            return inputs
        (rows, cols), _ = split_channels(inputs.shape, self.data_format)
        return ops.resize(inputs, (rows * self.size[0], cols * self.size[1]),
                          "bilinear", self.data_format)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}
