"""SGD: w -= lr * g; with momentum, v = momentum * v - lr * g, then w += v
(nesterov: w += momentum * v - lr * g)."""
from kerasmini.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
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
