"""kerasmini: the Keras 3 layer API in pure NumPy.

Submodules and the top-level classes are imported on first use
(kerasmini/lazy_exports.py), so `import kerasmini` costs NumPy and little more.
"""
from kerasmini.explain import explain  # the function; the files are kerasmini/explain/
from kerasmini.lazy_exports import lazy_exports

__version__ = "0.1.0"

_SUBMODULES = ("activations", "applications", "autodiff", "backend", "callbacks",
               "config", "constraints", "initializers", "layers", "losses", "metrics",
               "models", "ops", "optimizers", "regularizers", "saving", "testing", "utils")
_EXPORTS = {
    **{name: (f".{name}", None) for name in _SUBMODULES},
    "GradientTape": ".autodiff",
    "Input": ".layers",
    "Model": ".models",
    "Sequential": ".models",
    "Variable": ".variables",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted([*_EXPORTS, "explain"])
