"""AlphaDropout: dropout that keeps a SELU network's mean and variance (Klambauer et
al., 2017); the identity at inference."""
import numpy as np

from kerasmini.layers.regularization.dropout import Dropout

# SELU's constants; a dropped unit is set to SELU's lower limit -ALPHA * SCALE
ALPHA = 1.6732632423543772848170429916717
SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Dropout):
    """With training=True, each input (or each `noise_shape` block) is replaced with
    probability `rate` by alpha' = -ALPHA * SCALE, then all are mapped by a * x + b with
    a = ((1 - rate) (1 + rate alpha'^2))^-1/2 and b = -a alpha' rate, so that inputs of
    mean 0 and variance 1 keep them. Arguments as Dropout's (rate, noise_shape, seed).
    """

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:  # tf.keras: ZeroDivisionError computing a
            raise ValueError("AlphaDropout with rate=1 drops every input: its scale "
                             "((1 - rate) * ...) ** -0.5 is infinite. Received: rate=1.0")
        keep = self._keep_mask(inputs.shape)
        dropped_value = -ALPHA * SCALE
        a = ((1 - self.rate) * (1 + self.rate * dropped_value ** 2)) ** -0.5
        b = -a * dropped_value * self.rate
        x = np.where(keep, inputs, np.asarray(dropped_value, inputs.dtype))
        return (x * np.asarray(a, inputs.dtype) + np.asarray(b, inputs.dtype))
