"""Cropping3D: planes, rows and columns cut from the edges of each volume."""
from kerasmini.layers.arguments import standardize_data_format
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.layers.reshaping.cropping2d import Cropping2D
from kerasmini.layers.reshaping.zero_padding3d import standardize_triple_pairs
from kerasmini.ops.layout import spatial_axes


class Cropping3D(Cropping2D):
    """Removes (before, after) planes, rows and columns.

    Args:
        cropping: int, (depth, rows, cols) or ((before, after),) * 3; default 1 everywhere.
        data_format: 'channels_last', 'channels_first' or None (the global setting).

    Input shape: 5D. Output shape: each spatial size - before - after (must stay > 0).
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        cropping = standardize_triple_pairs(cropping, "cropping", "crop")
        data_format = standardize_data_format(data_format)
        Layer.__init__(self, **kwargs)
        self.cropping, self.data_format = cropping, data_format
        self.input_spec = InputSpec(ndim=5)

    def _spatial_axes(self):
        return spatial_axes(3, self.data_format)
