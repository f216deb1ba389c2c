"""kerasmini: the Keras 3 layer API in pure NumPy."""
from kerasmini import (activations, applications, autodiff, backend, callbacks, config,
                       constraints, initializers, layers, losses, metrics, models, ops,
                       optimizers, regularizers, saving, testing, utils)
from kerasmini.autodiff import GradientTape
from kerasmini.explain import explain  # the function; the files are kerasmini/explain/
from kerasmini.layers import Input
from kerasmini.models import Model, Sequential
from kerasmini.variables import Variable

__version__ = "0.1.0"

__all__ = ["GradientTape", "Input", "Model", "Sequential", "Variable", "activations",
           "applications", "autodiff", "backend", "callbacks", "config", "constraints",
           "explain",
           "initializers", "layers", "losses", "metrics", "models", "ops", "optimizers",
           "regularizers", "saving", "testing", "utils"]
