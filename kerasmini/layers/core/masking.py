"""Masking: skip the time steps whose features all equal `mask_value`."""
import numbers

import numpy as np

from kerasmini.layers.layer import Layer
from kerasmini.ops import any as any_of, not_equal


class Masking(Layer):
    """(batch, steps, features) -> the same, with masked steps set to 0, and a mask
    (batch, steps): False where every feature of the step equals `mask_value`. The
    layers after it that read masks (recurrent layers, ...) skip those steps.

    Args:
        mask_value: the value that marks a padded step (default 0.0).
    """

    def __init__(self, mask_value=0.0, **kwargs):
        if isinstance(mask_value, bool) or not isinstance(mask_value, numbers.Real):
            raise ValueError("Argument `mask_value` must be a number. Received: "
                             f"mask_value={mask_value!r}")
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self._build_at_init()

    def compute_mask(self, inputs, mask=None):
        return any_of(not_equal(inputs, self.mask_value), axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs):
        kept = np.any(np.not_equal(np.asarray(inputs), self.mask_value), axis=-1,
                      keepdims=True)
        return np.where(kept, inputs, np.zeros((), inputs.dtype))  # recorded by a tape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
