"""keras.ops's array constructors, with Keras's dtypes: Python ints give int32,
floats floatx; zeros, ones, full, eye and linspace default to floatx; *_like take the
model array's dtype. All of them are constants to a GradientTape."""
import numpy as np

from kerasmini.ops.arguments import tensor
from kerasmini.ops.dtypes import result_type, standardize_dtype
from kerasmini.ops.symbolic import keras_operation


def _dtype_of(value):
    return value if isinstance(value, (bool, int, float)) else tensor(value)


def arange(start, stop=None, step=None, dtype=None):
    """[start, stop) by step (None: 1); arange(n) is [0, n). dtype: of the arguments
    (int32 for Python ints, floatx as soon as one is a float)."""
    if dtype is None:
        dtype = result_type(*[_dtype_of(v) for v in (start, stop, step) if v is not None])
    if stop is None:
        start, stop = 0, start
    return np.arange(start, stop, 1 if step is None else step,
                     dtype=standardize_dtype(dtype))


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    dtype = standardize_dtype(dtype or result_type(_dtype_of(start), _dtype_of(stop), float))
    values, step = np.linspace(np.asarray(start), np.asarray(stop), num, endpoint=endpoint,
                               retstep=True, axis=axis)
    values = values.astype(dtype)
    return (values, step) if retstep else values


def zeros(shape, dtype=None):
    return np.zeros(shape, standardize_dtype(dtype))


def ones(shape, dtype=None):
    return np.ones(shape, standardize_dtype(dtype))


def full(shape, fill_value, dtype=None):
    fill = np.asarray(tensor(fill_value), standardize_dtype(dtype))
    return np.array(np.broadcast_to(fill, shape))


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 (Keras's names)
    return np.eye(N, M, k, dtype=standardize_dtype(dtype))


def identity(n, dtype=None):
    return np.identity(n, standardize_dtype(dtype))


def tri(N, M=None, k=0, dtype=None):  # noqa: N803 (Keras's names)
    return np.tri(N, M, k, dtype=standardize_dtype(dtype))


def _like_dtype(x, dtype):
    return standardize_dtype(dtype) if dtype is not None else np.asarray(tensor(x)).dtype


@keras_operation("ZerosLike", config=("dtype",))
def zeros_like(x, dtype=None):
    return np.zeros(np.shape(tensor(x)), _like_dtype(x, dtype))


@keras_operation("OnesLike", config=("dtype",))
def ones_like(x, dtype=None):
    return np.ones(np.shape(tensor(x)), _like_dtype(x, dtype))


@keras_operation("FullLike", config=("dtype",))
def full_like(x, fill_value, dtype=None):
    return full(np.shape(tensor(x)), fill_value, _like_dtype(x, dtype))


def meshgrid(*x, indexing="xy"):
    """Coordinate grids, one per input vector (NumPy's 'xy' or 'ij' order)."""
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'. "
                         f"Received: indexing={indexing}")
    return [np.array(grid) for grid in np.meshgrid(*[np.asarray(tensor(v)) for v in x],
                                                   indexing=indexing)]

