"""Gradient of a stack of matrix products: y[i] = a[i] @ b[i] for every stacked i.

With g = dL/dy (..., m, n):
    dL/da = g @ b^T    (..., m, n) @ (..., n, k) -> a's shape
    dL/db = a^T @ g    (..., k, m) @ (..., m, n) -> b's shape
each matrix of the stack on its own, as in the 2D case (linear_vjp.py).
"""
import numpy as np

from kerasmini.ops.products import batch_product


def batch_product_vjp(g, out, a, b):
    return batch_product(g, np.swapaxes(b, -1, -2)), batch_product(np.swapaxes(a, -1, -2), g)
