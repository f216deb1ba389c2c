"""Shuffling and splitting as Keras's datasets do it: NumPy's legacy RandomState(seed)
permutes the samples, then the first (1 - test_split) of them train."""
import numpy as np


def check_test_split(test_split):
    if isinstance(test_split, bool) or not isinstance(test_split, (int, float)) \
            or not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be a "
                         "float in [0, 1).")


def shuffled(rng, *arrays):
    """The arrays permuted alike by `rng`, a RandomState(seed) (Keras's order of
    samples; IMDB shuffles its test set with the same generator after its train set)."""
    indices = np.arange(len(arrays[0]))
    rng.shuffle(indices)
    return [array[indices] for array in arrays]


def train_test(x, y, test_split):
    """((x_train, y_train), (x_test, y_test)), the first int(n (1 - test_split)) training."""
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))


def load_regression(fname, test_split, seed, first=None):
    """boston_housing's and california_housing's load_data: x and y from the cached
    npz, `first` samples of them (None: all), shuffled and split."""
    from kerasmini.datasets.safe_files import ORIGIN, cached_file, load_npz
    check_test_split(test_split)
    arrays = load_npz(cached_file(fname, ORIGIN + fname))
    x, y = arrays["x"][:first], arrays["y"][:first]
    return train_test(*shuffled(np.random.RandomState(seed), x, y), test_split)
