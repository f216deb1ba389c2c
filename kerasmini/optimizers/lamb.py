"""Lamb (You et al. 2019): Adam's bias-corrected step u = m_hat / (sqrt(v_hat) + eps),
scaled per variable by the trust ratio ||w|| / ||u|| (1 when either norm is 0), so that
every layer moves by the same fraction of its own size: w -= lr * ||w|| / ||u|| * u."""
import numpy as np

from kerasmini.optimizers.adam import _moments
from kerasmini.optimizers.optimizer import Optimizer


class Lamb(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
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
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])

    def update_step(self, gradient, variable, learning_rate):
        dtype = gradient.dtype.type
        lr = learning_rate.astype(dtype)
        step = dtype(self._updates_done + 1)
        m, v = self._slot(self._momentums, variable), self._slot(self._velocities, variable)
        m_new, v_new = _moments(gradient, m.value, v.value, self.beta_1, self.beta_2)
        m.assign(m_new)
        v.assign(v_new)
        m_hat = m_new / (1 - np.power(dtype(self.beta_1), step))
        update = m_hat / (np.sqrt(v_new / (1 - np.power(dtype(self.beta_2), step)))
                          + dtype(self.epsilon))
        w = variable.value
        w_norm, u_norm = np.sqrt(np.sum(np.square(w))), np.sqrt(np.sum(np.square(update)))
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else dtype(1)
        variable.assign(w - ratio * lr * update)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
