"""kerasmini: the Keras 3 layer API in pure NumPy."""
from kerasmini import (activations, autodiff, backend, callbacks, config, constraints,
                       initializers, layers, losses, metrics, models, ops, optimizers,
                       random, regularizers, saving, testing, tree, utils)
from kerasmini.autodiff import GradientTape
from kerasmini.explain import explain  # the function; the files are kerasmini/explain/
from kerasmini.initializers import Initializer
from kerasmini.layers import Input, InputSpec, Layer
from kerasmini.layers.keras_tensor import KerasTensor
from kerasmini.losses import Loss
from kerasmini.metrics import Metric
from kerasmini.models import Model, Sequential
from kerasmini.optimizers import Optimizer
from kerasmini.regularizers import Regularizer
from kerasmini.variables import Variable

# kerasmini's own release (pyproject.toml), not the Keras release whose API it follows
# (KERAS_API_VERSION): a script asking for Keras's version learns which library it runs.
__version__ = "0.1.0"
KERAS_API_VERSION = "3.15"


def version():
    """kerasmini's version, as keras.version() gives Keras's."""
    return __version__


__all__ = ["GradientTape", "Initializer", "Input", "InputSpec",
           "KERAS_API_VERSION", "KerasTensor", "Layer", "Loss", "Metric", "Model",
           "Optimizer", "Regularizer", "Sequential", "Variable", "activations", "autodiff",
           "backend", "callbacks", "config", "constraints", "explain", "initializers",
           "layers", "losses", "metrics", "models", "ops", "optimizers", "random",
           "regularizers", "saving", "testing", "tree", "utils", "version"]
