"""Adam: moments m, v of g and g^2; w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
(the bias corrections folded into the step size, as Keras; amsgrad uses max over time of v)."""
import numpy as np

from kerasmini.optimizers.optimizer import Optimizer


class Adam(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
                         ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(variables, "velocity_hat")

    def update_step(self, gradient, variable, learning_rate):
        dtype = gradient.dtype.type  # the variable's: apply() cast the gradient to it
        lr = learning_rate.astype(dtype)
        step = dtype(self._updates_done + 1)
        beta_1_power = np.power(dtype(self.beta_1), step)
        beta_2_power = np.power(dtype(self.beta_2), step)
        m = self._slot(self._momentums, variable)
        v = self._slot(self._velocities, variable)
        alpha = lr * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        # m + (g - m) * (1 - beta_1) and v + (g^2 - v) * (1 - beta_2), each in one new
        # array updated in place (same operations, same rounding, fewer temporaries)
        m_new = np.subtract(gradient, m.value)
        m_new *= 1 - self.beta_1
        m_new += m.value
        m._assign_owned(m_new)
        v_new = np.square(gradient)
        v_new -= v.value
        v_new *= 1 - self.beta_2
        v_new += v.value
        v._assign_owned(v_new)
        v_used = v_new
        if self.amsgrad:
            v_hat = self._slot(self._velocity_hats, variable)
            v_hat._assign_owned(np.maximum(v_hat.value, v_new))
            v_used = v_hat.value
        # w - m * alpha / (sqrt(v) + epsilon)
        denominator = np.sqrt(v_used)
        denominator += self.epsilon
        step_size = np.multiply(m_new, alpha)
        step_size /= denominator
        variable._assign_owned(np.subtract(variable.value, step_size, out=step_size))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}
