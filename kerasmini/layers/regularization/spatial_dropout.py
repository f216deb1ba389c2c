"""SpatialDropout1D/2D/3D: Dropout of whole channels (feature maps), not single values."""
from kerasmini.layers.arguments import standardize_data_format
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.regularization.dropout import Dropout
from kerasmini.ops.layout import join_channels, split_channels


class SpatialDropout1D(Dropout):
    """For (batch, steps, channels) inputs: while training, each channel of each sample
    is kept or zeroed as a whole; the identity at inference."""

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs, training=False):
        self.noise_shape = (inputs.shape[0], 1, inputs.shape[2])
        return super().call(inputs, training=training)

    def get_config(self):  # Keras's own short form: no `trainable`, dtype as a name
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


class SpatialDropout2D(Dropout):
    """For images: while training, each channel of each sample is kept or zeroed as a
    whole (data_format says where the channels are); the identity at inference."""

    rank = 2

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs, training=False):
        _, channels = split_channels(inputs.shape, self.data_format)
        self.noise_shape = join_channels(inputs.shape[0], (1,) * self.rank, channels,
                                         self.data_format)
        return super().call(inputs, training=training)

    def get_config(self):
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype,
                "data_format": self.data_format}


class SpatialDropout3D(SpatialDropout2D):
    """For volumes: while training, each channel of each sample is kept or zeroed as a
    whole; the identity at inference."""

    rank = 3
