"""Group normalization of (samples, positions, channels) arrays, from per-channel sums.

NumPy's mean and var over a group's positions and channels at once (axes 1 and 3 of
(N, positions, groups, channels per group)) walk the input in short strided runs: 25 and
57 ms on 8x56x56x128. Here each sample's channels are first summed over the positions
(whole rows of channels, one vectorized pass, accumulated in float64), then each group
adds up its channels' sums. Two passes as in ops/normalization.py's moments: the mean,
then the squares of x centred on the mean rounded to x's dtype (no float64 copy of x),
summed in float64, the rounding's square taken back out exactly. Then Keras's
x * inv + (beta - mean * inv), inv = gamma / sqrt(variance + epsilon), per channel.
"""
import numpy as np


def group_normalize(x, groups, gamma, beta, epsilon):
    """x (N, positions, C) normalized per sample and group of C // groups channels;
    gamma and beta (C,) or None."""
    per_group = x.shape[2] // groups
    count = x.shape[1] * per_group
    mean = _group_sums(x, groups) / count  # (N, groups), float64
    rounded = mean.astype(x.dtype)  # centring on it keeps the squares in x's dtype
    squares = np.subtract(x, np.repeat(rounded, per_group, axis=1)[:, None, :])
    np.square(squares, out=squares)
    rounding = mean - rounded
    variance = _group_sums(squares, groups) / count - rounding * rounding
    epsilon = np.asarray(epsilon, x.dtype).astype(np.float64)  # as TF adds it
    inv = np.repeat(1 / np.sqrt(variance + epsilon), per_group, axis=1)  # (N, C)
    if gamma is not None:
        inv = inv * gamma
    shift = -np.repeat(mean, per_group, axis=1) * inv
    if beta is not None:
        shift = shift + beta
    out = np.multiply(x, inv[:, None, :].astype(x.dtype), out=squares)
    out += shift[:, None, :].astype(x.dtype)
    return out


def _group_sums(x, groups):
    """(N, groups) float64: each sample's sum over the positions and a group's channels."""
    n, _, channels = x.shape
    return x.sum(axis=1, dtype=np.float64).reshape(n, groups, channels // groups).sum(axis=2)
