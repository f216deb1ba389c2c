"""keras.ops's counting and lookup functions: bincount, histogram, digitize,
searchsorted, unique, isin, nonzero, argpartition. Their results are counts, indices
and tests (int32 and bool, as TensorFlow's): constants to a GradientTape; only
histogram's bin edges and unique's values keep the input's float dtype."""
import numpy as np

from kerasmini.ops.arguments import promoted, tensor
from kerasmini.ops.dtypes import result_type
from kerasmini.ops.symbolic import keras_operation


def _plain(x, dtype=None):
    return np.asarray(tensor(x, dtype))


@keras_operation("Bincount", config=("weights", "minlength", "sparse"))
def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts of each value 0..max(x) (at least `minlength` of them), weighted sums
    with `weights`; a 2-D x counts each row (TensorFlow's axis=-1)."""
    if sparse:
        raise ValueError("kerasmini has no sparse tensors: bincount takes "
                         f"sparse=False only. Received: sparse={sparse}")
    x = _plain(x)
    if x.ndim not in (1, 2) or x.dtype.kind not in "iub":
        raise ValueError(f"`bincount` takes a 1-D or 2-D tensor of non-negative integers. "
                         f"Received: x.shape={x.shape}, x.dtype={x.dtype}")
    if x.size and x.min() < 0:
        raise ValueError(f"`bincount` takes non-negative integers. Received: "
                         f"min(x)={x.min()}")
    dtype = "int32" if weights is None else result_type(x, tensor(weights))
    weights = np.ones(x.shape) if weights is None else _plain(weights)
    length = max(int(x.max()) + 1 if x.size else 0, int(minlength))
    rows = x[None] if x.ndim == 1 else x
    # row r's value v goes to bin r * length + v of one flat count
    flat = (np.arange(rows.shape[0])[:, None] * length + rows).reshape(-1)
    counts = np.bincount(flat, np.broadcast_to(weights, rows.shape).reshape(-1),
                         minlength=rows.shape[0] * length).reshape(-1, length)
    return (counts[0] if x.ndim == 1 else counts).astype(dtype)


@keras_operation("Histogram", config=("bins", "range"))
def histogram(x, bins=10, range=None):  # noqa: A002 (Keras's name)
    """(counts, edges) of x's values in `bins` equal bins over `range` (default x's
    min to max; values outside are left out, the last bin includes its right edge);
    both in x's dtype."""
    x = _plain(x)
    low, high = (x.min(), x.max()) if range is None else range
    kept = x[(x >= low) & (x <= high)]
    edges = np.linspace(low, high, bins + 1).astype(x.dtype)
    index = np.searchsorted(edges[1:-1], kept, side="right")
    return np.bincount(index, minlength=bins).astype(x.dtype), edges


@keras_operation("Digitize")
def digitize(x, bins):
    """The index i of the bin bins[i - 1] <= x < bins[i] of each element (int32)."""
    bins = [float(b) for b in np.asarray(bins).reshape(-1)]
    return np.digitize(_plain(x), bins).astype("int32")


@keras_operation("SearchSorted", config=("side",))
def searchsorted(sorted_sequence, values, side="left"):
    """Where each value goes in the 1-D sorted_sequence to keep it sorted (int32)."""
    sequence = _plain(sorted_sequence)
    if sequence.ndim != 1:
        raise ValueError("`searchsorted` only supports 1-D sorted sequences. You can use "
                         "`keras.ops.vectorized_map` to extend it to N-D sequences. "
                         f"Received: sorted_sequence.shape={sequence.shape}")
    if side not in ("left", "right"):
        raise ValueError(f"Invalid value for argument `side`: expected 'left' or 'right'. "
                         f"Received: side={side}")
    sequence, values = promoted(sequence, values)
    return np.searchsorted(sequence, np.asarray(values), side=side).astype("int32")


@keras_operation("Unique", config=("sorted", "return_index", "return_inverse",
                                   "return_counts", "axis", "size", "fill_value"))
def unique(x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002
           return_counts=False, axis=None, size=None, fill_value=None):
    """The distinct values (slices along `axis`; the flattened x for None), sorted or
    in order of first appearance, with the index of each one's first appearance, the
    inverse map and the counts (int32). `size` truncates or pads the results to a
    static length: values with fill_value (0), first indices with 1, counts with 0
    (TensorFlow's)."""
    x = tensor(x)
    flat = axis is None
    data = np.reshape(np.asarray(x), -1) if flat else np.moveaxis(np.asarray(x), axis, 0)
    rows = data.reshape(data.shape[0], -1)
    values, first, inverse, counts = np.unique(rows, axis=0, return_index=True,
                                               return_inverse=True, return_counts=True)
    order = np.arange(len(first)) if sorted else np.argsort(first, kind="stable")
    rank = np.argsort(order)
    values = values[order].reshape((-1,) + data.shape[1:])
    first, counts, inverse = first[order], counts[order], rank[inverse.reshape(-1)]
    if size is not None:
        values, first, counts = _static_size(values, first, counts, size, fill_value)
    values = values if flat else np.moveaxis(values, 0, axis)
    inverse = inverse.reshape(x.shape) if flat else inverse
    results = [values.astype(x.dtype)]
    results += [first.astype("int32")] if return_index else []
    results += [inverse.astype("int32")] if return_inverse else []
    results += [counts.astype("int32")] if return_counts else []
    return tuple(results) if len(results) > 1 else results[0]


def _static_size(values, first, counts, size, fill_value):
    extra = max(size - len(values), 0)
    fill = np.full((extra,) + values.shape[1:], 0 if fill_value is None else fill_value,
                   values.dtype)
    return (np.concatenate([values[:size], fill]),
            np.concatenate([first[:size], np.ones(extra, first.dtype)]),
            np.concatenate([counts[:size], np.zeros(extra, counts.dtype)]))


@keras_operation("IsIn", config=("assume_unique", "invert"))
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of x1 is among x2's (compared in their promoted dtype)."""
    x1, x2 = promoted(x1, x2)
    return np.isin(np.asarray(x1), np.asarray(x2), invert=invert)


@keras_operation("Nonzero")
def nonzero(x):
    """The int32 indices of the nonzero elements, one array per axis."""
    return tuple(i.astype("int32") for i in np.nonzero(_plain(x)))


@keras_operation("Argpartition", config=("kth", "axis"))
def argpartition(x, kth, axis=-1):
    """Indices that put the kth smallest element in place: the kth + 1 smallest first
    (ascending), then the others (descending), ties by index as TensorFlow's top_k."""
    x = _plain(x)
    if axis is None:
        x, axis = x.reshape(-1), -1
    lanes = np.moveaxis(x, axis, -1)
    kth = int(np.clip(kth, 0, lanes.shape[-1] - 1))
    ascending = np.argsort(lanes, axis=-1, kind="stable")
    smallest = ascending[..., :kth + 1]
    rest = np.ones(lanes.shape, bool)
    np.put_along_axis(rest, smallest, False, axis=-1)
    # the others by value, largest first (ties: the lower index first)
    keys = np.where(rest, -lanes.astype("float64"), np.inf)
    others = np.argsort(keys, axis=-1, kind="stable")[..., :lanes.shape[-1] - kth - 1]
    return np.moveaxis(np.concatenate([smallest, others], -1), -1, axis).astype("int32")
