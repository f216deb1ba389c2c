"""Adagrad: a += g^2 (from initial_accumulator_value); w -= lr * g / sqrt(a + eps)."""
import numpy as np

from kerasmini.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
                         ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._accumulators = self.add_optimizer_variables(
            variables, "accumulator", initial_value=self.initial_accumulator_value)

    def update_step(self, gradient, variable, learning_rate):
        lr = learning_rate.astype(variable.dtype)
        accumulator = self._slot(self._accumulators, variable)
        accumulator.assign(accumulator.value + np.square(gradient))
        variable.assign(variable.value
                        - lr * gradient / np.sqrt(accumulator.value + self.epsilon))

    def get_config(self):
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}
