"""UnitNormalization: scale each sample to unit L2 norm along some axes."""
import numpy as np

from kerasmini.layers.arguments import is_int
from kerasmini.layers.layer import Layer

EPSILON = 1e-12  # Keras's floor on the norm here (not config.epsilon())


class UnitNormalization(Layer):
    """`x / sqrt(sum(x ** 2 over axis))`, the inverse norm capped at 1 / 1e-12 (so an
    all-zero sample stays zero). No weights.

    Args:
        axis: int or list of ints (default -1).
    """

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, axis=-1, **kwargs):
        if is_int(axis):
            axis = int(axis)
        elif isinstance(axis, (list, tuple)) and all(is_int(a) for a in axis):
            axis = [int(a) for a in axis]
        else:
            raise TypeError("Invalid value for `axis` argument: expected an int or a "
                            f"list/tuple of ints. Received: axis={axis}")
        super().__init__(**kwargs)
        self._build_at_init()
        self.axis = axis

    def _axes(self):
        return (self.axis,) if is_int(self.axis) else tuple(self.axis)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        for axis in self._axes():
            if not -len(input_shape) <= axis < len(input_shape):
                raise ValueError(f"Axis {self.axis} is out of bounds for input shape "
                                 f"{input_shape}.")
        return input_shape

    def call(self, inputs):
        with np.errstate(divide="ignore"):  # zero norm: inverse inf, capped below
            inverse = 1 / np.sqrt(np.sum(np.square(inputs), axis=self._axes(),
                                         keepdims=True))
        inverse = np.minimum(inverse, 1 / EPSILON)
        return (inputs * inverse).astype(inputs.dtype, copy=False)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
