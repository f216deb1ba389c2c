"""product(a, b): the 2D matmul of the gradient rules, through the kernels' own matmul.

The forward kernels keep a small product on the calling thread (waking BLAS's second
thread on a busy machine waits a scheduler tick, ~8 ms: see ops/convolution.py); the
backward's products have the same sizes, so they go the same way.
"""
import numpy as np

try:  # the shared product of the kernels, once ops/matmul.py exists
    from kerasmini.ops.matmul import matmul as _matmul_into
except ImportError:
    from kerasmini.ops.convolution import _matmul as _matmul_into


def product(a, b):
    """a @ b for 2D a (m, k) and b (k, n), in a new (m, n) array."""
    out = np.empty((a.shape[0], b.shape[1]), np.result_type(a, b))
    _matmul_into(a, b, out)
    return out
