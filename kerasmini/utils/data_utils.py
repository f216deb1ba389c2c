"""Data helpers on NumPy arrays: (un)packing (x, y, sample_weight), normalize,
split_dataset, timeseries_dataset_from_array; and the loaders kerasmini refuses.

Keras returns tf.data.Datasets from split_dataset and timeseries_dataset_from_array.
kerasmini has no TensorFlow: split_dataset returns arrays in the structure given (what
fit takes as x, or (x, y) to unpack), and timeseries_dataset_from_array a PyDataset of
batches (fit, evaluate and predict take it; it has len() and indexing, none of
tf.data's methods such as map, batch or prefetch).
"""
import random

import numpy as np

from kerasmini import tree
from kerasmini.utils.py_dataset import PyDataset


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The tuple fit reads a batch from: x alone (or (x,) when x is a list or tuple),
    (x, y) or (x, y, sample_weight)."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight), None for what `data` lacks."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if 1 <= len(data) <= 3:
        return tuple(data) + (None,) * (3 - len(data))
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data}")


def normalize(x, axis=-1, order=2):
    """`x` divided by its `order`-norm along `axis` (a zero norm divides by 1)."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None,
                  preferred_backend=None):
    """(left, right): the first `left_size` and the last `right_size` samples of an
    array, or of a tuple, list or dict of arrays (kept in that structure). Sizes are
    counts (int) or fractions (float), Keras's rules; `shuffle` orders the samples as
    Keras does for the same seed (Python's random.shuffle)."""
    if preferred_backend not in (None, "numpy"):
        raise ValueError("kerasmini splits NumPy arrays only: preferred_backend="
                         f"{preferred_backend!r} is not supported.")
    arrays = tree.flatten(dataset)
    if not arrays or not all(isinstance(a, np.ndarray) for a in arrays):
        raise TypeError("The `dataset` argument must be a NumPy array or a list, tuple "
                        "or dict of them (kerasmini has no tf.data). Received: "
                        f"dataset={str(dataset)[:200]} of type {type(dataset)}")
    total = len(arrays[0])
    if any(len(a) != total for a in arrays):
        raise ValueError("The arrays of `dataset` must have the same length. Received "
                         f"lengths {[len(a) for a in arrays]}")
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be "
                         "specified. Received: left_size=None and right_size=None")
    left_size, right_size = _split_sizes(left_size, right_size, total)
    order = list(range(total))
    if shuffle:
        random.Random(random.randint(0, int(1e6)) if seed is None else seed).shuffle(order)
    left, right = np.array(order[:left_size]), np.array(order[total - right_size:])
    return (tree.map_structure(lambda a: a[left], dataset),
            tree.map_structure(lambda a: a[right], dataset))


def _split_sizes(left_size, right_size, total):
    """Keras's checks and rounding of the two sizes, as ints."""
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is not None and type(size) not in (int, float):
            raise TypeError(f"Invalid `{name}` Type. Expected: int or float or None, "
                            f"Received: type({name})={type(size)}.")
        if (type(size) is int and not 0 < size < total
                or type(size) is float and not 0 < size < 1):
            raise ValueError(f"`{name}` should be either a positive integer smaller than "
                             f"{total}, or a float within the range `[0, 1]`. Received: "
                             f"{name}={size}")
    if type(left_size) is type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. "
                         "It must be less than or equal to 1.")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError("The sum of `left_size` and `right_size` should be smaller than "
                         f"the {total}. Received: left_size + right_size = "
                         f"{left + right}and total_length = {total}")
    for size, side in ((left, "left"), (right, "right")):
        if size == 0:
            raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and "
                             f"`right_size`={right}.Resulting {side} side dataset split "
                             "will be empty. Adjust any of the aforementioned parameters")
    return int(left), int(right)


class TimeseriesBatches(PyDataset):
    """Batches of windows data[p + k * sampling_rate], k < sequence_length, one window
    per start p; with the target targets[p] of each when targets are given.

    It stands for Keras's tf.data.Dataset, whose batches fit never reorders (`shuffle`
    does not apply to a dataset): `fixed_order` tells fit so."""
    fixed_order = True

    def __init__(self, data, targets, starts, sequence_length, sampling_rate, batch_size):
        super().__init__()
        self.data, self.targets, self.starts = data, targets, starts
        self.offsets = np.arange(sequence_length) * sampling_rate
        self.batch_size = batch_size

    def __len__(self):
        return -(-len(self.starts) // self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"Batch index {index} out of range [0, {len(self)})")
        starts = self.starts[index * self.batch_size:(index + 1) * self.batch_size]
        windows = self.data[starts[:, None] + self.offsets]
        return windows if self.targets is None else (windows, self.targets[starts])


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False,
                                  seed=None, start_index=None, end_index=None,
                                  format="tf"):
    """Sliding windows over `data` as a PyDataset of batches (see the module docstring).
    The windows and their order are Keras's; with shuffle=True the starts are permuted
    as Keras permutes them, but tf.data's extra shuffle within 8 batches is not made."""
    data = np.asarray(data)
    _check_timeseries_arguments(len(data), start_index, end_index, sampling_rate,
                                sequence_stride)
    if format != "tf":
        raise ValueError(f'`format` should be either "tf" or "grain". Received: '
                         f"format={format}" if format != "grain" else
                         'kerasmini has no grain: format="grain" is not supported.')
    if batch_size is None:
        raise NotImplementedError("kerasmini yields batches: batch_size=None (single "
                                  "windows) is not supported.")
    start_index = start_index or 0
    end_index = len(data) if end_index is None else end_index
    count = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        count = min(count, len(targets))
    starts = np.arange(0, max(count, 0), sequence_stride)
    if shuffle:
        np.random.RandomState(np.random.randint(1e6) if seed is None else seed).shuffle(
            starts)
    data = data[start_index:end_index]
    targets = None if targets is None else targets[start_index:end_index]
    return TimeseriesBatches(data, targets, starts, sequence_length, sampling_rate,
                             batch_size)


def _check_timeseries_arguments(length, start_index, end_index, sampling_rate,
                                sequence_stride):
    """Keras's checks, in its order and words."""
    if start_index:
        if start_index < 0:
            raise ValueError("`start_index` must be 0 or greater. Received: "
                             f"start_index={start_index}")
        if start_index >= length:
            raise ValueError("`start_index` must be lower than the length of the data. "
                             f"Received: start_index={start_index}, for data of length "
                             f"{length}")
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError("`end_index` must be higher than `start_index`. Received: "
                             f"start_index={start_index}, and end_index={end_index} ")
        if end_index >= length:
            raise ValueError("`end_index` must be lower than the length of the data. "
                             f"Received: end_index={end_index}, for data of length "
                             f"{length}")
        if end_index <= 0:
            raise ValueError(f"`end_index` must be higher than 0. Received: "
                             f"end_index={end_index}")
    for name, value in (("sampling_rate", sampling_rate),
                        ("sequence_stride", sequence_stride)):
        if value <= 0:
            raise ValueError(f"`{name}` must be higher than 0. Received: {name}={value}")
        if value >= length:
            raise ValueError(f"`{name}` must be lower than the length of the data. "
                             f"Received: {name}={value}, for data of length {length}")


def _refused(name, why):
    def refused(*args, **kwargs):
        raise NotImplementedError(f"keras.utils.{name} is not available in kerasmini: "
                                  f"{why}")
    refused.__name__ = name
    return refused


_NO_NETWORK = "kerasmini does not download files (no network access); fetch the file " \
              "yourself and pass its path."
_NO_TF_DATA = "it returns a tf.data.Dataset, and kerasmini has no TensorFlow; load the " \
              "files into NumPy arrays and pass those to fit."
get_file = _refused("get_file", _NO_NETWORK)
image_dataset_from_directory = _refused("image_dataset_from_directory", _NO_TF_DATA)
text_dataset_from_directory = _refused("text_dataset_from_directory", _NO_TF_DATA)
audio_dataset_from_directory = _refused("audio_dataset_from_directory", _NO_TF_DATA)
_NO_IMAGES = "kerasmini reads no image files (no PIL); decode images into NumPy arrays."
load_img = _refused("load_img", _NO_IMAGES)
save_img = _refused("save_img", _NO_IMAGES)
array_to_img = _refused("array_to_img", _NO_IMAGES)
img_to_array = _refused("img_to_array", _NO_IMAGES)
plot_model = _refused("plot_model", "it needs pydot and graphviz; use model.summary() "
                      "or kerasmini.explain.")
model_to_dot = _refused("model_to_dot", "it needs pydot and graphviz.")
