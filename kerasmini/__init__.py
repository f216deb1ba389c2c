"""kerasmini: the Keras 3 layer API in pure NumPy."""
from kerasmini import (activations, config, constraints, initializers, layers, ops,
                       regularizers)
from kerasmini.variables import Variable

__version__ = "0.1.0"

__all__ = ["Variable", "activations", "config", "constraints", "initializers", "layers",
           "ops", "regularizers"]
