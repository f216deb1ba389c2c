"""keras.ops.numpy: kerasmini.ops's NumPy-named functions under Keras's sub-namespace
(`keras.ops.numpy.mean` is `keras.ops.mean`). The names are those whose Keras
operation lives in keras.src.ops.numpy, and the constructors and windows Keras
keeps there without an operation class."""
import kerasmini.ops as _ops
from kerasmini.ops.symbolic import NUMPY

_UNDECLARED = ("amax", "amin", "arange", "array", "bartlett", "blackman", "empty", "eye",
               "full", "hamming", "hanning", "identity", "kaiser", "linspace", "meshgrid",
               "mod", "ones", "tri", "vectorize", "zeros")
_NAMES = None


def _names():
    global _NAMES
    if _NAMES is None:
        declared = {name for name in _ops.__all__
                    if getattr(getattr(getattr(_ops, name), "spec", None), "module",
                               None) == NUMPY}
        _NAMES = frozenset(declared | set(_UNDECLARED))
    return _NAMES


def __getattr__(name):
    if name.startswith("__") or name not in _names():
        raise AttributeError(f"module 'kerasmini.ops.numpy' has no attribute {name!r}")
    return getattr(_ops, name)


def __dir__():
    return sorted(_names())
