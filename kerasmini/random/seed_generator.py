"""SeedGenerator: the state behind keras.random's draws, as a (2,) int64 Variable.

keras.random's functions are stateless: an integer seed gives the same values on every
call. A SeedGenerator hands out a new seed per call: `next()` returns the state
[seed, counter] and adds 1 to the counter. kerasmini turns that pair into a NumPy
Generator (`numpy_rng`), so the values are reproducible within kerasmini but are not
TensorFlow's (a different bit generator). As in Keras 3.15, the state is listed in a
layer's `variables` but not in its `weights`, and weight files do not store it.
"""
import random as python_random

import numpy as np

from kerasmini.variables import Variable


class SeedGenerator:
    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        from kerasmini.layers.layer import unique_name  # the names layers draw from
        self.name = name or unique_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = make_default_seed()
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        self.state = Variable(np.array([seed, 0], dtype="int64"), dtype="int64",
                              trainable=False, name="seed_generator_state",
                              path=f"{self.name}/seed_generator_state")

    def next(self, ordered=True):
        """The current state (a copy); then advance it: [s, n] -> [s, n + 1] when
        `ordered`, else every entry to (x + 1) * 5387 % 933199 (Keras's unordered step)."""
        current = self.state.numpy()
        if ordered:
            self.state.assign(current + np.array([0, 1], dtype="int64"))
        else:
            self.state.assign((current + 1) * 5387 % 933199)
        return current

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def make_default_seed():
    """An unseeded generator's seed, from Python's `random` as in Keras, so that
    keras.utils.set_random_seed fixes it."""
    return python_random.randint(1, int(1e9))


_global = []


def global_seed_generator():
    """The generator behind `seed=None`, made on first use."""
    if not _global:
        _global.append(SeedGenerator())
    return _global[0]


def numpy_rng(seed):
    """A NumPy Generator for one draw: `seed` an int (the same values each call), a
    SeedGenerator (its next state) or None (the global generator's next state)."""
    if isinstance(seed, SeedGenerator):
        state = seed.next()
    elif isinstance(seed, int) and not isinstance(seed, bool):
        state = np.array([seed, 0], dtype="int64")
    elif seed is None:
        state = global_seed_generator().next(ordered=False)
    else:
        raise ValueError("Argument `seed` must be either an integer or an instance of "
                         f"`SeedGenerator`. Received: seed={seed} (of type {type(seed)})")
    return np.random.default_rng([int(v) & 0xFFFFFFFFFFFFFFFF for v in state])
