"""The Initializer base class, as `keras.initializers.Initializer`."""
import numpy as np

from kerasmini import config


class Initializer:
    """Makes a weight's starting value: `init(shape, dtype=None)` -> np.ndarray.

    Subclasses implement `__call__`; `get_config()` returns the constructor's
    arguments, so that `cls.from_config(init.get_config())` makes the same initializer.
    """

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(
            "Initializer subclasses must implement the `__call__()` method."
        )

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())


def standardize_dtype(dtype):
    """A dtype name, e.g. 'float32'; None means config.floatx()."""
    if dtype is None:
        return config.floatx()
    return np.dtype(dtype).name


def standardize_shape(shape):
    """shape as a tuple of ints, so `(3,)`, `[3]` and `3` all work."""
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(dim) for dim in shape)
