"""keras.ops's bitwise functions: NumPy's on integer tensors promoted as Keras
promotes them (TensorFlow refuses floats and bools: so does kerasmini). Constants to a
GradientTape (integer results)."""
import numpy as np

from kerasmini.ops.arguments import promoted, tensor
from kerasmini.ops.symbolic import keras_operation


def _integers(name, *xs):
    xs = promoted(*xs)
    for i, x in enumerate(xs):
        if x.dtype.kind not in "iu":
            raise TypeError(f"`{name}` takes integer tensors. Received: "
                            f"{'x' if i == 0 else 'y'}.dtype={x.dtype}")
    return [np.asarray(x) for x in xs]


def _define(ufunc, name, class_name):
    if ufunc.nin == 1:
        def op(x):
            return ufunc(*_integers(name, x))
    else:
        def op(x, y):
            return ufunc(*_integers(name, x, y))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"numpy.{ufunc.__name__} of integer tensors."
    return keras_operation(class_name)(op)


bitwise_and = _define(np.bitwise_and, "bitwise_and", "BitwiseAnd")
bitwise_or = _define(np.bitwise_or, "bitwise_or", "BitwiseOr")
bitwise_xor = _define(np.bitwise_xor, "bitwise_xor", "BitwiseXor")
bitwise_invert = _define(np.invert, "bitwise_invert", "BitwiseInvert")
bitwise_not = _define(np.invert, "bitwise_not", "BitwiseNot")
bitwise_left_shift = _define(np.left_shift, "bitwise_left_shift", "BitwiseLeftShift")
bitwise_right_shift = _define(np.right_shift, "bitwise_right_shift", "BitwiseRightShift")
left_shift = _define(np.left_shift, "left_shift", "LeftShift")
right_shift = _define(np.right_shift, "right_shift", "RightShift")
