"""kerasmini: the Keras 3 layer API in pure NumPy.

Submodules and the top-level classes are imported on first use
(kerasmini/lazy_exports.py), so `import kerasmini` costs NumPy and little more.
"""
from kerasmini.explain import explain  # the function; the files are kerasmini/explain/
from kerasmini.lazy_exports import lazy_exports

# kerasmini's own release (pyproject.toml), not the Keras release whose API it follows
# (KERAS_API_VERSION): a script asking for Keras's version learns which library it runs.
__version__ = "0.1.0"
KERAS_API_VERSION = "3.15"


def version():
    """kerasmini's version, as keras.version() gives Keras's."""
    return __version__


_SUBMODULES = ("activations", "applications", "autodiff", "backend", "callbacks",
               "config", "constraints", "datasets", "dtype_policies", "initializers",
               "layers", "losses", "metrics", "mixed_precision", "models", "ops",
               "optimizers", "preprocessing", "random", "regularizers", "saving",
               "testing", "tree", "utils")
_EXPORTS = {
    **{name: (f".{name}", None) for name in _SUBMODULES},
    "DTypePolicy": ".dtype_policies",
    "FloatDTypePolicy": ".dtype_policies",
    "GradientTape": ".autodiff",
    "Initializer": ".initializers",
    "Input": ".layers",
    "InputSpec": ".layers",
    "KerasTensor": ".layers.keras_tensor",
    "Layer": ".layers",
    "Loss": ".losses",
    "Metric": ".metrics",
    "Model": ".models",
    "Optimizer": ".optimizers",
    "Regularizer": ".regularizers",
    "Sequential": ".models",
    "Variable": ".variables",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted([*_EXPORTS, "KERAS_API_VERSION", "explain", "version"])
