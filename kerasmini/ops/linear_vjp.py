"""Gradient of dense: y = x @ W + b on the last axis.

With x flattened to (m, in) and g = dL/dy as (m, units):
    dL/dx = g @ W.T          (m, units) @ (units, in) -> x's shape
    dL/dW = x.T @ g          (in, m) @ (m, units)    -> W's shape (in, units)
    dL/db = sum of g over m  -> (units,)
Each weight gradient has its weight's shape because each entry W[i, u] meets every row
of x through input feature i and output unit u: summing those products is x.T @ g.
"""
import numpy as np

from kerasmini.ops.products import product


def dense_vjp(g, out, inputs, kernel, bias=None):
    x = np.asarray(inputs)
    flat_x = x.reshape(-1, x.shape[-1])
    flat_g = g.reshape(-1, kernel.shape[-1])
    dx = product(flat_g, kernel.T).reshape(x.shape)
    dkernel = product(flat_x.T, flat_g)
    # float64 accumulation: a float32 sum down the rows grows its error with their count
    dbias = None if bias is None else flat_g.sum(axis=0, dtype=np.float64).astype(g.dtype)
    return dx, dkernel, dbias


def dense_vjp_recorded(g, out, inputs, kernel, bias=None):
    """dense_vjp written with recordable operations (`@`, np.reshape, .T, sum, astype),
    for a gradient taken inside an outer tape: on traced g, inputs and kernel the
    outer tape records this arithmetic, so the gradients are differentiable again
    (each product is bilinear in g and a forward value: exact to any order)."""
    flat_x = np.reshape(inputs, (-1, np.shape(inputs)[-1]))
    flat_g = np.reshape(g, (-1, np.shape(kernel)[-1]))
    dx = np.reshape(flat_g @ kernel.T, np.shape(inputs))
    dkernel = flat_x.T @ flat_g
    dbias = None if bias is None else flat_g.sum(axis=0, dtype=np.float64).astype(g.dtype)
    return dx, dkernel, dbias
