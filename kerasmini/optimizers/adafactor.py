"""Adafactor (Shazeer & Stern 2018): Adam's second moment without its memory. For a
variable of rank >= 2 the running mean of g^2 is kept only as its row means r and column
means c (over the last two axes), and v = r c / mean(r) rebuilt from them; a vector
keeps v whole. The step is g / sqrt(v), scaled down to an RMS of at most
`clip_threshold`, times alpha = max(epsilon_2, RMS(w)) * min(lr, 1 / sqrt(t)): a relative
step size. The decay of the means is 1 - t^beta_2_decay (0 at t = 1: the first step
takes g^2 itself)."""
import numpy as np

from kerasmini.optimizers.optimizer import Optimizer


def _rms(x):
    return np.sqrt(np.mean(np.square(x)))


class Adafactor(Optimizer):
    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30,
                 epsilon_2=1e-3, clip_threshold=1.0, relative_step=True, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                         gradient_accumulation_steps, name, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, variables):
        """Per variable, in Keras's order: the row and column means (for a vector,
        two unused int32 zeros, which Keras makes and saves too), then the velocity."""
        if self.built:
            return
        super().build(variables)
        self._r, self._c, self._v = [], [], []
        for variable in variables:
            if len(variable.shape) < 2:
                self._r.append(self.add_variable((), variable.name, dtype="int32"))
                self._c.append(self.add_variable((), variable.name, dtype="int32"))
            else:
                shape = variable.shape
                self._r.append(self.add_variable(shape[:-1], variable.name,
                                                 dtype=variable.dtype))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:], variable.name,
                                                 dtype=variable.dtype))
            self._v.append(self.add_optimizer_variables([variable], "velocity")[0])

    def update_step(self, gradient, variable, learning_rate):
        dtype = gradient.dtype.type
        lr = learning_rate.astype(dtype)
        step = dtype(self._updates_done + 1)
        if self.relative_step and not callable(self._learning_rate):
            lr = np.minimum(lr, 1 / np.sqrt(step))
        index = self._index[id(variable)]
        r, c, v = self._r[index], self._c[index], self._v[index]
        rho = np.minimum(lr, 1 / np.sqrt(step))
        alpha = np.maximum(dtype(self.epsilon_2), _rms(variable.value)) * rho
        squared = np.square(gradient) + dtype(self.epsilon_1)
        decay = 1 - np.power(step, dtype(self.beta_2_decay))
        if len(variable.shape) >= 2:
            r.assign(decay * r.value + (1 - decay) * np.mean(squared, axis=-1))
            c.assign(decay * c.value + (1 - decay) * np.mean(squared, axis=-2))
            v.assign((r.value / np.mean(r.value, axis=-1, keepdims=True))[..., None]
                     * c.value[..., None, :])
        else:
            v.assign(decay * v.value + (1 - decay) * squared)
        update = gradient / np.sqrt(v.value)
        update = update / np.maximum(dtype(1), _rms(update) / dtype(self.clip_threshold))
        variable.assign(variable.value - alpha * update)

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1, "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold, "relative_step": self.relative_step}
