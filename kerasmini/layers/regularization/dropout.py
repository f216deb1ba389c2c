"""Dropout: the identity at inference; with training=True, zeros a fraction `rate`."""
import numbers

import numpy as np

from kerasmini import autodiff
from kerasmini.layers.arguments import is_int
from kerasmini.layers.layer import Layer
from kerasmini.ops.dropout import dropout_apply
from kerasmini.utils.rng_utils import numpy_generator


class Dropout(Layer):
    """Randomly sets inputs to 0 with probability `rate` when training=True, and scales
    the kept ones by 1 / (1 - rate) so that the expected sum is unchanged.

    Args:
        rate: float in [0, 1], the fraction of the inputs to drop.
        noise_shape: shape of the keep/drop mask, broadcast over the input (None entries
            take the input's size), e.g. (batch, 1, 1, channels) drops whole channels.
        seed: int seed for the random mask.

    Called with training=None or False (as in `model.predict`), the output is the input.
    """

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        if not isinstance(rate, numbers.Real):  # tf.keras fails comparing it: TypeError
            raise TypeError("Invalid type for argument `rate`: expected a float between 0 "
                            f"and 1. Received: rate={rate!r} of type {type(rate).__name__}")
        if isinstance(rate, bool) or not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        super().__init__(**kwargs)
        self._build_at_init()
        self.rate = float(rate)
        if noise_shape is not None and (not isinstance(noise_shape, (list, tuple)) or not all(
                d is None or is_int(d) for d in noise_shape)):
            raise ValueError("Invalid value received for argument `noise_shape`. Expected "
                             "a tuple or list of integers or None. Received: "
                             f"noise_shape={noise_shape!r}")
        if seed is not None and not is_int(seed):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed!r}")
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = numpy_generator(seed)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:  # everything dropped: the gradient is zero, not missing
            return autodiff.record(np.zeros_like(np.asarray(inputs)), (inputs,),
                                   lambda g: (np.zeros_like(g),), "dropout")
        return dropout_apply(inputs, self._keep_mask(inputs.shape), 1 - self.rate)

    def _keep_mask(self, shape):
        """True where an input is kept: a `noise_shape` mask (None entries: the input's
        size) broadcasting against the input."""
        if self.noise_shape is not None:
            shape = tuple(n if n is not None else d for n, d in zip(self.noise_shape, shape))
        return self._rng.random(shape) >= self.rate

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}
