"""Gradient of bias_add_relu, y = relu(x + bias): the layer tail of Conv2D(activation="relu").

With g = dL/dy, relu passes g where it passed its input, x + bias > 0, which is where
y > 0 (y is NaN where x + bias is, and NaN > 0 is false either way):
    dL/dx    = g * (y > 0)                       (x's shape)
    dL/dbias = dL/dx summed over every axis but the bias's (bias.shape)
The same numbers as recording the add and the relu one by one (the relu rule's
g * (x > 0), the add's broadcast sum, accumulated in float64 as `unbroadcast` does).
Both are passes over the output: a large batch is cut into parts that two threads take
(ops/threads.py), the bias sums of the parts added in the parts' order.
"""
import numpy as np

from kerasmini.ops.threads import over_batch_parts


def bias_add_relu_vjp(g, out, x, bias, axis=-1, needed=(True, True)):
    """(dL/dx, dL/dbias) of `bias_add_relu(x, bias, axis)` for g = dL/dout; dL/dbias is
    None, and not summed, when no tape follows the bias."""
    axis = axis % out.ndim
    if axis == 0:  # the batch axis is the bias's: no parts to cut
        return _whole_batch(g, out, x, bias, axis, needed)
    dx = np.empty(np.broadcast_shapes(g.shape, out.shape), g.dtype)
    summed_axes = tuple(a for a in range(out.ndim) if a != axis)
    sums = {}

    def part(images):
        np.multiply(g[images], out[images] > 0, out=dx[images])
        if needed[1]:
            sums[images.start] = dx[images].sum(axis=summed_axes, dtype=np.float64)

    over_batch_parts(part, out.shape[0], out.nbytes)
    dbias = None
    if needed[1]:
        total = sum(sums[start] for start in sorted(sums))  # the parts' order, always
        dbias = np.asarray(total).astype(bias.dtype, copy=False).reshape(bias.shape)
    return dx.astype(x.dtype, copy=False), dbias


def _whole_batch(g, out, x, bias, axis, needed):
    dx = np.multiply(g, out > 0)
    dbias = None
    if needed[1]:
        summed_axes = tuple(a for a in range(out.ndim) if a != axis)
        dbias = dx.sum(axis=summed_axes, dtype=np.float64).astype(bias.dtype).reshape(
            bias.shape)
    return dx.astype(x.dtype, copy=False), dbias
