"""Array data for fit / evaluate: structures of arrays (an array, a list or a dict),
sliced batch by batch (views for in-order batches, a batch-sized gather when shuffled),
never copied whole."""
import math

import numpy as np


def flatten(structure):
    if structure is None:
        return []
    if isinstance(structure, dict):
        return [a for k in sorted(structure) for a in flatten(structure[k])]
    if isinstance(structure, (list, tuple)):
        return [a for item in structure for a in flatten(item)]
    return [structure]


def as_arrays(structure, argument):
    """The structure with every leaf a NumPy array (no copy of arrays already NumPy)."""
    if structure is None:
        return None
    if isinstance(structure, dict):
        return {k: as_arrays(v, argument) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [as_arrays(v, argument) for v in structure]
    array = np.asarray(structure)
    if array.dtype == object:
        raise ValueError(f"Expected all elements of `{argument}` to be array-like. "
                         f"Received invalid types: {argument}={structure!r}")
    return array


def sample_count(x, y=None, sample_weight=None):
    """The common number of samples of every array; ValueError naming the mismatch."""
    sizes = {}
    for name, structure in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        for array in flatten(structure):
            if array.ndim == 0:
                raise ValueError(f"Argument `{name}` must have a batch dimension; "
                                 f"received a scalar.")
            sizes.setdefault(name, set()).add(array.shape[0])
    all_sizes = set().union(*sizes.values()) if sizes else set()
    if len(all_sizes) > 1:
        detail = ", ".join(f"{name} sizes: {sorted(s)}" for name, s in sizes.items())
        raise ValueError("Data cardinality is ambiguous. Make sure all arrays contain the "
                         f"same number of samples. {detail}")
    return all_sizes.pop() if all_sizes else 0


def take(structure, index):
    """structure[index] at every leaf (a slice gives views, an index array a gather)."""
    if structure is None:
        return None
    if isinstance(structure, dict):
        return {k: take(v, index) for k, v in structure.items()}
    if isinstance(structure, list):
        return [take(v, index) for v in structure]
    return structure[index]


def batch_indices(count, batch_size, shuffle, rng):
    """One epoch's batches: slices in order, or index arrays of a fresh permutation."""
    if shuffle:
        order = rng.permutation(count)
        return [order[start:start + batch_size] for start in range(0, count, batch_size)]
    return [slice(start, min(start + batch_size, count))
            for start in range(0, count, batch_size)]


def batch_count(count, batch_size):
    return math.ceil(count / batch_size)


def train_validation_split(arrays, validation_split, count):
    """The last `validation_split` of the samples become validation data (views)."""
    split_at = int(math.floor(count * (1.0 - validation_split)))
    if split_at == 0 or split_at == count:
        raise ValueError(
            f"Training data contains {count} samples, which is not sufficient to split it "
            "into a validation and training set as specified by "
            f"`validation_split={validation_split}`. Either provide more data, or a "
            "different value for the `validation_split` argument.")
    train = tuple(take(a, slice(0, split_at)) for a in arrays)
    validation = tuple(take(a, slice(split_at, count)) for a in arrays)
    return train, validation


def class_weight_to_sample_weights(y, class_weight, dtype):
    """A weight per sample from its class (argmax of one-hot targets, else the label)."""
    labels = np.asarray(y)
    if labels.ndim > 1:
        labels = np.argmax(labels, axis=-1) if labels.shape[-1] != 1 else labels[..., 0]
    labels = np.round(labels).astype(np.int64)
    weights = np.ones(labels.shape[0], dtype=dtype)
    for cls, weight in class_weight.items():
        weights[labels == int(cls)] = weight
    return weights
