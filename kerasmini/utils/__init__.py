"""keras.utils: the helpers a training script calls (one-hot labels, one seed for all)."""
from kerasmini.utils.numerical_utils import to_categorical
from kerasmini.utils.py_dataset import PyDataset, Sequence
from kerasmini.utils.rng_utils import numpy_generator, set_random_seed

__all__ = ["PyDataset", "Sequence", "numpy_generator", "set_random_seed",
           "to_categorical"]
