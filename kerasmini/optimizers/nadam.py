"""Nadam: Adam with Nesterov momentum, with Keras's momentum schedule
u_t = beta_1 * (1 - 0.5 * 0.96^t) and its running product."""
import numpy as np

from kerasmini import config
from kerasmini.optimizers.optimizer import Optimizer


class Nadam(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
                         ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        dtype = variables[0].dtype if variables else config.floatx()
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        # Keras leaves this variable unnamed: "variable"
        self._u_product = self.add_variable((), "variable", dtype=dtype, initial_value=1.0)

    def _before_update_steps(self):
        # the product of the u_t up to this step, once per step (not per variable)
        dtype = np.dtype(self._u_product.dtype).type
        step = dtype(self._updates_done + 1)
        self._u_product.assign(self._u_product.value * self.beta_1
                               * (1.0 - 0.5 * np.power(dtype(0.96), step)))

    def update_step(self, gradient, variable, learning_rate):
        dtype = np.dtype(variable.dtype).type
        lr = learning_rate.astype(variable.dtype)
        step = dtype(self._updates_done + 1)
        next_step = dtype(self._updates_done + 2)
        decay, beta_1, beta_2 = dtype(0.96), dtype(self.beta_1), dtype(self.beta_2)
        u_t = beta_1 * (1.0 - 0.5 * np.power(decay, step))
        u_t_1 = beta_1 * (1.0 - 0.5 * np.power(decay, next_step))
        u_product_t = self._u_product.value.astype(variable.dtype)
        u_product_t_1 = u_product_t * u_t_1
        beta_2_power = np.power(beta_2, step)
        m = self._slot(self._momentums, variable)
        v = self._slot(self._velocities, variable)
        m.assign(m.value + (gradient - m.value) * (1 - beta_1))
        v.assign(v.value + (np.square(gradient) - v.value) * (1 - beta_2))
        m_hat = u_t_1 * m.value / (1 - u_product_t_1) + (1 - u_t) * gradient / (1 - u_product_t)
        v_hat = v.value / (1 - beta_2_power)
        variable.assign(variable.value - m_hat * lr / (np.sqrt(v_hat) + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
