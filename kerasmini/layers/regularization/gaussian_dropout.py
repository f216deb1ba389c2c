"""GaussianDropout: multiplies by N(1, rate / (1 - rate)) noise while training; the
identity at inference."""
import math
import numbers

from kerasmini.layers.layer import Layer
from kerasmini.utils.rng_utils import numpy_generator


class GaussianDropout(Layer):
    """Args: rate: float in [0, 1], the drop probability the noise stands for; seed."""

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, rate, seed=None, **kwargs):
        if not isinstance(rate, numbers.Real) or not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        super().__init__(**kwargs)
        self._build_at_init()
        self.rate, self.seed = rate, seed
        self._rng = numpy_generator(seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return (inputs * self._rng.normal(1.0, stddev, size=inputs.shape)).astype(
            inputs.dtype)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
