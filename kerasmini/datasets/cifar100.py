"""keras.datasets.cifar100: 60,000 32x32 colour images in 100 fine (20 coarse) classes."""
import os

from kerasmini.datasets.cifar import (as_image_data_format, cached_folder, column,
                                      load_batch)

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"


def load_data(label_mode="fine"):
    """((x_train, y_train), (x_test, y_test)): uint8 images (50000, 32, 32, 3) and
    (10000, 32, 32, 3), labels (n, 1) uint8 by `label_mode` "fine" or "coarse"."""
    if label_mode not in ("fine", "coarse"):
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode}.")
    folder = cached_folder("cifar-100-python-target", ORIGIN, "cifar-100-python")
    (x_train, y_train), (x_test, y_test) = (
        load_batch(os.path.join(folder, part), label_key=f"{label_mode}_labels")
        for part in ("train", "test"))
    return tuple(zip(as_image_data_format(x_train, x_test),
                     (column(y_train, "int64"), column(y_test, "int64"))))
