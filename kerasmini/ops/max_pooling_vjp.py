"""Gradient of max_pool: each window sends its output gradient to one input pixel.

Which one, when several pixels of a window tie for the maximum? TensorFlow's rule,
measured with tf.GradientTape (float32/float64, valid and same, overlapping windows):
**the first maximal pixel of the window in row-major order** (top row first, then left
to right) gets the whole gradient, each window on its own; where windows overlap, their
gradients add up. A window whose output is NaN (kerasmini propagates NaN) sends its
gradient to its first NaN. Padding pixels never receive gradient.

The search runs over the KH*KW window offsets in row-major order, each a vectorized
comparison of one strided slice of the input with the output: the first offset that
matches claims the window. Images are independent: the batch is routed in blocks of
about BLOCK_BYTES of input, so that a block's KH*KW passes read it from cache (3x3
stride-2 windows on (32, 56, 56, 64): 43 -> 29 ms of CPU against halves of the batch),
and the blocks of a large batch are shared by two threads (ops/threads.py decides from
the machine's load).
"""
import numpy as np

from kerasmini.ops.bias_activation_vjp import channel_sums
from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.threads import over_row_blocks
from kerasmini.ops.window_gradients import crop_padding, offset_slices, pooling_geometry
from kerasmini.ops.windows import pad_spatial

# Input bytes per block of images routed at once: the block's input, output, gradient and
# masks stay in cache through the KH*KW offsets' passes.
BLOCK_BYTES = 2**20


def max_pool_vjp(g, out, inputs, pool_size, strides=None, padding="valid",
                 data_format=None):
    """dL/dinputs of `max_pool(inputs, ...)` for g = dL/dout."""
    x, g, pool_size, strides, pads, data_format = pooling_geometry(
        inputs, g, pool_size, strides, padding, data_format)
    out = to_channels_last(np.asarray(out), data_format)
    x_padded = pad_spatial(x, pads, np.nan)  # NaN pads: equal to nothing
    out_is_nan = np.isnan(out) if np.isnan(np.min(out)) else None  # min keeps a NaN
    if out_is_nan is not None:  # a NaN window claims its first NaN, never a NaN pad
        inside = pad_spatial(np.ones((1, *x.shape[1:3], 1), bool), pads, False)
    # g * wins is a select (and 10-20x faster than np.where's) while g is finite: where
    # g is inf or NaN, 0 * g would be NaN, so the select keeps it out of losing pixels.
    # (max and min are reductions without a temporary; both finite means all are.)
    finite = np.isfinite(np.max(g)) and np.isfinite(np.min(g)) if g.size else True
    select = _multiply if finite else _where
    # the multiply writes losing pixels too (zeros); the select leaves them as they were
    dx_padded = _gradient_buffer(x_padded.shape, out.shape, pool_size, strides, g.dtype,
                                 every_pixel_written=finite)
    overlapping = any(s < k for s, k in zip(strides, pool_size))
    offsets = list(offset_slices(pool_size, strides, (1, 1), out.shape[1:3]))

    def route(images):
        """Send the gradient of images[i] to the winners of their windows (images are
        independent: the threads take blocks of the batch)."""
        o, gi, dx = out[images], g[images], dx_padded[images]
        nan = None if out_is_nan is None else out_is_nan[images]
        wins, claimed = np.empty(o.shape, bool), None
        for index, (_, (rows, cols)) in enumerate(offsets):
            candidate = x_padded[images, rows, cols]
            np.equal(candidate, o, out=wins)
            if nan is not None:
                wins |= nan & np.isnan(candidate) & inside[:, rows, cols]
            if claimed is None:  # the first offset: nothing is claimed before it
                claimed = wins.copy()
            else:
                np.greater(wins, claimed, out=wins)  # wins and not claimed earlier
                if index < len(offsets) - 1:
                    claimed |= wins
            target = dx[:, rows, cols]
            if overlapping:
                target += select(gi, wins)
            else:  # each input pixel lies in one window: written once, from zero
                select(gi, wins, out=target)

    over_row_blocks(route, out.shape[0], x[:1].nbytes, BLOCK_BYTES)
    return from_channels_last(crop_padding(dx_padded, pads), data_format)


def max_pool_of_relu_vjp(g, pool, relu, needed):
    """(dL/dx, dL/dbias) of max_pool(relu(x + bias)) for g = dL/dpooled: the two rules
    of a Conv2D(activation="relu") followed by MaxPooling2D, in one (the tape runs it
    when nothing else reads the relu's output: autodiff's `through`).

    relu passes the gradient where its output y > 0, and pooling sends each window's
    gradient to one pixel of y, its winner, whose value is the window's output. So the
    mask y > 0 at the winners is the mask out > 0 on the pooled grid: the gradient is
    masked there (4x fewer values for 2x2 windows) before it is routed, and the bias
    gradient, the sum of what is routed, is summed there too. This saves the relu rule's
    pass over the full-size gradient and mask (the same numbers: each routed value is
    g * mask either way; the bias's float64 sum adds the same values, without the zeros).

    pool, relu: each op's (out, plain args, kwargs). Returns None (declines) unless the
    bias runs along the pooling's channel axis of a 4D input."""
    out, (y, *pool_args), pool_options = pool
    _, (x, bias, *relu_args), relu_options = relu
    data_format = standardize_data_format(
        pool_args[3] if len(pool_args) > 3 else pool_options.get("data_format"))
    axis = (relu_args[0] if relu_args else relu_options.get("axis", -1)) % y.ndim
    channel_axis = 3 if data_format == "channels_last" else 1
    if y.ndim != 4 or axis != channel_axis or np.ndim(bias) != 1:
        return None
    masked = np.multiply(g, out > 0)  # NaN > 0 is False, as in the relu rule
    dx = max_pool_vjp(masked, out, y, *pool_args, **pool_options)
    dbias = None
    if needed[1]:
        dbias = np.asarray(channel_sums(masked, axis)).astype(bias.dtype, copy=False)
    return dx.astype(x.dtype, copy=False), dbias


def _gradient_buffer(shape, out_shape, pool_size, strides, dtype, every_pixel_written):
    """The (padded) input gradient, zero wherever the windows' loop will not write it.

    Windows that tile the input (strides == pool_size) write every pixel they cover
    exactly once when `every_pixel_written` (losers get 0 written), so only the rows and
    columns past the last window (a floor division left them out) need zeros: one pass
    over the input's size saved. Otherwise: zeros."""
    if tuple(strides) != tuple(pool_size) or not every_pixel_written:
        return np.zeros(shape, dtype)
    buffer = np.empty(shape, dtype)
    covered_h, covered_w = (n * s for n, s in zip(out_shape[1:3], strides))
    buffer[:, covered_h:] = 0
    buffer[:, :covered_h, covered_w:] = 0
    return buffer


def _multiply(g, wins, out=None):
    return np.multiply(g, wins, out=out)


def _where(g, wins, out=None):
    if out is None:
        return np.where(wins, g, 0)
    np.copyto(out, g, where=wins)
    return out
