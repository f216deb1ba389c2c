"""Gradients of adaptive pooling, axis by axis in reverse order of the forward pass.

Average: along an axis the forward is out = x @ W.T with W the (m, n) averaging matrix,
so dx = g @ W: each position collects g / size from every bin holding it.
Max: each bin sends its whole gradient to its first maximal position along the axis
being undone (TF's MaxPool rule for one window; bins that share a position add up),
then the next axis back. The positions come from re-running the forward, axis by axis.
"""
import numpy as np

from kerasmini.autodiff.numpy_rules import scatter_along_axis

from kerasmini.ops.adaptive_pooling import (averaging_matrix, check_pool_arguments,
                                            compute_dtype, first_maxima)


def adaptive_average_pool_vjp(g, out, inputs, output_size, data_format=None):
    """dL/dinputs of adaptive_average_pool(inputs, ...) for g = dL/dout."""
    _, axes, sizes = check_pool_arguments(inputs, output_size, data_format)
    g = np.asarray(g)
    for axis, m in reversed(list(zip(axes, sizes))):
        weights = averaging_matrix(np.shape(inputs)[axis], m, compute_dtype(g))
        g = np.moveaxis(np.matmul(np.moveaxis(g, axis, -1), weights), -1, axis)
    return g.astype(np.asarray(inputs).dtype, copy=False)


def scatter_to_positions(g, positions, n, axis):
    """dx (length n along `axis`): each g entry added at its position along that axis."""
    g_last = np.moveaxis(g, axis, -1)
    rows = np.arange(g_last.size // g_last.shape[-1])[:, None]
    index = rows * n + np.moveaxis(positions, axis, -1).reshape(rows.size, -1)
    sums = np.bincount(index.ravel(), weights=g_last.reshape(-1), minlength=rows.size * n)
    return np.moveaxis(sums.reshape(*g_last.shape[:-1], n), -1, axis).astype(g.dtype)


def adaptive_max_pool_vjp(g, out, inputs, output_size, data_format=None):
    """dL/dinputs of adaptive_max_pool(inputs, ...) for g = dL/dout."""
    g = np.asarray(g)
    for axis, n, positions in reversed(_maxima_steps(inputs, output_size, data_format)):
        g = scatter_to_positions(g, positions, n, axis)
    return g


def adaptive_max_pool_vjp_recorded(g, out, inputs, output_size, data_format=None):
    """The same routing for a gradient taken inside an outer tape: each step a recorded
    scatter whose rule is the gather, so differentiable again (its derivative in the
    inputs is 0: the positions are constant almost everywhere)."""
    for axis, n, positions in reversed(_maxima_steps(inputs, output_size, data_format)):
        shape = list(np.shape(g))
        shape[axis] = n
        g = scatter_along_axis(g, tuple(shape), positions, axis)
    return g


def _maxima_steps(inputs, output_size, data_format):
    """(axis, its length before, each bin's first maximum's position) per axis, in the
    forward's order."""
    _, axes, sizes = check_pool_arguments(inputs, output_size, data_format)
    x, steps = np.asarray(inputs), []
    for axis, m in zip(axes, sizes):
        n = x.shape[axis]
        x, positions = first_maxima(x, axis, m)
        steps.append((axis, n, positions))
    return steps
