"""ZeroPadding1D: steps of zeros before and after each sequence."""
from kerasmini.layers.arguments import standardize_data_format, standardize_tuple
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.reshaping.zero_padding2d import ZeroPadding2D
from kerasmini.ops.layout import spatial_axes


class ZeroPadding1D(ZeroPadding2D):
    """Pads the steps axis with `padding` zeros: (batch, steps, features) ->
    (batch, before + steps + after, features).

    Args:
        padding: int (both sides) or (before, after); default 1.
        data_format: 'channels_last' (batch, steps, features), 'channels_first'
            (batch, features, steps) or None (the global setting).
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        padding = standardize_tuple(padding, 2, "padding", allow_zero=True)
        data_format = standardize_data_format(data_format)
        super(ZeroPadding2D, self).__init__(**kwargs)
        self.padding, self.data_format = padding, data_format
        self.input_spec = InputSpec(ndim=3)

    def _spatial_axes(self):
        return spatial_axes(1, self.data_format)

    def _pairs(self):
        return (self.padding,)
