"""Cropping2D: rows and columns cut from the edges of each image."""
from kerasmini.layers.arguments import standardize_data_format
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.layers.reshaping.zero_padding2d import standardize_pairs
from kerasmini.ops.layout import spatial_axes


class Cropping2D(Layer):
    """Removes rows (top, bottom) and columns (left, right).

    Args:
        cropping: int, (rows, cols) or ((top, bottom), (left, right)); default 0.
        data_format: 'channels_last', 'channels_first' or None (the global setting).

    Input shape: 4D. Output shape: rows - top - bottom, cols - left - right.
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        cropping = standardize_pairs(cropping, "cropping")
        data_format = standardize_data_format(data_format)
        super().__init__(**kwargs)
        self.cropping, self.data_format = cropping, data_format
        self.input_spec = InputSpec(ndim=4)

    def _spatial_axes(self):
        return spatial_axes(2, self.data_format)

    def _pairs(self):
        """(before, after) per spatial axis."""
        return self.cropping

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(self._spatial_axes(), self._pairs()):
            if shape[axis] is not None:
                if shape[axis] <= before + after:
                    raise ValueError(
                        "Values in `cropping` argument should be smaller than the "
                        f"corresponding spatial dimension of the input. Received: "
                        f"input_shape={tuple(input_shape)}, cropping={self.cropping}")
                shape[axis] -= before + after
        return tuple(shape)

    def call(self, inputs):
        index = [slice(None)] * inputs.ndim
        for axis, (before, after) in zip(self._spatial_axes(), self._pairs()):
            index[axis] = slice(before, inputs.shape[axis] - after)
        return inputs[tuple(index)].copy()

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}
