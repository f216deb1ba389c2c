"""What every keras.ops function does with its arguments first: tensors in Keras's
dtypes, followed by an active GradientTape; axes as NumPy takes them."""
import numpy as np

from kerasmini.autodiff import track
from kerasmini.ops.dtypes import convert_to_tensor, float_type, result_type


def traced(x):
    """x as the tape sees it: a Variable's recorded value, a watched array's TapeArray
    view; anything else as it is."""
    if getattr(x, "_is_variable", False):
        return x.value
    return track(x)


def tensor(x, dtype=None):
    """x as an ndarray in Keras's dtype (Python numbers and lists as Keras converts
    them), cast to `dtype` if given (a recorded cast), followed by the tape."""
    x = traced(x)
    if not isinstance(x, np.ndarray):
        x = convert_to_tensor(x)
    return x if dtype is None or x.dtype == dtype else x.astype(dtype)


def floating(x):
    """x as a tensor of Keras's float type for it (ints and bools become floatx)."""
    x = tensor(x)
    return tensor(x, float_type(x))


def promoted(*values, dtype=None):
    """The values as tensors of the type Keras promotes them to together (a Python
    number is weak: int32 + 2.5 is float32 in Keras, float64 in NumPy), or to `dtype`."""
    dtype = dtype or result_type(*[v if isinstance(v, (bool, int, float)) else tensor(v)
                          for v in values])
    return [tensor(v, dtype) for v in values]


def as_axis(axis):
    """An axis argument as NumPy takes it (a list of axes becomes a tuple)."""
    return tuple(axis) if isinstance(axis, list) else axis
