"""GaussianNoise: adds N(0, stddev) noise while training; the identity at inference."""
import numbers

from kerasmini.layers.layer import Layer
from kerasmini.utils.rng_utils import numpy_generator


class GaussianNoise(Layer):
    """Args: stddev: float >= 0, the noise's standard deviation; seed."""

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, stddev, seed=None, **kwargs):
        if not isinstance(stddev, numbers.Real) or not 0 <= stddev:
            raise ValueError("Invalid value received for argument `stddev`. Expected a "
                             f"float value >= 0. Received: stddev={stddev}")
        super().__init__(**kwargs)
        self._build_at_init()
        self.stddev, self.seed = stddev, seed
        self._rng = numpy_generator(seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = self._rng.normal(0.0, self.stddev, size=inputs.shape)
        return (inputs + noise).astype(inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
