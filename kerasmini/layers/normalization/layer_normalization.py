"""LayerNormalization: normalize each sample over its feature axes."""
import numpy as np

from kerasmini import autodiff
from kerasmini.layers import weight_settings
from kerasmini.layers.arguments import check_axes_in_bounds, is_int
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.layers.normalization.widened import weight_in, widened
from kerasmini.ops.layer_normalize import layer_normalize
from kerasmini.ops.nn_normalization import rms_scaling_argument


class LayerNormalization(Layer):
    """`gamma * (x - mean) / sqrt(variance + epsilon) + beta`, where mean and variance
    are each sample's own, taken over `axis` (default -1: the features/channels).

    Unlike BatchNormalization nothing is averaged across the batch, so training and
    inference compute the same thing. gamma and beta have the shape of the `axis` sizes.

    Args:
        axis: int or list of ints, the axes to normalize over.
        epsilon: added to the variance (default 1e-3).
        center / scale: whether to use beta / gamma.
        beta_/gamma_initializer, _regularizer, _constraint: as in Keras.
        rms_scaling: Keras's deprecated variant `x / sqrt(variance + epsilon) * gamma`.
    """

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        if not (is_int(axis) or (isinstance(axis, (list, tuple))
                                 and all(is_int(a) for a in axis))):
            raise TypeError("Expected an int or a list/tuple of ints for the argument "
                            f"'axis', but received: {axis!r}")
        settings = weight_settings.resolve(
            beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
            beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        rms_scaling = rms_scaling_argument(kwargs)  # deprecated: Keras 3 takes it so
        super().__init__(**kwargs)
        self.autocast = False  # float inputs as given (not cast to float16), as Keras
        self.axis = int(axis) if is_int(axis) else [int(a) for a in axis]
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.rms_scaling = bool(rms_scaling)
        self.beta_initializer = settings["beta_initializer"]
        self.gamma_initializer = settings["gamma_initializer"]
        self.beta_regularizer = settings["beta_regularizer"]
        self.gamma_regularizer = settings["gamma_regularizer"]
        self.beta_constraint = settings["beta_constraint"]
        self.gamma_constraint = settings["gamma_constraint"]
        self.gamma = self.beta = None

    def _axes(self, ndim):
        axes = [self.axis] if is_int(self.axis) else self.axis
        return sorted(a % ndim for a in axes)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        check_axes_in_bounds(self.axis, input_shape)
        return input_shape

    def build(self, input_shape):
        axes = self._axes(len(input_shape))
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(f"The axes {self.axis} of the input to LayerNormalization "
                             f"must have known sizes. Received input_shape={input_shape}")
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(shape, self.gamma_initializer, "gamma",
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, autocast=False)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(shape, self.beta_initializer, "beta",
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, autocast=False)
        given = [self.axis] if is_int(self.axis) else self.axis
        self.input_spec = InputSpec(min_ndim=max(a + 1 if a >= 0 else -a for a in given),
                                    axes={a: input_shape[a] for a in given})
        self.axis = sorted(given)  # as Keras's build: a sorted list, negatives kept
        self.built = True

    def call(self, inputs):
        x = widened(inputs)  # widened.py: float16 computes in float32, as Keras
        return self._normalize(x).astype(self.compute_dtype, copy=False)

    def _normalize(self, inputs):
        axes = tuple(self._axes(inputs.ndim))
        gamma, beta = (weight_in(w, inputs.dtype) for w in (self.gamma, self.beta))
        if self._blocked(inputs, axes):
            return self._call_blocked(inputs, axes, gamma, beta)
        shape = [inputs.shape[a] if a in axes else 1 for a in range(inputs.ndim)]
        variance = inputs.var(axis=axes, keepdims=True)
        inv = 1 / np.sqrt(variance + np.asarray(self.epsilon, inputs.dtype))
        if gamma is not None:
            inv = inv * gamma.reshape(shape)
        if self.rms_scaling:
            return (inputs * inv).astype(inputs.dtype, copy=False)
        shift = -inputs.mean(axis=axes, keepdims=True) * inv
        if beta is not None:
            shift = shift + beta.reshape(shape)
        return (inputs * inv + shift).astype(inputs.dtype, copy=False)

    def _blocked(self, inputs, axes):
        """Whether ops/layer_normalization.py can take the call: trailing axes, one float
        dtype throughout (its in-place steps would round mixed dtypes otherwise), and no
        tape recording (the tape follows the plain NumPy arithmetic of `call`)."""
        return (axes == tuple(range(inputs.ndim - len(axes), inputs.ndim))
                and inputs.dtype in (np.float32, np.float64)
                and not autodiff.is_recording())

    def _call_blocked(self, inputs, axes, gamma, beta):
        features = int(np.prod([inputs.shape[a] for a in axes]))
        rows = np.reshape(inputs, (-1, features))
        gamma, beta = (None if w is None else w.reshape(features) for w in (gamma, beta))
        out = layer_normalize(rows, gamma, None if self.rms_scaling else beta,
                              self.epsilon, self.rms_scaling)
        return out.reshape(inputs.shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling,
                **weight_settings.serialize(
                    self, "beta_initializer", "gamma_initializer", "beta_regularizer",
                    "gamma_regularizer", "beta_constraint", "gamma_constraint")}
