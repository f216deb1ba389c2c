"""BaseGlobalPooling: one value per channel over all spatial positions."""
from kerasmini.layers.arguments import standardize_data_format
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.ops.layout import spatial_axes


class BaseGlobalPooling(Layer):
    """Shared arguments and shapes of the global pooling layers over `rank` axes."""

    rank = 2  # spatial axes; the 1D layers set 1

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        data_format = standardize_data_format(data_format)
        super().__init__(**kwargs)
        self._build_at_init()
        self.data_format, self.keepdims = data_format, bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial_axes(self):
        return spatial_axes(self.rank, self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        axes = self._spatial_axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}
