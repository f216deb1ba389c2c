"""Adadelta: a = rho a + (1 - rho) g^2; d = -sqrt(s + eps) / sqrt(a + eps) g;
s = rho s + (1 - rho) d^2; w += lr d (Keras keeps a learning rate, 0.001 by default)."""
import numpy as np

from kerasmini.optimizers.optimizer import Optimizer


class Adadelta(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            variables, ["accumulated_grad", "accumulated_delta_var"])

    def update_step(self, gradient, variable, learning_rate):
        lr = learning_rate.astype(variable.dtype)
        rho = self.rho
        grads = self._slot(self._accumulated_grads, variable)
        deltas = self._slot(self._accumulated_delta_vars, variable)
        grads.assign(rho * grads.value + (1 - rho) * np.square(gradient))
        delta = -(np.sqrt(deltas.value + self.epsilon) * gradient
                  / np.sqrt(grads.value + self.epsilon))
        deltas.assign(rho * deltas.value + (1 - rho) * np.square(delta))
        variable.assign(variable.value + lr * delta)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
