"""PReLU: a leaky ReLU whose negative slope is learned."""
import numpy as np

from kerasmini import autodiff
from kerasmini.layers import weight_settings
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.ops.prelu import prelu


class PReLU(Layer):
    """`x` where x >= 0, `alpha * x` where x < 0, with one learned alpha per input
    position (per sample axis), or shared along `shared_axes` (e.g. shared_axes=[1, 2]
    for one alpha per channel of an image).

    Args:
        alpha_initializer / _regularizer / _constraint: as in Keras (alpha starts at 0).
        shared_axes: axes (1-based, batch excluded) along which alpha is shared.
    """

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        settings = weight_settings.resolve(alpha_initializer=alpha_initializer,
                                           alpha_regularizer=alpha_regularizer,
                                           alpha_constraint=alpha_constraint)
        super().__init__(**kwargs)
        self.alpha_initializer = settings["alpha_initializer"]
        self.alpha_regularizer = settings["alpha_regularizer"]
        self.alpha_constraint = settings["alpha_constraint"]
        if shared_axes is None or isinstance(shared_axes, (list, tuple)):
            self.shared_axes = None if shared_axes is None else list(shared_axes)
        else:
            self.shared_axes = [shared_axes]
        self.alpha = None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if not 1 <= axis < len(input_shape):
                raise ValueError(f"Invalid `shared_axes`={self.shared_axes} for an input of "
                                 f"shape {tuple(input_shape)}: axes run from 1 to "
                                 f"{len(input_shape) - 1}.")
            shape[axis - 1] = 1
        if None in shape:
            raise ValueError("PReLU needs every non-shared axis size to be known. "
                             f"Received input_shape={tuple(input_shape)}")
        self.alpha = self.add_weight(tuple(shape), self.alpha_initializer, "alpha",
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {i: input_shape[i] for i in range(1, len(input_shape))
                if i not in (self.shared_axes or [])}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        alpha = self.alpha.value
        if (inputs.dtype in (np.float32, np.float64) and alpha.dtype == inputs.dtype
                and not autodiff.is_recording()):  # the tape follows the formula below
            return prelu(inputs, alpha)
        # as Keras: relu(x) - alpha * relu(-x)
        return (np.maximum(inputs, 0) - self.alpha.value * np.maximum(-inputs, 0)).astype(
            inputs.dtype, copy=False)

    def get_config(self):
        return {**super().get_config(),
                **weight_settings.serialize(self, "alpha_initializer", "alpha_regularizer",
                                            "alpha_constraint"),
                "shared_axes": self.shared_axes}
