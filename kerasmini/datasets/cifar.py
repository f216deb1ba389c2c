"""CIFAR's batch files: Python 2 pickles of {b"data": uint8 (n, 3072), b"labels": [...]}
that Keras caches extracted, read here with the array-only unpickler."""
import io
import os

import numpy as np

from kerasmini import config
from kerasmini.datasets.safe_files import cached_file, load_pickle, read_bytes
from kerasmini.saving.safe_reading import FileFormatError


def cached_folder(dirname, origin, inner):
    """The folder Keras extracted the archive into (`dirname`/`inner`), neither a link."""
    cached_file(dirname, origin, archive=True)
    return cached_file(inner, origin, os.path.join("datasets", dirname), archive=True)


def load_batch(path, label_key="labels"):
    """(data (n, 3, 32, 32) uint8, labels) of one batch file."""
    batch = load_pickle(io.BytesIO(read_bytes(path)), path, encoding="bytes")
    if not isinstance(batch, dict):
        raise FileFormatError(f"{path} is not a CIFAR batch: it holds a "
                              f"{type(batch).__name__}, not a dict.")
    batch = {key.decode("utf8") if isinstance(key, bytes) else key: value
             for key, value in batch.items()}
    data, labels = batch.get("data"), batch.get(label_key)
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != 3072 \
            or labels is None or len(labels) != len(data):
        raise FileFormatError(f"{path} is not a CIFAR batch with `data` (n, 3072) and "
                              f"`{label_key}` for each image.")
    return data.reshape(len(data), 3, 32, 32).astype("uint8", copy=False), labels


def as_image_data_format(x_train, x_test):
    """Channels last (N, 32, 32, 3) unless keras.config says channels_first."""
    if config.image_data_format() == "channels_last":
        return x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return x_train, x_test


def column(labels, dtype):
    """Labels as a (n, 1) column of `dtype` (Keras's: uint8 for CIFAR-10, int64 for
    CIFAR-100)."""
    labels = np.asarray(labels, dtype)
    return labels.reshape(len(labels), 1)
