"""RMSprop: v = rho * v + (1 - rho) * g^2; w -= lr * g / sqrt(v + eps)
(centered: v - mean(g)^2 under the root; momentum: an accumulated step)."""
import numpy as np

from kerasmini.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
                         ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._momentums = []
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")
        self._average_gradients = []
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(variables,
                                                                   "average_gradient")

    def update_step(self, gradient, variable, learning_rate):
        lr = learning_rate.astype(variable.dtype)
        rho = self.rho
        velocity = self._slot(self._velocities, variable)
        velocity.assign(rho * velocity.value + (1 - rho) * np.square(gradient))
        if self.centered:
            average = self._slot(self._average_gradients, variable)
            average.assign(rho * average.value + (1 - rho) * gradient)
            denominator = velocity.value - np.square(average.value) + self.epsilon
        else:
            denominator = velocity.value + self.epsilon
        increment = lr * gradient / np.sqrt(denominator)
        if self.momentum > 0:
            momentum = self._slot(self._momentums, variable)
            momentum.assign(self.momentum * momentum.value + increment)
            variable.assign(variable.value - momentum.value)
        else:
            variable.assign(variable.value - increment)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}
