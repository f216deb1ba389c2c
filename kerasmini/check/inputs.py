"""The arrays a check feeds: seeded random ones shaped like the model's inputs, or the
user's own from a .npy / .npz file, cut into batches."""
import os

import numpy as np

from kerasmini.saving.safe_arrays import load_arrays


def input_shapes(tensors, dim_size):
    """Each input's shape without the batch axis, `None` dims replaced by dim_size."""
    shapes = []
    for t in tensors:
        if any(d is None for d in t.shape[1:]) and dim_size is None:
            raise ValueError(f"Input '{t.name}' has the unknown dimensions of shape "
                             f"{t.shape}; give their size with dim_size (--dim-size).")
        shapes.append(tuple(dim_size if d is None else d for d in t.shape[1:]))
    return shapes


def random_inputs(tensors, samples, dim_size=None, seed=0):
    """Standard normal floats (integers 0..9 for integer inputs), one array per input."""
    rng = np.random.default_rng(seed)
    arrays = []
    for t, shape in zip(tensors, input_shapes(tensors, dim_size)):
        if np.dtype(t.dtype).kind in "iu":
            arrays.append(rng.integers(0, 10, (samples, *shape)).astype(t.dtype))
        else:
            arrays.append(rng.standard_normal((samples, *shape)).astype(t.dtype))
    return arrays


def read_inputs(path, tensors):
    """The user's arrays: a .npy for a one-input model, or a .npz holding one array per
    input (by input name, or in the model's input order). Nothing in the file runs, and
    each array's header is checked against the bytes it holds before any is allocated
    (saving/safe_arrays.py)."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"Inputs file not found: inputs={path}")
    loaded = load_arrays(path)
    if isinstance(loaded, np.ndarray):
        arrays = [loaded]
    else:
        names = [t.name for t in tensors]
        keys = names if all(n in loaded for n in names) else list(loaded)
        arrays = [loaded[k] for k in keys]
    return check_inputs(arrays, tensors, path)


def check_inputs(arrays, tensors, where):
    arrays = [np.asarray(a) for a in arrays]
    if len(arrays) != len(tensors):
        raise ValueError(f"The model has {len(tensors)} input(s) "
                         f"{[t.name for t in tensors]}, but {where} holds {len(arrays)} "
                         "array(s).")
    for a, t in zip(arrays, tensors):
        expected = tuple(t.shape[1:])
        if a.ndim != len(t.shape) or any(e is not None and e != g
                                         for e, g in zip(expected, a.shape[1:])):
            raise ValueError(f"Input '{t.name}' expects shape {t.shape}, but {where} holds "
                             f"an array of shape {a.shape}.")
    if len({a.shape[0] for a in arrays}) != 1:
        raise ValueError(f"The arrays of {where} have different numbers of samples: "
                         f"{[a.shape[0] for a in arrays]}.")
    return arrays


def batches(arrays, batch_size):
    """Lists of per-input slices of at most batch_size samples."""
    if batch_size <= 0:
        raise ValueError(f"Argument `batch_size` must be a positive integer. Received: "
                         f"batch_size={batch_size}")
    count = arrays[0].shape[0]
    return [[a[start:start + batch_size] for a in arrays]
            for start in range(0, max(count, 1), batch_size)]
