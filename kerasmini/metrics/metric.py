"""Metric: state in Variables, `update_state` / `result` / `reset_state`, as keras.metrics.

A metric accumulates over batches (fit resets it at each epoch). Its state variables are
not trainable and never on the tape: metrics read plain NumPy values.
"""
import numpy as np

from kerasmini import config
from kerasmini.variables import Variable
from kerasmini.layers.layer import unique_name
from kerasmini.object_configs import snake_case


class Metric:
    # Which way is better, "up" or "down" (None: unknown): what monitoring callbacks in
    # mode="auto" read for a compiled metric they watch (callbacks/monitor_callback.py).
    _direction = None

    def __init__(self, dtype=None, name=None):
        self.name = name or unique_name(snake_case(type(self).__name__))
        self._dtype = dtype or config.floatx()
        self._variables = []

    @property
    def dtype(self):
        return self._dtype

    @property
    def variables(self):
        return list(self._variables)

    def add_variable(self, shape, name, dtype=None, initial_value=0.0):
        variable = Variable(np.full(shape, initial_value, dtype=dtype or self.dtype),
                            name=name, trainable=False, path=f"{self.name}/{name}")
        self._variables.append(variable)
        return variable

    def reset_state(self):
        for v in self._variables:
            v.assign(np.zeros(v.shape, dtype=v.dtype))

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        """Update the state with one batch and return the result so far."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
