"""SGD: w -= lr * g; with momentum, v = momentum * v - lr * g, then w += v
(nesterov: w += momentum * v - lr * g)."""
from kerasmini.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False,
                 weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema,
                         ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        lr = learning_rate.astype(variable.dtype)
        if self.momentum == 0:
            variable.assign(variable.value - gradient * lr)
            return
        m = self._slot(self.momentums, variable)
        momentum = lr.dtype.type(self.momentum)
        m.assign(m.value * momentum - gradient * lr)
        if self.nesterov:
            variable.assign(variable.value + (m.value * momentum - gradient * lr))
        else:
            variable.assign(variable.value + m.value)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum,
                "nesterov": self.nesterov}
