"""Gradient of bias_add_relu, y = relu(x + bias): the layer tail of Conv2D(activation="relu").

With g = dL/dy, relu passes g where it passed its input, x + bias > 0, which is where
y > 0 (y is NaN where x + bias is, and NaN > 0 is false either way):
    dL/dx    = g * (y > 0)                       (x's shape)
    dL/dbias = dL/dx summed over every axis but the bias's (bias.shape)
The same numbers as recording the add and the relu one by one (the relu rule's
g * (x > 0), the add's broadcast sum, accumulated in float64 as `unbroadcast` does).

One pass over memory: the batch is cut into blocks of about BLOCK_BYTES of output, and
each block's dL/dx is summed while it is still in cache (masking the whole array, then
summing it, read 11 MB twice at batch 128 of the first Conv2D). Blocks are taken by two
threads on a large input (ops/threads.py); the blocks' float64 sums are added in the
blocks' order. The channel sums run through einsum, which accumulates a float32 block in
float64 ~2x faster than `sum(dtype=float64)` (NumPy's sum over the leading axes casts
row by row through a buffer); for float64 the sum is NumPy's as before.
"""
import numpy as np

from kerasmini.ops.threads import over_row_blocks

# Output bytes per block: a block's mask, product and sum stay in a 1-2 MiB L2 cache.
BLOCK_BYTES = 2**20


def bias_add_relu_vjp(g, out, x, bias, axis=-1, needed=(True, True)):
    """(dL/dx, dL/dbias) of `bias_add_relu(x, bias, axis)` for g = dL/dout; dL/dbias is
    None, and not summed, when no tape follows the bias."""
    axis = axis % out.ndim
    if axis == 0:  # the batch axis is the bias's: no parts to cut
        return _whole_batch(g, out, x, bias, axis, needed)
    dx = np.empty(np.broadcast_shapes(g.shape, out.shape), g.dtype)
    sums = {}

    def block(images):
        np.multiply(g[images], out[images] > 0, out=dx[images])
        if needed[1]:
            sums[images.start] = channel_sums(dx[images], axis)

    over_row_blocks(block, out.shape[0], out[:1].nbytes, BLOCK_BYTES)
    dbias = None
    if needed[1]:
        total = sum(sums[start] for start in sorted(sums))  # the blocks' order, always
        dbias = np.asarray(total).astype(bias.dtype, copy=False).reshape(bias.shape)
    return dx.astype(x.dtype, copy=False), dbias


def channel_sums(values, axis):
    """values summed over every axis but `axis`, accumulated in float64."""
    if values.dtype == np.float64:
        return values.sum(axis=tuple(a for a in range(values.ndim) if a != axis))
    letters = "abcdefghijklmnopqrstuvwxyz"[:values.ndim]
    return np.einsum(f"{letters}->{letters[axis]}", values, dtype=np.float64)


def _whole_batch(g, out, x, bias, axis, needed):
    dx = np.multiply(g, out > 0)
    dbias = None
    if needed[1]:
        summed_axes = tuple(a for a in range(out.ndim) if a != axis)
        dbias = dx.sum(axis=summed_axes, dtype=np.float64).astype(bias.dtype).reshape(
            bias.shape)
    return dx.astype(x.dtype, copy=False), dbias


def bias_add_relu_vjp_recorded(g, out, x, bias, axis=-1):
    """bias_add_relu's rule with recordable operations, for a gradient taken inside an
    outer tape: g times the constant mask out > 0 (relu's second derivative is 0), the
    bias's gradient its sum over the other axes (float64, as channel_sums)."""
    axis = axis % np.ndim(out)
    dx = g * (out > 0)
    others = tuple(a for a in range(np.ndim(out)) if a != axis)
    dbias = dx.sum(axis=others, dtype=np.float64).astype(np.result_type(bias))
    return dx.astype(np.result_type(x), copy=False), np.reshape(dbias, np.shape(bias))
