"""keras.datasets: the classic small datasets, read from Keras's own cache.

kerasmini never downloads: `load_data` reads the files Keras keeps in ~/.keras/datasets
($KERAS_HOME/datasets), by the same names and layout (so a dataset Keras has fetched
once loads here too), and otherwise raises FileNotFoundError naming the file, the path
and where Keras downloads it from. The files are data: sizes are checked before
reading, links are refused, and the pickles inside CIFAR's batches and IMDB's and
Reuters' object arrays go through an unpickler that rebuilds only NumPy arrays and
plain values (safe_files.py).
"""
from kerasmini.lazy_exports import lazy_exports

_DATASETS = ("boston_housing", "california_housing", "cifar10", "cifar100",
             "fashion_mnist", "imdb", "mnist", "reuters")
__getattr__, __dir__ = lazy_exports(__name__, {name: (f".{name}", None)
                                               for name in _DATASETS})
__all__ = list(_DATASETS)
