"""ConvNeXt's private layers: LayerScale and StochasticDepth (keras.src.applications.convnext)."""
import numbers

import numpy as np

from kerasmini.initializers import Constant
from kerasmini.layers.layer import Layer
from kerasmini.utils.rng_utils import numpy_generator


class LayerScale(Layer):
    """`x * gamma`, one learned scale per channel, every entry starting at `init_values`.

    Args:
        init_values: float, the initial scale (ConvNeXt uses 1e-6).
        projection_dim: int, the number of channels (the length of gamma).
    """

    def __init__(self, init_values, projection_dim, **kwargs):
        super().__init__(**kwargs)
        self.init_values, self.projection_dim = init_values, projection_dim
        self.gamma = None

    def compute_output_shape(self, input_shape):
        if input_shape[-1] not in (None, self.projection_dim):
            raise ValueError(f"Layer '{self.name}' scales {self.projection_dim} channels, "
                             f"but received an input of shape {tuple(input_shape)}.")
        return tuple(input_shape)

    def build(self, input_shape):
        self.gamma = self.add_weight((self.projection_dim,), Constant(self.init_values),
                                     "variable")
        self.built = True

    def call(self, inputs):
        return inputs * self.gamma.value

    def get_config(self):
        return {**super().get_config(), "init_values": self.init_values,
                "projection_dim": self.projection_dim}


class StochasticDepth(Layer):
    """Drops the whole residual branch of a random subset of the batch while training
    (keeping the rest scaled by 1 / (1 - rate)); the identity at inference.

    Args:
        drop_path_rate: float in [0, 1], the probability of dropping a sample's branch.
    """

    def __init__(self, drop_path_rate, **kwargs):
        if not isinstance(drop_path_rate, numbers.Real) or not 0 <= drop_path_rate <= 1:
            raise ValueError("Argument `drop_path_rate` must be a float in [0, 1]. "
                             f"Received: drop_path_rate={drop_path_rate}")
        super().__init__(**kwargs)
        self._build_at_init()
        self.drop_path_rate = drop_path_rate
        self._rng = numpy_generator()

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs, training=None):
        if not training or self.drop_path_rate == 0:
            return inputs
        keep = 1 - self.drop_path_rate
        shape = (inputs.shape[0],) + (1,) * (inputs.ndim - 1)
        mask = np.floor(keep + self._rng.uniform(size=shape)).astype(inputs.dtype)
        return (inputs / np.asarray(keep, inputs.dtype)) * mask

    def get_config(self):
        return {**super().get_config(), "drop_path_rate": self.drop_path_rate}
