"""keras.utils: the helpers a training script calls (one-hot labels, one seed for all)."""
from kerasmini.utils.numerical_utils import to_categorical
from kerasmini.utils.rng_utils import numpy_generator, set_random_seed

__all__ = ["numpy_generator", "set_random_seed", "to_categorical"]
