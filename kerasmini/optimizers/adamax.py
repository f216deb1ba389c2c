"""Adamax: m += (g - m)(1 - b1), u = max(b2 u, |g|) (the infinity norm in place of Adam's
v); w -= lr m / ((1 - b1^t)(u + eps))."""
import numpy as np

from kerasmini.optimizers.optimizer import Optimizer


class Adamax(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._m, self._u = self.add_optimizer_variables(variables, ["momentum", "norm"])

    def update_step(self, gradient, variable, learning_rate):
        dtype = gradient.dtype.type
        lr = learning_rate.astype(dtype)
        beta_1_power = np.power(dtype(self.beta_1), dtype(self._updates_done + 1))
        m = self._slot(self._m, variable)
        u = self._slot(self._u, variable)
        m.assign(m.value + (gradient - m.value) * (1 - self.beta_1))
        u.assign(np.maximum(self.beta_2 * u.value, np.abs(gradient)))
        variable.assign(variable.value
                        - lr * m.value / ((1 - beta_1_power) * (u.value + self.epsilon)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
