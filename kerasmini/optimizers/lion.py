"""Lion: w -= lr sign(b1 m + (1 - b1) g), then m = b2 m + (1 - b2) g (the step uses the
interpolation with b1, the memory decays with b2)."""
import numpy as np

from kerasmini.optimizers.optimizer import Optimizer


class Lion(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the "
                             f"optimizer degenerates to SignSGD. Received: beta_1={beta_1}.")
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        dtype = gradient.dtype.type
        lr = learning_rate.astype(dtype)
        beta_1, beta_2 = dtype(self.beta_1), dtype(self.beta_2)
        m = self._slot(self._momentums, variable)
        variable.assign(variable.value - lr * np.sign(m.value * beta_1
                                                      + gradient * (1 - beta_1)))
        m.assign(m.value * beta_2 + gradient * (1 - beta_2))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
