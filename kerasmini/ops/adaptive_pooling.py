"""Adaptive pooling: a fixed output size whatever the input size (keras.ops'
adaptive_average_pool / adaptive_max_pool).

Keras's bin rule, along an axis of length n pooled to m outputs: output i reduces the
input positions [floor(i * n / m), ceil((i + 1) * n / m)). Neighbouring bins may share a
position (n = 5, m = 3: [0, 2), [1, 4), [3, 5)); with m > n bins repeat positions.
Every bin holds ceil(n / m) or one more positions (TF pools both sizes and gathers).

A box reduction is separable, so each spatial axis is reduced in turn, the first spatial
axis first (as Keras's TF backend does; it decides which of tied maxima gets a gradient):
- average: along an axis, a matmul with the (m, n) matrix of 1 / size weights (BLAS; its
  transpose is the gradient, adaptive_pooling_vjp.py);
- max: the bins' positions as an (m, widest) index table (a short bin repeats its last
  position), gathered in one `take`, and the first maximum of each bin.
Workspace per axis: the (m, n) weights or the gathered (…, m, widest) values, about
the size of the input plus the output: no Python loop over positions or bins.
"""
import numpy as np

from kerasmini.ops.layout import spatial_axes, standardize_data_format


def bin_edges(n, m):
    """(starts, ends) of the m bins along an axis of length n (integer arithmetic: the
    floor and ceil of i * n / m exactly)."""
    i = np.arange(m)
    return i * n // m, -(-(i + 1) * n // m)


def averaging_matrix(n, m, dtype):
    """(m, n): row i holds 1 / size on bin i's positions, zeros elsewhere."""
    starts, ends = bin_edges(n, m)
    positions = np.arange(n)
    inside = (positions >= starts[:, None]) & (positions < ends[:, None])
    return (inside / (ends - starts)[:, None]).astype(dtype)


def bin_positions(n, m):
    """(m, widest) positions of each bin, a short bin repeating its last position."""
    starts, ends = bin_edges(n, m)
    widest = int((ends - starts).max())
    return np.minimum(starts[:, None] + np.arange(widest), ends[:, None] - 1)


def check_pool_arguments(inputs, output_size, data_format):
    """(data_format, spatial axes, output sizes) after checking rank and sizes."""
    data_format = standardize_data_format(data_format)
    rank = np.ndim(inputs) - 2
    if rank not in (1, 2, 3):
        raise ValueError("Adaptive pooling takes inputs of rank 3, 4 or 5 (1, 2 or 3 "
                         f"spatial axes). Received: inputs.shape={np.shape(inputs)}")
    sizes = (output_size,) * rank if np.ndim(output_size) == 0 else tuple(output_size)
    if len(sizes) != rank or not all(isinstance(s, (int, np.integer)) and
                                     not isinstance(s, bool) and s > 0 for s in sizes):
        raise ValueError(f"`output_size` must be {rank} positive integer(s) for inputs of "
                         f"shape {np.shape(inputs)}. Received: output_size={output_size}")
    return data_format, spatial_axes(rank, data_format), tuple(int(s) for s in sizes)


def compute_dtype(x):
    """float16 is averaged in float32 (NumPy's float16 matmul is slow and inexact)."""
    return np.float32 if x.dtype == np.float16 else x.dtype


def average_along(x, axis, m):
    """x averaged over the m bins of `axis`."""
    weights = averaging_matrix(x.shape[axis], m, compute_dtype(x))
    out = np.matmul(np.moveaxis(x, axis, -1), weights.T)
    return np.moveaxis(out, -1, axis).astype(x.dtype, copy=False)


def first_maxima(x, axis, m):
    """(values, positions): each bin's maximum along `axis` and where its first
    occurrence lies (NaN counts as the maximum, so a bin holding one gives NaN)."""
    positions = bin_positions(x.shape[axis], m)
    values = np.take(np.moveaxis(x, axis, -1), positions, axis=-1)  # (..., m, widest)
    first = np.argmax(values, axis=-1)[..., None]
    return (np.moveaxis(np.take_along_axis(values, first, -1)[..., 0], -1, axis),
            np.moveaxis(positions[np.arange(m), first[..., 0]], -1, axis))


def adaptive_average_pool(inputs, output_size, data_format=None):
    """keras.ops.adaptive_average_pool: (N, *spatial, C) or (N, C, *spatial) inputs, each
    spatial axis averaged down (or up) to `output_size` bins."""
    _, axes, sizes = check_pool_arguments(inputs, output_size, data_format)
    x = np.asarray(inputs)
    for axis, m in zip(axes, sizes):
        x = average_along(x, axis, m)
    return x


def adaptive_max_pool(inputs, output_size, data_format=None):
    """keras.ops.adaptive_max_pool: the largest value of each bin."""
    _, axes, sizes = check_pool_arguments(inputs, output_size, data_format)
    x = np.asarray(inputs)
    for axis, m in zip(axes, sizes):
        x = first_maxima(x, axis, m)[0]
    return x
