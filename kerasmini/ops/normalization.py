"""Batch normalization with the batch's own statistics, and its gradient.

Forward (as tf.nn.batch_normalization): y = x * inv + (beta - mean * inv), where
inv = gamma / sqrt(variance + epsilon) and mean, variance are the moments of x over every
axis but the feature axis (N values per feature).

Backward. With x_hat = (x - mean) / sqrt(variance + epsilon), y = gamma * x_hat + beta:
    dL/dbeta  = sum(g)                 dL/dgamma = sum(g * x_hat)      (per feature)
    dL/dx     = gamma / sqrt(variance + epsilon) * (g - mean(g) - x_hat * mean(g * x_hat))
The two subtracted terms are the paths through the batch statistics: "- mean(g)"
through the mean (every x moves it by 1/N), "- x_hat * mean(g * x_hat)" through the
variance. Without them this would be the gradient of inference-mode normalization.
"""
import numpy as np

from kerasmini import config
from kerasmini.autodiff import differentiable
from kerasmini.ops import threads
from kerasmini.ops.bias_activation import relu_into

# Inference: rows (pixels) of a channels-last input per block, so that a block's output
# stays in cache while it is scaled, shifted and clipped (three passes over the whole
# array went to memory three times).
BLOCK_BYTES = 2**18


def _per_feature(shape, axis):
    """Shape that broadcasts a per-feature vector against x, and the reduced axes."""
    broadcast = [1] * len(shape)
    broadcast[axis] = shape[axis]
    return broadcast, tuple(i for i in range(len(shape)) if i != axis)


def moments(x, axis):
    """Per-feature biased mean and variance of x over every axis but `axis`, two-pass
    and accumulated in float64 (see Precision above); returned in float64."""
    broadcast, reduced = _per_feature(x.shape, axis)
    mean = x.mean(axis=reduced, dtype=np.float64)
    if x.dtype == np.float64:
        return mean, x.var(axis=reduced)
    # squares of x centred on the rounded mean, in float32 (a float64 temporary of x's
    # size made BN's forward + backward 40% slower), summed in float64; the mean's
    # rounding r is taken back out exactly: mean((x - m + r)^2) = var + r^2
    mean_wide = mean.astype(np.float32)
    squares = np.subtract(x, mean_wide.reshape(broadcast), dtype=np.float32)
    np.square(squares, out=squares)
    count = x.size // x.shape[axis]
    rounding = mean - mean_wide
    return mean, squares.sum(axis=reduced, dtype=np.float64) / count - rounding * rounding


def normalize(x, mean, variance, gamma, beta, epsilon, axis, clip=None):
    """y = x * inv + (beta - mean * inv), inv = gamma / sqrt(variance + epsilon).

    clip=(low, high) (high may be None) then bounds y in the same pass: a ReLU after the
    normalization, fused by predict (models/inference.py). A plain channels-last array
    is done in blocks of rows, shared by threads when large.
    """
    broadcast, _ = _per_feature(x.shape, axis)
    inv = 1 / np.sqrt(variance + np.asarray(epsilon, x.dtype))
    if gamma is not None:
        inv = inv * gamma
    shift = -mean * inv
    if beta is not None:
        shift = shift + beta
    scale = inv.reshape(broadcast).astype(x.dtype, copy=False)
    shift = shift.reshape(broadcast).astype(x.dtype, copy=False)
    plain = all(type(a) is np.ndarray for a in (x, scale, shift))  # nothing on a tape
    if plain and axis == x.ndim - 1 and x.flags.c_contiguous:
        # (a frozen BatchNormalization under fit reads recorded gamma and beta: its
        # output must stay recorded, which writing into `out=` blocks would lose)
        return _normalize_blocks(x, scale.reshape(-1), shift.reshape(-1), clip)
    # One output array, multiplied into and then added to in place: no `x * inv`
    # temporary and no cast copy (BatchNormalization was 11-23% of ResNet50 and
    # DenseNet121 predict at batch 32, docs/performance.md).
    out = np.multiply(x, scale)
    out += shift
    return out if clip is None else relu_into(out, clip, out)


def _normalize_blocks(x, scale, shift, clip):
    """normalize() of a C-contiguous channels-last x, block of rows after block."""
    rows = x.reshape(-1, x.shape[-1])
    out = np.empty(rows.shape, x.dtype)

    def block(rows_slice):
        part = np.multiply(rows[rows_slice], scale, out=out[rows_slice])
        part += shift
        if clip is not None:
            relu_into(part, clip, part)

    threads.over_row_blocks(block, len(rows), rows.strides[0], BLOCK_BYTES)
    return out.reshape(x.shape)


def _batch_normalization_vjp(g, out, x, gamma, beta, mean, variance, epsilon, axis):
    broadcast, reduced = _per_feature(x.shape, axis)
    wide = np.float32 if x.dtype == np.float16 else x.dtype
    g = g.astype(wide, copy=False)
    count = x.size // x.shape[axis]
    # per-feature values in float64, full-size arrays in `wide`
    mean64 = np.asarray(mean, np.float64).reshape(broadcast)
    inv_std64 = 1 / np.sqrt(np.asarray(variance, np.float64).reshape(broadcast) + epsilon)
    mean_wide = mean64.astype(wide)
    x_hat = (x.astype(wide, copy=False) - mean_wide) * inv_std64.astype(wide)
    g_sum = g.sum(axis=reduced, keepdims=True, dtype=np.float64)
    # x_hat is centred on the rounded mean; the rounding (mean64 - mean_wide) would come
    # back times sum(g), large when g is not centred: subtract it exactly
    g_x_hat_sum = ((g * x_hat).sum(axis=reduced, keepdims=True, dtype=np.float64)
                   - (mean64 - mean_wide) * inv_std64 * g_sum)
    gamma64 = 1.0 if gamma is None else np.asarray(gamma, np.float64).reshape(broadcast)
    g_mean, g_x_hat_mean = (g_sum / count).astype(wide), (g_x_hat_sum / count).astype(wide)
    dx = g - g_mean - x_hat * g_x_hat_mean
    dx *= (inv_std64 * gamma64).astype(wide)
    dgamma = None if gamma is None else g_x_hat_sum.reshape(-1).astype(gamma.dtype)
    dbeta = None if beta is None else g_sum.reshape(-1).astype(beta.dtype)
    return dx.astype(x.dtype, copy=False), dgamma, dbeta


def _batch_normalization_vjp_recorded(g, out, x, gamma, beta, mean, variance, epsilon,
                                      axis):
    """_batch_normalization_vjp with recordable operations, for a gradient taken inside an
    outer tape. The statistics are recomputed from the traced x (by this op's contract
    they are x's own batch moments), so the outer tape follows them too."""
    broadcast, reduced = _per_feature(np.shape(x), axis)
    centered = x - np.mean(x, axis=reduced, keepdims=True, dtype=np.float64).astype(
        x.dtype)
    inv_std = 1 / np.sqrt(np.mean(centered * centered, axis=reduced, keepdims=True)
                          + np.asarray(epsilon, x.dtype))
    x_hat = centered * inv_std
    g_x_hat = g * x_hat
    dx = (g - np.mean(g, axis=reduced, keepdims=True)
          - x_hat * np.mean(g_x_hat, axis=reduced, keepdims=True)) * (
        inv_std if gamma is None else inv_std * np.reshape(gamma, broadcast))
    dgamma = None if gamma is None else np.reshape(np.sum(g_x_hat, axis=reduced), (-1,))
    dbeta = None if beta is None else np.reshape(np.sum(g, axis=reduced), (-1,))
    return dx, dgamma, dbeta


def masked_moments(x, mask, axis):
    """Keras's masked batch statistics: mean and biased variance over the positions a
    mask (x's shape without its last axis) keeps, per feature along `axis`, each sum
    divided by (kept count + keras.config.epsilon()), in x's dtype as Keras. Plain
    NumPy on x, so a tape records the gradient through the statistics. Returned with
    x's rank (size 1 on every axis but `axis`)."""
    reduced = tuple(a for a in range(x.ndim) if a != axis)
    kept = np.broadcast_to(np.expand_dims(np.asarray(mask, bool), -1), x.shape)
    zero = np.zeros((), x.dtype)
    count = kept.sum(axis=reduced, keepdims=True).astype(x.dtype) + np.asarray(
        config.epsilon(), x.dtype)
    mean = np.where(kept, x, zero).sum(axis=reduced, keepdims=True) / count
    difference = np.where(kept, x - mean, zero)
    return mean, (difference * difference).sum(axis=reduced, keepdims=True) / count


def normalize_traced(x, mean, variance, gamma, beta, epsilon):
    """(x - mean) * gamma / sqrt(variance + epsilon) + beta in plain NumPy arithmetic
    (a tape records it all), for statistics shaped to broadcast against x."""
    inv = 1 / np.sqrt(variance + np.asarray(epsilon, x.dtype))
    if gamma is not None:
        inv = inv * np.reshape(gamma, mean.shape)
    out = (x - mean) * inv
    return out if beta is None else out + np.reshape(beta, mean.shape)


@differentiable(_batch_normalization_vjp, inputs=3,
                recorded=_batch_normalization_vjp_recorded)
def normalize_by_batch_moments(x, gamma, beta, mean, variance, epsilon, axis):
    """Normalize x with its own batch `mean` and `variance` (computed by the caller over
    every axis but `axis`, biased); gamma/beta may be None. Recorded with the gradient
    that flows through the statistics too."""
    return normalize(x, mean, variance, gamma, beta, epsilon, axis)
