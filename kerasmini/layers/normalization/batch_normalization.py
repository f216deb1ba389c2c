"""BatchNormalization: normalize with moving statistics (inference) or batch ones."""
import numpy as np

from kerasmini.layers import weight_settings
from kerasmini.layers.arguments import integer, real
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.layers.normalization.widened import weight_in, widened
from kerasmini.autodiff.traced import plain
from kerasmini.ops.normalization import (masked_moments, moments, normalize,
                                         normalize_by_batch_moments, normalize_traced)


class BatchNormalization(Layer):
    """`gamma * (x - mean) / sqrt(variance + epsilon) + beta` per feature along `axis`.

    At inference (training=None/False, as in `model.predict`) mean and variance are the
    moving statistics. With training=True they are the batch's own, and the moving ones
    move toward them: `moving = moving * momentum + batch * (1 - momentum)`.

    Args:
        axis: the feature axis (default -1, the channels of NHWC).
        momentum, epsilon: as in Keras (0.99, 1e-3).
        center / scale: whether to use beta / gamma.
        beta_/gamma_/moving_mean_/moving_variance_initializer,
        beta_/gamma_regularizer, beta_/gamma_constraint: as in Keras.

    Weights, in Keras's order: gamma, beta (trainable), moving_mean, moving_variance.
    """

    supports_masking = True

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        if renorm:
            raise ValueError("BatchNormalization(renorm=True) is not supported by "
                             "kerasmini.")
        settings = weight_settings.resolve(
            beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
            moving_mean_initializer=moving_mean_initializer,
            moving_variance_initializer=moving_variance_initializer,
            beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and len(axis) == 1:  # Keras 2 configs: [3]
            axis = axis[0]
        self.axis = integer(axis, "axis")
        self.momentum, self.epsilon = real(momentum, "momentum"), real(epsilon, "epsilon")
        self.center, self.scale = bool(center), bool(scale)
        self.synchronized = bool(synchronized)
        self.renorm, self.renorm_clipping = False, renorm_clipping  # renorm=True refused above
        self.renorm_momentum = renorm_momentum
        self.beta_initializer = settings["beta_initializer"]
        self.gamma_initializer = settings["gamma_initializer"]
        self.moving_mean_initializer = settings["moving_mean_initializer"]
        self.moving_variance_initializer = settings["moving_variance_initializer"]
        self.beta_regularizer = settings["beta_regularizer"]
        self.gamma_regularizer = settings["gamma_regularizer"]
        self.beta_constraint = settings["beta_constraint"]
        self.gamma_constraint = settings["gamma_constraint"]
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape):
        axis = self.axis % len(input_shape)
        features = input_shape[axis]
        if features is None:
            raise ValueError(f"Axis {self.axis} of the input to BatchNormalization should "
                             f"be defined. Received input_shape={tuple(input_shape)}")
        shape = (features,)
        if self.scale:
            self.gamma = self.add_weight(shape, self.gamma_initializer, "gamma",
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, autocast=False)
        if self.center:
            self.beta = self.add_weight(shape, self.beta_initializer, "beta",
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, autocast=False)
        self.moving_mean = self.add_weight(shape, self.moving_mean_initializer,
                                           "moving_mean", trainable=False, autocast=False)
        self.moving_variance = self.add_weight(shape, self.moving_variance_initializer,
                                               "moving_variance", trainable=False,
                                               autocast=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: features})
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(f"Invalid axis {self.axis} for input of rank "
                             f"{len(input_shape)}. Received input_shape={input_shape}")
        return input_shape

    def call(self, inputs, training=None, mask=None):
        """With a mask (one axis fewer than the inputs, True = kept, as an Embedding's
        (batch, steps)), training's batch statistics count the kept positions only, as
        Keras's; at inference the mask changes nothing."""
        if mask is not None and np.ndim(mask) != inputs.ndim - 1:
            raise ValueError("The mask provided should be one dimension less than the "
                             f"inputs. Received: mask.shape={np.shape(mask)}, "
                             f"inputs.shape={inputs.shape}")
        if not (training and self.trainable):
            return self.forward(inputs)
        x = widened(inputs)  # widened.py: float16 computes in float32, as Keras
        return self._train(x, mask).astype(self.compute_dtype, copy=False)

    def _train(self, inputs, mask):
        axis = self.axis % inputs.ndim
        gamma = weight_in(self.gamma, inputs.dtype)
        beta = weight_in(self.beta, inputs.dtype)
        if mask is not None:
            mean, variance = masked_moments(inputs, mask, axis)
            self._move_statistics(plain(mean), plain(variance))
            return normalize_traced(inputs, mean, variance, gamma, beta, self.epsilon)
        # float64 moments (ops/normalization.py, Precision), kept in float64 for the
        # op; their gradient is in the op's rule
        mean, variance = moments(np.asarray(inputs), axis)
        self._move_statistics(mean, variance)
        return normalize_by_batch_moments(inputs, gamma, beta, mean, variance,
                                          self.epsilon, axis)

    def _move_statistics(self, mean, variance):
        """moving = moving * momentum + batch * (1 - momentum)."""
        for moving, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
            moving.assign(moving.value * self.momentum
                          + batch.reshape(moving.shape).astype(moving.dtype)
                          * (1 - self.momentum))

    def forward(self, inputs, clip=None):
        """Inference: normalized with the moving statistics; clip=(low, high) applies a
        ReLU in the same pass (predict fuses a ReLU after this layer so, models/
        inference.py)."""
        x = widened(inputs)
        out = normalize(x, *(weight_in(w, x.dtype) for w in (
            self.moving_mean, self.moving_variance, self.gamma, self.beta)),
                        self.epsilon, self.axis % inputs.ndim, clip)
        return out.astype(self.compute_dtype, copy=False)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            **weight_settings.serialize(
                self, "beta_initializer", "gamma_initializer", "moving_mean_initializer",
                "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
                "beta_constraint", "gamma_constraint"),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }
