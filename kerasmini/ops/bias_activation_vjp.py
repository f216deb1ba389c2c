"""Gradient of bias_add_relu, y = relu(x + bias): the layer tail of Conv2D(activation="relu").

With g = dL/dy, relu passes g where it passed its input, x + bias > 0, which is where
y > 0 (y is NaN where x + bias is, and NaN > 0 is false either way):
    dL/dx    = g * (y > 0)                       (x's shape)
    dL/dbias = dL/dx summed over every axis but the bias's (bias.shape)
The same numbers as recording the add and the relu one by one (the relu rule's
g * (x > 0), the add's broadcast sum, accumulated in float64 as `unbroadcast` does).
"""
import numpy as np

from kerasmini.autodiff import unbroadcast


def bias_add_relu_vjp(g, out, x, bias, axis=-1, needed=(True, True)):
    """(dL/dx, dL/dbias) of `bias_add_relu(x, bias, axis)` for g = dL/dout; dL/dbias is
    None, and not summed, when no tape follows the bias."""
    dx = np.multiply(g, out > 0)
    dbias = None
    if needed[1]:
        shape = [1] * out.ndim
        shape[axis] = bias.shape[0]
        dbias = unbroadcast(dx, shape).reshape(bias.shape).astype(bias.dtype, copy=False)
    return dx.astype(x.dtype, copy=False), dbias
