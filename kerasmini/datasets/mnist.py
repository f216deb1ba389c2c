"""keras.datasets.mnist: 70,000 28x28 handwritten digits."""
from kerasmini.datasets.safe_files import ORIGIN, cached_file, load_npz


def load_data(path="mnist.npz"):
    """((x_train, y_train), (x_test, y_test)): uint8 images (60000, 28, 28) and
    (10000, 28, 28), uint8 labels, from Keras's cached mnist.npz."""
    arrays = load_npz(cached_file(path, ORIGIN + "mnist.npz"))
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
