"""Keras 3's dtype rules for keras.ops results (TensorFlow backend), not NumPy's.

NumPy and Keras disagree on the everyday cases: int32 + float32 is float64 in NumPy and
float32 in Keras; `mean` of ints is float64 in NumPy and float32 in Keras; a Python list
of ints is int64 in NumPy and int32 in Keras. Keras promotes along JAX's lattice, where a
Python number is *weak* (it takes the other operand's type), every integer type goes
up to a float of the lowest width, and a weak result is resolved at floatx's precision.

    bool -> weak int -> {uint8, int8}; uint8 -> {uint16, int16}; ... int64 -> weak float
    weak float -> {bfloat16, float16} -> float32 -> float64

`result_type(*values)` is the least upper bound of the values' types on that lattice
(the one type above all of them that every other common upper bound is above).
"""
import functools
import numbers

import numpy as np

from kerasmini import config

# each type -> the types immediately above it
_ABOVE = {
    "bool": ("int",),
    "int": ("uint8", "int8"),
    "uint8": ("int16", "uint16"), "uint16": ("int32", "uint32"),
    "uint32": ("int64", "uint64"), "uint64": ("float",),
    "int8": ("int16",), "int16": ("int32",), "int32": ("int64",), "int64": ("float",),
    "float": ("bfloat16", "float16"), "bfloat16": ("float32",), "float16": ("float32",),
    "float32": ("float64",), "float64": (),
}


def _upper_bounds():
    bounds = {}
    for node in _ABOVE:
        seen, todo = {node}, [node]
        while todo:
            for up in _ABOVE[todo.pop()]:
                if up not in seen:
                    seen.add(up)
                    todo.append(up)
        bounds[node] = frozenset(seen)
    return bounds


_BOUNDS = _upper_bounds()


@functools.lru_cache(256)
def _least_upper_bound(nodes):
    common = frozenset.intersection(*[_BOUNDS[n] for n in nodes])
    (least,) = [c for c in common if common <= _BOUNDS[c]]
    return least


def standardize_dtype(dtype):
    """A dtype as Keras names it ('float32', 'int64', 'bool'); None -> floatx."""
    if dtype is None:
        return config.floatx()
    if dtype is int:  # Keras's TensorFlow backend maps Python's int to int64
        return "int64"
    if dtype is float:
        return config.floatx()
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in _ABOVE or name in ("int", "float"):
        raise ValueError(f"Invalid dtype: {dtype!r}. kerasmini.ops takes one of "
                         f"{sorted(n for n in _ABOVE if n not in ('int', 'float', 'bfloat16'))}.")
    return name


def _lattice_type(value):
    """(type on the lattice, weak?) of an array, a Python number or a dtype."""
    if isinstance(value, (bool, np.bool_)):
        return "bool", False
    if isinstance(value, int) or value is int:
        return "int", True
    if isinstance(value, float) or value is float:
        return "float", True
    dtype = getattr(value, "dtype", value)
    return standardize_dtype(dtype), False


def result_type(*values):
    """The dtype Keras gives an operation on `values` (arrays, Python numbers, dtypes)."""
    if not values:
        return config.floatx()
    types = [_lattice_type(v) for v in values]
    if all(weak for _, weak in types):
        strong = {"int": "int64", "float": "float32"}
        found = _least_upper_bound(frozenset(strong.get(t, t) for t, _ in types))
        weak = found != "bool"
        found = "int" if found.startswith(("int", "uint")) else found
        found = "float" if weak and found.startswith(("float", "bfloat")) else found
    else:
        found = _least_upper_bound(frozenset(t for t, _ in types))
    if found == "int":
        return "int32"
    if found == "float":
        return config.floatx()
    return "uint32" if found == "uint64" else found


def float_type(*values):
    """Keras's dtype for a function that always computes in floating point (sin, mean,
    sqrt): the operands' promoted type, or floatx when that is an integer or bool."""
    dtype = result_type(*values)
    return dtype if dtype.startswith("float") else config.floatx()


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """An ndarray with Keras's types: Python ints int32, floats floatx, bools bool;
    arrays keep theirs. A Variable gives its value (its tape view while recording).
    kerasmini's tensors are dense: `sparse` and `ragged` may only be None or False."""
    for name, value in (("sparse", sparse), ("ragged", ragged)):
        if value:
            raise ValueError(f"kerasmini has no {name} tensors: `{name}` must be None or "
                             f"False. Received: {name}={value}")
    if getattr(x, "_is_variable", False):
        x = x.value
    if dtype is not None:
        dtype = standardize_dtype(dtype)
    if isinstance(x, np.ndarray):
        return x if dtype is None or x.dtype == dtype else x.astype(dtype)
    if isinstance(x, np.generic):
        return np.asarray(x, dtype)
    if dtype is None:
        dtype = _python_dtype(x)
    return np.asarray(x, dtype=dtype)


def _python_dtype(x):
    """The dtype Keras gives nested Python numbers: floatx if any is a float, int32 for
    ints, bool for bools only."""
    flat = list(np.asarray(x, dtype=object).reshape(-1)) \
        if not isinstance(x, numbers.Number) else [x]
    if any(isinstance(v, np.ndarray) for v in flat):
        return None
    if any(isinstance(v, (str, bytes)) or v is None for v in flat):
        raise TypeError(f"keras.ops takes numbers, arrays and tensors. Received: {x!r}")
    if any(isinstance(v, (float, np.floating)) for v in flat) or not flat:
        return config.floatx()
    if all(isinstance(v, (bool, np.bool_)) for v in flat):
        return "bool"
    return "int32"


def convert_to_numpy(x):
    """A plain ndarray copy-free view (as keras.ops.convert_to_numpy): detached from any
    tape, as `.numpy()` is in TensorFlow."""
    if getattr(x, "_is_variable", False):
        return np.array(x._value)
    return np.array(x) if not isinstance(x, np.ndarray) else np.asarray(x).view(np.ndarray)
