"""Layer normalization of the rows of a 2D array, in cache-sized blocks of rows.

Keras's formula, unchanged: inv = gamma / sqrt(variance + epsilon) and
out = x * inv + (beta - mean * inv), with each row's own mean and variance. Written over
the whole input, every broadcast in it is a full-size temporary (inv * gamma alone is as
large as x): about ten passes over memory that does not fit in cache. Here the rows go in
blocks whose temporaries stay in cache, the batch of rows shared by threads
(ops/threads.py); each row gets the same NumPy reductions and roundings as before.
"""
import numpy as np

from kerasmini.ops.threads import over_row_blocks

# Input bytes per block: its half-dozen temporaries stay within a 2 MiB L2 cache.
BLOCK_BYTES = 2**18


def layer_normalize(x, gamma, beta, epsilon, rms_scaling=False):
    """Each row of the 2D x normalized over its features; gamma, beta: (features,) or None.

    rms_scaling: Keras's variant x * gamma / sqrt(variance + epsilon), with no centring.
    """
    out = np.empty_like(x)
    epsilon = np.asarray(epsilon, x.dtype)

    def normalize(rows):
        block = x[rows]
        inv = 1 / np.sqrt(block.var(axis=1, keepdims=True) + epsilon)
        if gamma is not None:
            inv = inv * gamma
        np.multiply(block, inv, out=out[rows])
        if rms_scaling:
            return
        shift = -block.mean(axis=1, keepdims=True) * inv
        if beta is not None:
            shift = shift + beta
        out[rows] += shift

    over_row_blocks(normalize, x.shape[0], x.shape[1] * x.itemsize, BLOCK_BYTES)
    return out
