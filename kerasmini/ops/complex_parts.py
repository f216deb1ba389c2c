"""keras.ops's complex parts: real, imag, conj / conjugate, angle, isreal.

kerasmini's tensors are real (Keras's complex results, from fft and stft, come as
(real, imag) pairs), so for a real x these are x, zeros, x, the angle 0 or pi, and
True; a complex NumPy array passes through NumPy's functions.
"""
import numpy as np

from kerasmini.ops.arguments import tensor
from kerasmini.ops.dtypes import float_type
from kerasmini.ops.symbolic import keras_operation

@keras_operation("Real")
def real(x):
    x = tensor(x)
    return np.real(x) if x.dtype.kind == "c" else x


@keras_operation("Imag")
def imag(x):
    """The imaginary part: zeros of x's dtype for real x (a constant)."""
    x = tensor(x)
    return np.imag(np.asarray(x)) if x.dtype.kind == "c" else np.zeros(x.shape, x.dtype)


@keras_operation("Conjugate")
def conjugate(x):
    x = tensor(x)
    return np.conjugate(x) if x.dtype.kind == "c" else x


@keras_operation("Conj")
def conj(x):
    return conjugate(x)


@keras_operation("Angle")
def angle(x):
    """The argument arctan2(imag, real): pi for negative real x, else 0 (a constant);
    ints in floatx."""
    x = tensor(x)
    if x.dtype.kind == "c":
        return np.angle(np.asarray(x))
    x = np.asarray(tensor(x, "float32" if x.dtype.name == "int64" else float_type(x)))
    return np.arctan2(np.zeros_like(x), x)


@keras_operation("Isreal")
def isreal(x):
    x = np.asarray(tensor(x))
    return np.imag(x) == 0 if x.dtype.kind == "c" else np.ones(x.shape, bool)
