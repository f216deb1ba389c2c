"""GroupNormalization: normalize each sample over groups of channels."""
import numpy as np

from kerasmini import autodiff
from kerasmini.layers import weight_settings
from kerasmini.layers.arguments import is_int
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.layers.normalization.widened import weight_in, widened
from kerasmini.ops.group_normalization import group_normalize


class GroupNormalization(Layer):
    """Splits the `axis` channels into `groups` equal groups and normalizes each sample
    over every position of each group: `(x - mean) / sqrt(variance + epsilon)`, then
    `* gamma + beta` per channel. groups=1 is LayerNormalization over all axes but the
    batch; groups=-1 (one channel per group) is instance normalization.

    Args:
        groups: a positive int dividing the channel count, or -1 (default 32).
        axis: the channel axis (default -1).
        epsilon, center, scale, beta_/gamma_initializer/_regularizer/_constraint: as in
            LayerNormalization.
    """

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        if not is_int(groups) or (groups <= 0 and groups != -1):
            raise ValueError("Received an invalid value for argument `groups`, expected a "
                             "positive integer (or `-1` for instance normalization). "
                             f"Received: groups={groups}")
        if not is_int(axis):
            raise TypeError(f"Argument `axis` must be an int. Received: axis={axis!r}")
        settings = weight_settings.resolve(
            beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
            beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        super().__init__(**kwargs)
        self.autocast = False  # float inputs as given (not cast to float16), as Keras
        self.groups, self.axis, self.epsilon = int(groups), int(axis), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = settings["beta_initializer"]
        self.gamma_initializer = settings["gamma_initializer"]
        self.beta_regularizer = settings["beta_regularizer"]
        self.gamma_regularizer = settings["gamma_regularizer"]
        self.beta_constraint = settings["beta_constraint"]
        self.gamma_constraint = settings["gamma_constraint"]
        self.gamma = self.beta = None

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if not -len(input_shape) <= self.axis < len(input_shape) or len(input_shape) < 2:
            raise ValueError(f"Axis {self.axis} is out of bounds for input shape "
                             f"{input_shape}.")
        return input_shape

    def build(self, input_shape):
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined "
                             "dimension but the layer received an input with shape "
                             f"{tuple(input_shape)}.")
        groups = channels if self.groups == -1 else self.groups
        if channels < groups:
            raise ValueError(f"Number of groups ({groups}) cannot be more than the number "
                             f"of channels ({channels}).")
        if channels % groups:
            raise ValueError(f"Number of groups ({groups}) must be a multiple of the "
                             f"number of channels ({channels}).")
        if self.scale:
            self.gamma = self.add_weight((channels,), self.gamma_initializer, "gamma",
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, autocast=False)
        if self.center:
            self.beta = self.add_weight((channels,), self.beta_initializer, "beta",
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, autocast=False)
        self.groups = groups  # Keras stores the resolved count (-1 becomes channels)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        self.built = True

    def call(self, inputs):
        x = widened(inputs)  # widened.py: float16 computes in float32, as Keras
        return self._normalize(x).astype(self.compute_dtype, copy=False)

    def _normalize(self, inputs):
        x = np.moveaxis(inputs, self.axis, -1)  # (batch, ..., channels)
        gamma, beta = (weight_in(w, inputs.dtype) for w in (self.gamma, self.beta))
        if inputs.dtype in (np.float32, np.float64) and not autodiff.is_recording():
            # The per-channel-sums kernel; the tape follows the plain NumPy below.
            out = group_normalize(x.reshape(x.shape[0], -1, x.shape[-1]), self.groups,
                                  gamma, beta, self.epsilon)
            return np.moveaxis(out.reshape(x.shape), -1, self.axis)
        channels = x.shape[-1]
        grouped = x.reshape(x.shape[0], -1, self.groups, channels // self.groups)
        mean = grouped.mean(axis=(1, 3), keepdims=True)
        variance = grouped.var(axis=(1, 3), keepdims=True)
        inv = 1 / np.sqrt(variance + np.asarray(self.epsilon, inputs.dtype))
        if gamma is not None:
            inv = inv * gamma.reshape(self.groups, -1)
        shift = -mean * inv
        if beta is not None:
            shift = shift + beta.reshape(self.groups, -1)
        out = (grouped * inv + shift).reshape(x.shape)
        return np.moveaxis(out, -1, self.axis).astype(inputs.dtype, copy=False)

    def get_config(self):
        return {**super().get_config(), "groups": self.groups, "axis": self.axis,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                **weight_settings.serialize(
                    self, "beta_initializer", "gamma_initializer", "beta_regularizer",
                    "gamma_regularizer", "beta_constraint", "gamma_constraint")}
