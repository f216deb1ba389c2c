"""Ftrl ("follow the regularized leader", McMahan et al. 2013), as keras.optimizers.Ftrl.

Per weight: an accumulator n of squared gradients (from initial_accumulator_value) and a
linear term z. With p = -learning_rate_power (1/2 by default) and g' = g + 2 * l2_shrinkage
* w:
    n' = n + g^2
    z += g' - (n'^p - n^p) / lr * w
    w = (clip(z, -l1, l1) - z) / (n'^p / lr + 2 * (l2 + beta / (2 lr)))
so |z| <= l1 sets the weight to exactly 0 (the L1 term's sparsity).
"""
import numpy as np

from kerasmini.optimizers.optimizer import Optimizer


class Ftrl(Optimizer):
    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        _check_sign("initial_accumulator_value", initial_accumulator_value, "positive")
        _check_sign("learning_rate_power", learning_rate_power, "negative")
        _check_sign("l1_regularization_strength", l1_regularization_strength, "positive")
        _check_sign("l2_regularization_strength", l2_regularization_strength, "positive")
        _check_sign("l2_shrinkage_regularization_strength",
                    l2_shrinkage_regularization_strength, "positive")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        # Keras makes both slots in one call, interleaved weight by weight
        self._accumulators, self._linears = self.add_optimizer_variables(
            variables, ["accumulator", "linear"])
        for accumulator in self._accumulators:
            accumulator.assign(np.full(accumulator.shape, self.initial_accumulator_value,
                                       accumulator.dtype))

    def update_step(self, gradient, variable, learning_rate):
        lr = learning_rate.astype(variable.dtype)
        w = variable.value
        n = self._slot(self._accumulators, variable)
        z = self._slot(self._linears, variable)
        power = -self.learning_rate_power
        l2 = self.l2_regularization_strength + self.beta / (2.0 * lr)
        shrunk_gradient = gradient + 2 * self.l2_shrinkage_regularization_strength * w
        new_n = n.value + np.square(gradient)
        z.assign(z.value + (shrunk_gradient
                            - (np.power(new_n, power) - np.power(n.value, power)) / lr * w))
        quadratic = np.power(new_n, power) / lr + 2 * l2
        l1 = self.l1_regularization_strength
        variable.assign((np.clip(z.value, -l1, l1) - z.value) / quadratic)
        n.assign(new_n)

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength":
                    self.l2_shrinkage_regularization_strength,
                "beta": self.beta}


def _check_sign(name, value, sign):
    if (value < 0.0) if sign == "positive" else (value > 0.0):
        raise ValueError(f"`{name}` needs to be {sign} or zero. Received: {name}={value}.")
