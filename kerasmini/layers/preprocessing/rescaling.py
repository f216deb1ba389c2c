"""Rescaling: inputs * scale + offset, e.g. Rescaling(1 / 255) for 8-bit images."""
import numpy as np

from kerasmini.layers.layer import Layer


class Rescaling(Layer):
    """Args: scale: float (or per-channel list); offset: float (or list); default 0."""

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, scale, offset=0.0, **kwargs):
        for name, value in (("scale", scale), ("offset", offset)):
            _check_numbers(value, name)
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs):
        scale = np.asarray(self.scale, dtype=inputs.dtype)
        offset = np.asarray(self.offset, dtype=inputs.dtype)
        return inputs * scale + offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


def _check_numbers(value, name):
    """A number or an array-like of numbers; None or strings would give NaN or garbage."""
    if value is None:
        raise ValueError(f"Argument `{name}` must be a number or a list of numbers. "
                         f"Received: {name}=None")
    if np.asarray(value).dtype.kind not in "biuf":  # conformance: ValueError, as decided
        raise ValueError(f"Argument `{name}` must be a number or a list of numbers. "
                        f"Received: {name}={value!r}")
