"""ZeroPadding3D: planes, rows and columns of zeros around each volume."""
from kerasmini.layers.arguments import is_int, standardize_data_format, standardize_tuple
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.reshaping.zero_padding2d import ZeroPadding2D
from kerasmini.ops.layout import spatial_axes

_ENTRIES = ("1st", "2nd", "3rd")


def standardize_triple_pairs(value, name, verb):
    """int, 3 ints or 3 pairs -> ((before, after),) * 3 for depth, rows, cols, with
    Keras's messages (`verb`: 'pad' or 'crop', as they name the pairs)."""
    if is_int(value):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((int(value),) * 2,) * 3
    if not hasattr(value, "__len__"):
        raise ValueError(
            f"`{name}` should be either an int, a tuple of 3 ints (symmetric_dim1_{verb}, "
            f"symmetric_dim2_{verb}, symmetric_dim3_{verb}), or a tuple of 3 tuples of 2 "
            f"ints ((left_dim1_{verb}, right_dim1_{verb}), (left_dim2_{verb}, "
            f"right_dim2_{verb}), (left_dim3_{verb}, right_dim2_{verb})). "
            f"Received: {name}={value}.")
    if len(value) != 3:
        raise ValueError(f"`{name}` should have 3 elements. Received: {value}.")
    return tuple(standardize_tuple(entry, 2, f"{which} entry of {name}", allow_zero=True)
                 for which, entry in zip(_ENTRIES, value))


class ZeroPadding3D(ZeroPadding2D):
    """Pads depth, rows and columns with zeros.

    Args:
        padding: int, (depth, rows, cols) or ((before, after),) * 3; default 1 everywhere.
        data_format: 'channels_last', 'channels_first' or None (the global setting).

    Input shape: 5D. Output shape: each spatial size + before + after.
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        padding = standardize_triple_pairs(padding, "padding", "pad")
        data_format = standardize_data_format(data_format)
        super(ZeroPadding2D, self).__init__(**kwargs)
        self.padding, self.data_format = padding, data_format
        self.input_spec = InputSpec(ndim=5)

    def _spatial_axes(self):
        return spatial_axes(3, self.data_format)
