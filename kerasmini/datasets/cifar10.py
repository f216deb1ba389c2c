"""keras.datasets.cifar10: 60,000 32x32 colour images in 10 classes."""
import os

import numpy as np

from kerasmini.datasets.cifar import (as_image_data_format, cached_folder, column,
                                      load_batch)

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"


def load_data():
    """((x_train, y_train), (x_test, y_test)): uint8 images (50000, 32, 32, 3) and
    (10000, 32, 32, 3) (channels first if configured), labels (n, 1) uint8, from the
    batches Keras extracted into ~/.keras/datasets/cifar-10-batches-py-target."""
    folder = cached_folder("cifar-10-batches-py-target", ORIGIN, "cifar-10-batches-py")
    parts = [load_batch(os.path.join(folder, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([data for data, _ in parts])
    y_train = column([label for _, labels in parts for label in labels], "uint8")
    x_test, y_test = load_batch(os.path.join(folder, "test_batch"))
    return tuple(zip(as_image_data_format(x_train, x_test), (y_train, column(y_test, "uint8"))))
