"""keras.ops's core: casts and conversions, shapes, control flow on NumPy values, and
the updates of slices and scattered elements.

Control flow (cond, fori_loop, while_loop, switch) simply runs Python: the values are
NumPy arrays, known when the op runs, so there is no graph to build (Keras's
TensorFlow backend traces them; on concrete values both give the same result).
"""
import numpy as np

from kerasmini.autodiff import record
from kerasmini.autodiff.traced import plain
from kerasmini.ops.arguments import tensor, traced
from kerasmini.ops.dtypes import convert_to_numpy, convert_to_tensor, standardize_dtype
from kerasmini.ops.symbolic import CORE, keras_operation

__all__ = ["cast", "cond", "convert_to_numpy", "convert_to_tensor", "custom_gradient",
           "dtype", "fori_loop", "is_tensor", "scatter", "scatter_update", "shape",
           "slice", "slice_update", "stop_gradient", "switch", "while_loop"]


@keras_operation("Cast", config=("dtype",), module=CORE)
def cast(x, dtype):
    """x in `dtype`; the gradient flows to float x from a float result only."""
    return tensor(x, standardize_dtype(dtype))


def shape(x):
    """The shape as a tuple (None for a symbolic tensor's unknown sizes)."""
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def dtype(x):
    """The dtype's Keras name ('float32', 'int32', ...)."""
    return standardize_dtype(getattr(x, "dtype", None) or convert_to_tensor(x).dtype)


def is_tensor(x):
    return isinstance(x, np.ndarray)


@keras_operation("StopGradient", module=CORE)
def stop_gradient(variable):
    """The value, as a constant to every GradientTape (its gradient is None)."""
    value = variable._value if getattr(variable, "_is_variable", False) else variable
    return np.array(plain(np.asarray(value)))


def cond(pred, true_fn, false_fn):
    """true_fn() if pred else false_fn(); pred a bool or a one-element array."""
    return true_fn() if bool(np.asarray(pred)) else false_fn()


def switch(index, branches, *operands):
    """branches[index](*operands), index clipped to the branches, as Keras."""
    index = int(np.clip(np.asarray(index), 0, len(branches) - 1))
    return branches[index](*operands)


def fori_loop(lower, upper, body_fun, init_val):
    """val = body_fun(i, val) for i in range(lower, upper); returns val."""
    value = init_val
    for i in range(int(lower), int(upper)):
        value = body_fun(i, value)
    return value


def while_loop(cond, body, loop_vars, maximum_iterations=None):  # noqa: F811 (Keras's name)
    """loop_vars = body(*loop_vars) while cond(*loop_vars) (at most
    maximum_iterations times); a single loop variable may be passed bare."""
    several = isinstance(loop_vars, (tuple, list))
    values = tuple(loop_vars) if several else (loop_vars,)
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and bool(
            np.asarray(cond(*values))):
        values = body(*values)
        values = tuple(values) if isinstance(values, (tuple, list)) else (values,)
        steps += 1
    return type(loop_vars)(values) if several else values[0]


def _index_tuple(indices):
    """(k, n) integer indices -> a NumPy index of the first n axes."""
    indices = np.asarray(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"`indices` must be integers. Received: dtype={indices.dtype}")
    return tuple(np.moveaxis(indices, -1, 0))


@keras_operation("Scatter", config=("shape",), module=CORE)
def scatter(indices, values, shape):
    """zeros(shape) with `values` added at `indices` (duplicates add, as TensorFlow's
    scatter_nd); the gradient of values reads the output gradient at the indices."""
    values = tensor(values)
    index = _index_tuple(indices)
    out = np.zeros(shape, values.dtype)
    np.add.at(out, index, plain(values))
    return record(out, (values,), lambda g: (g[index],), "scatter")


@keras_operation("ScatterUpdate", config=("reduction",), module=CORE)
def scatter_update(inputs, indices, updates, reduction=None):
    """inputs with the elements (or slices) at `indices` replaced by `updates`."""
    if reduction is not None:
        raise ValueError("kerasmini's scatter_update replaces values; a `reduction` "
                         f"is not supported. Received: reduction={reduction}")
    return _replaced(tensor(inputs), _index_tuple(indices), tensor(updates),
                     "scatter_update")


def _replaced(inputs, where, updates, name):
    """inputs with inputs[where] replaced by updates, recorded: the gradient of inputs
    is the output's with zeros at `where`, that of updates the output's there."""
    out = np.array(plain(inputs))
    out[where] = plain(updates).astype(out.dtype, copy=False)

    def vjp(g):
        kept = np.array(g)
        kept[where] = 0
        return kept, g[where]
    return record(out, (inputs, updates), vjp, name)


def _window(start_indices, sizes):
    return tuple(np.s_[int(s):int(s) + int(n)] for s, n in zip(
        np.asarray(start_indices).reshape(-1), sizes))


@keras_operation("Slice", config=("shape",), module=CORE)
def slice(inputs, start_indices, shape):  # noqa: A001 (keras.ops.slice)
    """The block of `shape` starting at `start_indices` (recorded as indexing)."""
    return tensor(inputs)[_window(start_indices, shape)]


@keras_operation("SliceUpdate", module=CORE)
def slice_update(inputs, start_indices, updates):
    """inputs with the block at `start_indices` replaced by `updates`."""
    updates = tensor(updates)
    return _replaced(tensor(inputs), _window(start_indices, updates.shape), updates,
                     "slice_update")


def custom_gradient(f):
    """A function with its own gradient: `f(*args)` returns `(y, grad_fn)`, and a tape
    differentiates the wrapped function by `grad_fn(upstream)` (one gradient per
    argument, or one for a single argument), as keras.ops.custom_gradient."""
    def wrapper(*args):
        values = [plain(traced(a)) if not getattr(a, "_is_variable", False) else a._value
                  for a in args]
        y, grad_fn = f(*values)

        def vjp(g):
            grads = grad_fn(g)
            return tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
        return record(np.asarray(y), [traced(a) for a in args], vjp, f.__name__)
    wrapper.__name__ = wrapper.__qualname__ = f.__name__
    wrapper.__doc__ = f.__doc__
    return wrapper


@keras_operation("SaturateCast", config=("dtype",), module=CORE)
def saturate_cast(x, dtype):
    """x cast to `dtype` after clipping it to that dtype's range (so large floats
    become the largest integer instead of wrapping around)."""
    dtype = standardize_dtype(dtype)
    x = tensor(x)
    target = np.dtype(dtype)
    if target.kind in "iu" and x.dtype.kind in "fiu":
        info = np.iinfo(target)
        low, high = (max(info.min, np.finfo(x.dtype).min), min(info.max, np.finfo(x.dtype).max)) \
            if x.dtype.kind == "f" else (info.min, info.max)
        x = np.clip(x, low, high)
    elif target.kind == "f" and x.dtype.kind == "f" and target.itemsize < x.dtype.itemsize:
        info = np.finfo(target)
        x = np.clip(x, info.min, info.max)
    return tensor(x, dtype)


# keras.ops.core's functional loops, which live in loops.py
from kerasmini.ops.loops import (associative_scan, jvp, map, scan,  # noqa: E402,A004
                                 vectorize, vectorized_map)

__all__ += ["associative_scan", "jvp", "map", "saturate_cast", "scan", "vectorize",
            "vectorized_map"]
