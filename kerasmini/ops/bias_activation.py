"""bias_add_activate: a layer's `activation(x + bias)`, written into x where it can be.

A convolution's output is a fresh array that nothing else holds, so the bias can be
added into it and plain relu can overwrite it: a second output-sized array would cost
an allocation and a pass over memory, which is most of a small (latency) call. Any
other activation gets the biased array and returns its own.
"""
import numpy as np

from kerasmini import activations  # relu is known by identity: the one in-place case
from kerasmini import autodiff
from kerasmini.ops import bias_activation_vjp
from kerasmini.ops.threads import over_batch_parts


def bias_add_activate(x, bias, activation, axis=-1):
    """activation(x + bias), with `bias` (x.shape[axis],) along `axis`; x is overwritten.

    x must be the caller's own array (a kernel's output), since it may be written into.
    bias None means no bias. While a GradientTape records, `x += ...` returns a new
    recorded array (kerasmini.autodiff's in-place rule): the gradient stays right; a
    bias and relu are then one recorded op, bias_add_relu (one new array, not two).
    """
    if bias is not None and activation is activations.relu and autodiff.is_recording():
        return bias_add_relu(x, bias, axis)
    if bias is not None:
        shape = [1] * x.ndim
        shape[axis] = bias.shape[0]
        x += bias.reshape(shape)
    if activation is activations.relu and not autodiff.is_recording():
        return np.maximum(x, 0, out=x)  # (while recording, relu records its own rule)
    return activation(x)


def relu_into(y, bounds, out):
    """max(y, low), capped at high unless it is None, written to `out`: a ReLU layer's
    (low, high) = (0, max_value), for the in-place and fused ReLUs of predict."""
    low, high = bounds
    return np.maximum(y, low, out=out) if high is None else np.clip(y, low, high, out=out)


@autodiff.differentiable(bias_activation_vjp.bias_add_relu_vjp, inputs=2,
                         recorded=bias_activation_vjp.bias_add_relu_vjp_recorded)
def bias_add_relu(x, bias, axis=-1):
    """relu(x + bias) in one new array, `bias` (x.shape[axis],) along `axis` (training's
    form of the fused tail: x, a recorded output, is left as it was). A large batch is
    cut in parts for two threads (blocking the parts to keep them in cache measured
    3-5% slower on one thread: the add and relu are not bound by memory here)."""
    shape = [1] * x.ndim
    shape[axis] = bias.shape[0]
    column = bias.reshape(shape)
    y = np.empty(np.broadcast_shapes(x.shape, column.shape), np.result_type(x, bias))

    def part(images):
        np.add(x[images], column, out=y[images])
        np.maximum(y[images], 0, out=y[images])

    if axis % x.ndim == 0:  # the bias runs along the batch: one part
        part(slice(None))
    else:
        over_batch_parts(part, x.shape[0], y.nbytes)
    return y
