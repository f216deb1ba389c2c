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
        m = self._slot(self._momentums, variable)
        v = self._slot(self._velocities, variable)
        alpha = self._step_size(gradient.dtype.type, learning_rate)
        m_new, v_new = _moments(gradient, m.value, v.value, self.beta_1, self.beta_2)
        m._assign_owned(m_new)
        v._assign_owned(v_new)
        v_used = v_new
        if self.amsgrad:
            v_hat = self._slot(self._velocity_hats, variable)
            v_hat._assign_owned(np.maximum(v_hat.value, v_new))
            v_used = v_hat.value
        variable._assign_owned(_moved(variable.value, m_new, v_used, alpha, self.epsilon))

    def _update_steps(self, grads, variables, learning_rate):
        """All variables at once when they share a dtype (flat_state.py: same bits as
        update_step on each); amsgrad and a subclass's own update_step go one by one."""
        dtypes = {grad.dtype for grad in grads}
        if (self.amsgrad or len(variables) < 2 or len(dtypes) > 1
                or type(self).update_step is not Adam.update_step):
            return super()._update_steps(grads, variables, learning_rate)
        layout = self._flat_layout(variables)
        moments = ([self._slot(self._momentums, v) for v in variables],
                   [self._slot(self._velocities, v) for v in variables])
        g = layout.gather(grads)
        alpha = self._step_size(g.dtype.type, learning_rate)
        m_new, v_new = _moments(g, layout.values(moments[0]), layout.values(moments[1]),
                                self.beta_1, self.beta_2)
        w_new = _moved(layout.values(variables), m_new, v_new, alpha, self.epsilon)
        layout.assign(moments[0], m_new)
        layout.assign(moments[1], v_new)
        layout.assign(variables, w_new)

    def _step_size(self, dtype, learning_rate):
        """lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) in the variables' dtype, t = step."""
        lr = learning_rate.astype(dtype)
        step = dtype(self._updates_done + 1)
        beta_1_power = np.power(dtype(self.beta_1), step)
        beta_2_power = np.power(dtype(self.beta_2), step)
        return lr * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


def _moments(g, m, v, beta_1, beta_2):
    """(m + (g - m) * (1 - beta_1), v + (g^2 - v) * (1 - beta_2)), each in one new array
    updated in place (same operations, same rounding, fewer temporaries)."""
    m_new = np.subtract(g, m)
    m_new *= 1 - beta_1
    m_new += m
    v_new = np.square(g)
    v_new -= v
    v_new *= 1 - beta_2
    v_new += v
    return m_new, v_new


def _moved(w, m, v, alpha, epsilon):
    """w - m * alpha / (sqrt(v) + epsilon), in a new array."""
    denominator = np.sqrt(v)
    denominator += epsilon
    step_size = np.multiply(m, alpha)
    step_size /= denominator
    return np.subtract(w, step_size, out=step_size)
