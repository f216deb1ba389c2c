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

from kerasmini.autodiff import differentiable


def _per_feature(shape, axis):
    """Shape that broadcasts a per-feature vector against x, and the reduced axes."""
    broadcast = [1] * len(shape)
    broadcast[axis] = shape[axis]
    return broadcast, tuple(i for i in range(len(shape)) if i != axis)


def normalize(x, mean, variance, gamma, beta, epsilon, axis):
    """y = x * inv + (beta - mean * inv), inv = gamma / sqrt(variance + epsilon)."""
    broadcast, _ = _per_feature(x.shape, axis)
    inv = 1 / np.sqrt(variance + np.asarray(epsilon, x.dtype))
    if gamma is not None:
        inv = inv * gamma
    shift = -mean * inv
    if beta is not None:
        shift = shift + beta
    # One output array, multiplied into and then added to in place: no `x * inv`
    # temporary and no cast copy (BatchNormalization was 11-23% of ResNet50 and
    # DenseNet121 predict at batch 32, docs/performance.md).
    out = np.multiply(x, inv.reshape(broadcast).astype(x.dtype, copy=False))
    out += shift.reshape(broadcast).astype(x.dtype, copy=False)
    return out


def _batch_normalization_vjp(g, out, x, gamma, beta, mean, variance, epsilon, axis):
    broadcast, reduced = _per_feature(x.shape, axis)
    wide = np.float32 if x.dtype == np.float16 else x.dtype
    g = g.astype(wide, copy=False)
    inv_std = (1 / np.sqrt(variance.astype(wide) + np.asarray(epsilon, wide))).reshape(broadcast)
    x_hat = (x.astype(wide, copy=False) - mean.astype(wide).reshape(broadcast)) * inv_std
    g_mean = g.mean(axis=reduced, keepdims=True)
    g_x_hat_mean = (g * x_hat).mean(axis=reduced, keepdims=True)
    scale = inv_std if gamma is None else inv_std * gamma.astype(wide).reshape(broadcast)
    dx = scale * (g - g_mean - x_hat * g_x_hat_mean)
    count = x.size // x.shape[axis]
    dgamma = None if gamma is None else (g_x_hat_mean * count).reshape(-1).astype(gamma.dtype)
    dbeta = None if beta is None else (g_mean * count).reshape(-1).astype(beta.dtype)
    return dx.astype(x.dtype), dgamma, dbeta


@differentiable(_batch_normalization_vjp, inputs=3)
def batch_normalization(x, gamma, beta, mean, variance, epsilon, axis):
    """Normalize x with its own batch `mean` and `variance` (computed by the caller over
    every axis but `axis`, biased); gamma/beta may be None. Recorded with the gradient
    that flows through the statistics too."""
    return normalize(x, mean, variance, gamma, beta, epsilon, axis)
