"""Cropping1D: steps cut from the start and the end of each sequence."""
from kerasmini.layers.arguments import standardize_tuple
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.layers.reshaping.cropping2d import Cropping2D


class Cropping1D(Cropping2D):
    """(batch, steps, features) -> (batch, steps - before - after, features).

    Args:
        cropping: int (both sides) or (before, after); default (1, 1).
    (No data_format: the steps are axis 1, as in Keras.)
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        cropping = standardize_tuple(cropping, 2, "cropping", allow_zero=True)
        Layer.__init__(self, **kwargs)
        self.cropping = cropping
        self.input_spec = InputSpec(ndim=3)

    def _spatial_axes(self):
        return (1,)

    def _pairs(self):
        return (self.cropping,)

    def get_config(self):
        return {**Layer.get_config(self), "cropping": self.cropping}
