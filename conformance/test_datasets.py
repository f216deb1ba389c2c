"""keras.datasets against tf.keras on the same small fake cache: each load_data returns
the same arrays (values, dtypes, shapes, order after shuffling) in both. tf.keras is
kept off the network (its hash check passes, its download raises) and extracts CIFAR's
archive itself, as it does for a user; kerasmini then reads the folder it left.

One deliberate difference: IMDB's and Reuters' sequences are always a 1D object array
of lists in kerasmini; tf.keras's `np.array(lists, dtype=object)` makes a 2D array when
every sequence of a split has the same length (never in the real data). The sequences
are compared one by one."""
import gzip
import io
import os
import pickle
import tarfile
from unittest import mock

import numpy as np
import pytest

from conformance.harness import keras

import kerasmini

DATASETS = ("boston_housing", "california_housing", "cifar10", "cifar100",
            "fashion_mnist", "imdb", "mnist", "reuters")


@pytest.mark.parametrize("name", DATASETS)
def test_same_functions_as_keras(name):
    public = [{n for n in dir(getattr(lib.datasets, name)) if not n.startswith("_")}
              for lib in (keras, kerasmini)]
    assert public[0] <= public[1], sorted(public[0] - public[1])


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """One fake cache for both libraries; tf.keras may not download."""
    from keras.src.backend import config as keras_config
    from keras.src.utils import file_utils
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(tmp_path))
    monkeypatch.setattr(file_utils, "validate_file", lambda *args, **kwargs: True)
    monkeypatch.setattr(file_utils, "urlretrieve", mock.Mock(
        side_effect=AssertionError("tf.keras tried to download")))
    folder = tmp_path / "datasets"
    folder.mkdir()
    return folder


def object_array(lists):
    array = np.empty(len(lists), dtype=object)
    array[:] = lists
    return array


def assert_same(actual, expected, where=""):
    if isinstance(expected, (tuple, list)):
        assert type(actual) is type(expected) and len(actual) == len(expected), where
        for index, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, f"{where}[{index}]")
        return
    assert isinstance(actual, np.ndarray) and actual.dtype == expected.dtype, \
        (where, getattr(actual, "dtype", type(actual)), expected.dtype)
    if expected.dtype == object:  # see the module docstring
        assert actual.ndim == 1, (where, actual.shape)
        assert [list(x) for x in actual] == [list(x) for x in expected], where
    else:
        assert actual.shape == expected.shape, (where, actual.shape, expected.shape)
        np.testing.assert_array_equal(actual, expected, err_msg=where)


def both(load):
    expected = load(keras)
    return load(kerasmini), expected


def test_mnist(cache):
    rng = np.random.default_rng(0)
    np.savez(cache / "mnist.npz", x_train=rng.integers(0, 255, (4, 28, 28), dtype=np.uint8),
             y_train=np.arange(4, dtype=np.uint8),
             x_test=rng.integers(0, 255, (2, 28, 28), dtype=np.uint8),
             y_test=np.arange(2, dtype=np.uint8))
    assert_same(*both(lambda lib: lib.datasets.mnist.load_data()))


@pytest.mark.parametrize("options", [{}, {"test_split": 0.35, "seed": 7},
                                     {"test_split": 0.0}])
def test_housing(cache, options):
    rng = np.random.default_rng(1)
    np.savez(cache / "boston_housing.npz", x=rng.random((23, 13)), y=rng.random(23))
    np.savez(cache / "california_housing.npz", x=rng.random((650, 8)).astype("float32"),
             y=rng.random(650).astype("float32"))
    assert_same(*both(lambda lib: lib.datasets.boston_housing.load_data(**options)))
    for version in ("small", "large"):
        assert_same(*both(lambda lib: lib.datasets.california_housing.load_data(
            version=version, **options)))


def test_fashion_mnist(cache):
    folder = cache / "fashion-mnist"
    folder.mkdir()
    rng = np.random.default_rng(2)
    for name, header, count in (("train-labels-idx1-ubyte.gz", 8, 3),
                                ("train-images-idx3-ubyte.gz", 16, 3 * 784),
                                ("t10k-labels-idx1-ubyte.gz", 8, 2),
                                ("t10k-images-idx3-ubyte.gz", 16, 2 * 784)):
        with gzip.open(folder / name, "wb") as file:
            file.write(bytes(header) + rng.integers(0, 255, count, dtype=np.uint8).tobytes())
    assert_same(*both(lambda lib: lib.datasets.fashion_mnist.load_data()))


def cifar_archive(cache, dirname, inner, batches, rng):
    """The .tar.gz tf.keras downloads (as `<dirname>_archive`): tf.keras extracts it.
    Images are zeros but for a random first and last one (quick to compress)."""
    with tarfile.open(cache / f"{dirname}_archive", "w:gz") as archive:
        for name, labels in batches.items():
            data = np.zeros((len(next(iter(labels.values()))), 3072), np.uint8)
            data[[0, -1]] = rng.integers(0, 255, (2, 3072), dtype=np.uint8)
            content = pickle.dumps({b"data": data, **{
                key.encode(): value for key, value in labels.items()}}, protocol=4)
            info = tarfile.TarInfo(f"{inner}/{name}")
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))


def test_cifar10(cache, data_format="channels_first"):
    """tf.keras fills a (50000, 3, 32, 32) array: five batches of 10,000 images (15 s:
    one data format; tests/test_datasets.py checks both)."""
    rng = np.random.default_rng(3)
    batches = {f"data_batch_{i}": {"labels": (np.arange(10000) % 10).tolist()}
               for i in range(1, 6)}
    batches["test_batch"] = {"labels": [4, 5, 6]}
    cifar_archive(cache, "cifar-10-batches-py-target", "cifar-10-batches-py", batches, rng)
    for lib in (keras, kerasmini):
        lib.config.set_image_data_format(data_format)
    try:
        assert_same(*both(lambda lib: lib.datasets.cifar10.load_data()))
    finally:
        for lib in (keras, kerasmini):
            lib.config.set_image_data_format("channels_last")


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100(cache, label_mode):
    rng = np.random.default_rng(4)
    labels = {"fine_labels": [3, 98], "coarse_labels": [1, 18]}
    cifar_archive(cache, "cifar-100-python-target", "cifar-100-python",
                  {"train": labels, "test": labels}, rng)
    assert_same(*both(lambda lib: lib.datasets.cifar100.load_data(label_mode)))


SEQUENCE_OPTIONS = [{}, {"num_words": 9, "skip_top": 2}, {"oov_char": None, "num_words": 8},
                    {"start_char": None, "index_from": 0, "seed": 5}, {"maxlen": 4}]


def word_ids(rng, count):
    return [rng.integers(1, 12, rng.integers(1, 6)).tolist() for _ in range(count)]


@pytest.mark.parametrize("options", SEQUENCE_OPTIONS, ids=str)
def test_imdb(cache, options):
    rng = np.random.default_rng(5)
    np.savez(cache / "imdb.npz", x_train=object_array(word_ids(rng, 9)),
             y_train=rng.integers(0, 2, 9), x_test=object_array(word_ids(rng, 7)),
             y_test=rng.integers(0, 2, 7))
    assert_same(*both(lambda lib: lib.datasets.imdb.load_data(**options)))


@pytest.mark.parametrize("options", [*SEQUENCE_OPTIONS, {"test_split": 0.5}], ids=str)
def test_reuters(cache, options):
    rng = np.random.default_rng(6)
    np.savez(cache / "reuters.npz", x=object_array(word_ids(rng, 12)),
             y=rng.integers(0, 46, 12))
    assert_same(*both(lambda lib: lib.datasets.reuters.load_data(**options)))
    assert kerasmini.datasets.reuters.get_label_names() == \
        keras.datasets.reuters.get_label_names()


def test_word_index(cache):
    for name in ("imdb", "reuters"):
        (cache / f"{name}_word_index.json").write_text('{"the": 1, "a": 2}')
        kerasmini_index, keras_index = both(
            lambda lib, name=name: getattr(lib.datasets, name).get_word_index())
        assert kerasmini_index == keras_index


def test_a_missing_file_is_an_error_in_kerasmini_where_tf_keras_downloads(cache):
    with pytest.raises(AssertionError, match="tried to download"):
        keras.datasets.mnist.load_data()
    with pytest.raises(FileNotFoundError, match=f"{os.path.join(str(cache), 'mnist.npz')}"):
        kerasmini.datasets.mnist.load_data()
