"""keras.datasets.fashion_mnist: 70,000 28x28 images of clothes, in the IDX files Keras
caches gzipped in ~/.keras/datasets/fashion-mnist."""
import os

import numpy as np

from kerasmini.datasets.safe_files import ORIGIN, cached_file, read_gzip
from kerasmini.saving.safe_reading import FileFormatError

FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")
CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")


def load_data():
    """((x_train, y_train), (x_test, y_test)): uint8 images (60000, 28, 28) and
    (10000, 28, 28), uint8 labels."""
    contents = [read_gzip(cached_file(name, ORIGIN + name, CACHE_SUBDIR)) for name in FILES]
    y_train, y_test = (_idx(contents[i], 8, FILES[i]) for i in (0, 2))
    x_train, x_test = (_idx(contents[i], 16, FILES[i]).reshape(-1, 28, 28) for i in (1, 3))
    if (len(x_train), len(x_test)) != (len(y_train), len(y_test)):
        raise FileFormatError("fashion-mnist's image and label files disagree on the "
                              f"number of samples: {len(x_train)} and {len(y_train)} "
                              f"(train), {len(x_test)} and {len(y_test)} (test).")
    return (x_train, y_train), (x_test, y_test)


def _idx(content, header, name):
    """An IDX file's bytes after its header, as uint8 (Keras skips the header alike)."""
    if len(content) < header or (header == 16 and (len(content) - header) % 784):
        raise FileFormatError(f"fashion-mnist's {name} is not an IDX file of 28x28 "
                              f"images or labels ({len(content)} bytes).")
    return np.frombuffer(content, np.uint8, offset=header).copy()
