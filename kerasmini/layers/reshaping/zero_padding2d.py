"""ZeroPadding2D: rows and columns of zeros around each image."""
import numpy as np

from kerasmini.layers.arguments import is_int, standardize_data_format
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.ops.layout import spatial_axes


def standardize_pairs(value, name):
    """int, (rows, cols) or ((top, bottom), (left, right)) -> ((t, b), (l, r))."""
    message = (f"`{name}` should be either an int, a tuple of 2 ints (symmetric_height_"
               f"{name}, symmetric_width_{name}), or a tuple of 2 tuples of 2 ints "
               f"((top_{name}, bottom_{name}), (left_{name}, right_{name})). "
               f"Received: {name}={value}.")
    if is_int(value):
        pairs = ((value, value), (value, value))
    else:
        try:
            items = tuple(value)
            if len(items) != 2:
                raise ValueError
            pairs = tuple((v, v) if is_int(v) else tuple(v) for v in items)
        except (TypeError, ValueError):
            raise ValueError(message) from None
    if any(len(p) != 2 or not all(is_int(v) and v >= 0 for v in p) for p in pairs):
        raise ValueError(message)
    return tuple(tuple(int(v) for v in p) for p in pairs)


class ZeroPadding2D(Layer):
    """Pads rows (top, bottom) and columns (left, right) with zeros.

    Args:
        padding: int, (rows, cols) or ((top, bottom), (left, right)); default 1.
        data_format: 'channels_last', 'channels_first' or None (the global setting).

    Input shape: 4D. Output shape: rows + top + bottom, cols + left + right.
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        padding = standardize_pairs(padding, "padding")
        data_format = standardize_data_format(data_format)
        super().__init__(**kwargs)
        self.padding, self.data_format = padding, data_format
        self.input_spec = InputSpec(ndim=4)

    def _spatial_axes(self):
        return spatial_axes(2, self.data_format)

    def _pairs(self):
        """(before, after) per spatial axis."""
        return self.padding

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(self._spatial_axes(), self._pairs()):
            if shape[axis] is not None:
                shape[axis] += before + after
        return tuple(shape)

    def call(self, inputs):
        pads = [(0, 0)] * inputs.ndim
        for axis, pair in zip(self._spatial_axes(), self._pairs()):
            pads[axis] = pair
        return np.pad(inputs, pads)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding,
                "data_format": self.data_format}
