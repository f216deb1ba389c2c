"""A package's public names, imported on first use (PEP 562 module `__getattr__`).

`import kerasmini` then costs NumPy plus a few small files, and a script pays only for
the parts it touches: building a Conv2D imports the convolution files, not the attention
layers, the training loop or the saving code. Each package lists its names in one table,
name -> module that defines it, so `dir()`, `__all__` and `from kerasmini.layers import *`
see every name without importing any.
"""
import importlib
import sys


def lazy_exports(package_name, exports):
    """`(__getattr__, __dir__)` for the package `package_name`, whose `exports` maps each
    public name to the module defining it, or to (module, attribute) for an alias; a
    module name starting with "." is relative to the package."""
    def __getattr__(name):
        target = exports.get(name)
        if target is None:
            raise AttributeError(f"module {package_name!r} has no attribute {name!r}")
        module_name, attribute = target if isinstance(target, tuple) else (target, name)
        module = importlib.import_module(module_name, package_name)
        value = module if attribute is None else getattr(module, attribute)
        setattr(sys.modules[package_name], name, value)  # later lookups skip this function
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package_name])) | set(exports))

    return __getattr__, __dir__
