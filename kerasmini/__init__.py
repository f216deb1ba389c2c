"""kerasmini: the Keras 3 layer API in pure NumPy."""
from kerasmini import (activations, config, constraints, initializers, layers, ops,
                       regularizers)
from kerasmini.variables import Variable
from kerasmini import models  # noqa: E402  (Sequential, Model, load_model)
from kerasmini.layers import Input  # noqa: E402
from kerasmini.models import Model, Sequential  # noqa: E402
from kerasmini.explain import explain  # the function; the files are kerasmini/explain/

__version__ = "0.1.0"

__all__ = ["Input", "Model", "Sequential", "Variable", "models", "activations", "config", "constraints", "explain", "initializers",
           "layers", "ops", "regularizers"]
