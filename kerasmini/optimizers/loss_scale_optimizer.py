"""LossScaleOptimizer: dynamic loss scaling around another optimizer, as Keras 3's.

float16 gradients of small losses underflow to zero. The training step multiplies the
loss by a scale (`scale_loss`) before differentiating, so the float16 gradients are that
many times larger; this optimizer divides them back before the inner optimizer's step:

    gradients all finite:  inner step on grads / scale; after `dynamic_growth_steps`
                           such steps in a row, the scale doubles;
    an inf or nan in any:  the step is skipped (weights and the inner optimizer's state
                           untouched) and the scale halves.

`compile()` wraps the optimizer in one when the model's dtype policy is mixed_float16
(`auto_scale_loss=True`), as Keras does. The state is laid out as Keras's: this
optimizer's iteration, learning_rate (both unused), step_counter and dynamic_scale, then
the inner optimizer's variables.
"""
import numpy as np

from kerasmini.object_configs import serialize_keras_object
from kerasmini.optimizers.optimizer import Optimizer

# what Keras 3 once wrote into this optimizer's config and still accepts at these values
_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                  "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                  "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Args:
        inner_optimizer: the Optimizer that makes the steps.
        initial_scale: the first loss scale (2**15).
        dynamic_growth_steps: finite steps in a row after which the scale doubles.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. "
                             "Instead, simply set `loss_scale_factor` directly on the "
                             "`inner_optimizer`.")
        for argument, default in _BASE_DEFAULTS.items():
            if argument in kwargs and kwargs.pop(argument) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{argument}`. "
                                 f"Instead, set `{argument}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError("LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError("Argument `inner_optimizer` must be an Optimizer instance. "
                             f"Received: inner_optimizer={inner_optimizer!r}")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        # the gradients reaching it are unscaled here: scaling them again would be wrong
        self.inner_optimizer.loss_scale_factor = None

    def build(self, variables):
        self.step_counter = self.add_variable((), "step_counter", dtype="int64")
        self.dynamic_scale = self.add_variable((), "dynamic_scale", dtype="float32",
                                               initial_value=self.initial_scale)
        self.inner_optimizer.build(variables)
        super().build(variables)

    @property
    def variables(self):
        return self._variables + self.inner_optimizer.variables

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer "
                                 "must already be built on a list of variables.")
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if all_finite(grads):
            scale = self.dynamic_scale.value
            self.inner_optimizer.apply([None if g is None else np.asarray(g) / scale
                                        for g in grads], trainable_variables)
            self._after_finite_step()
        else:  # skip the step: the scale was too large
            self.step_counter.assign(0)
            self.dynamic_scale.assign(self.dynamic_scale.value * 0.5)

    def _after_finite_step(self):
        if self.step_counter.value == self.dynamic_growth_steps - 1:
            self.step_counter.assign(0)
            self.dynamic_scale.assign(self.dynamic_scale.value * 2.0)
        else:
            self.step_counter.assign(self.step_counter.value + 1)

    def scale_loss(self, loss):
        """The loss the training step differentiates: loss * the current scale."""
        scale = self.dynamic_scale.value if self.built else self.initial_scale
        return loss * np.asarray(scale, np.float32)

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.inner_optimizer.learning_rate = learning_rate

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        return {"name": self.name,
                "inner_optimizer": serialize_keras_object(self.inner_optimizer,
                                                          "keras.optimizers"),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerasmini.optimizers import deserialize  # the registry imports this file
        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)


def all_finite(grads):
    """Whether no gradient holds an inf or a nan (None gradients ignored)."""
    return all(np.isfinite(g).all() for g in grads if g is not None)
