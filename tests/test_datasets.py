"""keras.datasets, NumPy only, on small fake caches built here (KERAS_HOME pointed at a
temporary folder): each load_data reads Keras's file names and layouts, shuffles and
splits as a loop reference does, never downloads (a clear error naming the file and the
path), and refuses hostile files: a pickle that would call os.system, links, files
above the size cap, a gzip bomb."""
import gzip
import io
import json
import os
import pickle
import tarfile  # noqa: F401 (documents that nothing is extracted: no tar is read)
from unittest import mock

import numpy as np
import pytest

import kerasmini as keras
from kerasmini.datasets import safe_files
from kerasmini.saving.safe_reading import FileFormatError, UnsafeFileError

datasets = keras.datasets


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty Keras cache; returns its datasets folder."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    folder = tmp_path / "datasets"
    folder.mkdir()
    return folder


def reference_split(x, y, test_split, seed):
    """Keras's rule written out: a RandomState(seed) permutation, then a cut."""
    order = list(range(len(x)))
    np.random.RandomState(seed).shuffle(order)
    cut = int(len(x) * (1 - test_split))
    train, test = order[:cut], order[cut:]
    return (x[train], y[train]), (x[test], y[test])


def assert_nested_equal(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        if isinstance(e, (tuple, list)):
            assert_nested_equal(a, e)
        else:
            np.testing.assert_array_equal(a, e)


# ----- numeric npz files ------------------------------------------------------------
def test_mnist_reads_keras_s_npz(cache):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 255, (5, 28, 28), dtype=np.uint8),
              "y_train": np.arange(5, dtype=np.uint8),
              "x_test": rng.integers(0, 255, (2, 28, 28), dtype=np.uint8),
              "y_test": np.arange(2, dtype=np.uint8)}
    np.savez(cache / "mnist.npz", **arrays)
    (x_train, y_train), (x_test, y_test) = datasets.mnist.load_data()
    assert_nested_equal([x_train, y_train, x_test, y_test],
                        [arrays[k] for k in ("x_train", "y_train", "x_test", "y_test")])


@pytest.mark.parametrize("test_split, seed", [(0.2, 113), (0.5, 3), (0.0, 1)])
def test_boston_housing_shuffles_and_splits_as_keras(cache, test_split, seed):
    x, y = np.arange(40.0).reshape(10, 4), np.arange(10.0) * 10
    np.savez(cache / "boston_housing.npz", x=x, y=y)
    assert_nested_equal(datasets.boston_housing.load_data(test_split=test_split, seed=seed),
                        reference_split(x, y, test_split, seed))


def test_california_housing_small_is_the_first_600(cache):
    x, y = np.arange(1400.0).reshape(700, 2), np.arange(700.0)
    np.savez(cache / "california_housing.npz", x=x, y=y)
    assert_nested_equal(datasets.california_housing.load_data(version="small"),
                        reference_split(x[:600], y[:600], 0.2, 113))
    assert len(datasets.california_housing.load_data()[0][0]) == 560  # large: all 700
    with pytest.raises(ValueError, match="`version`.*Received: version=medium"):
        datasets.california_housing.load_data(version="medium")
    with pytest.raises(ValueError, match="`test_split`.*1.5"):
        datasets.california_housing.load_data(test_split=1.5)


# ----- fashion-mnist's gzipped IDX files --------------------------------------------
def write_idx(path, values, header):
    with gzip.open(path, "wb") as file:
        file.write(bytes(header) + np.asarray(values, np.uint8).tobytes())


def test_fashion_mnist_reads_the_idx_files(cache):
    folder = cache / "fashion-mnist"
    folder.mkdir()
    rng = np.random.default_rng(1)
    x_train, x_test = (rng.integers(0, 255, (n, 28, 28), dtype=np.uint8) for n in (3, 2))
    y_train, y_test = np.array([1, 2, 3], np.uint8), np.array([4, 5], np.uint8)
    write_idx(folder / "train-labels-idx1-ubyte.gz", y_train, [0] * 8)
    write_idx(folder / "train-images-idx3-ubyte.gz", x_train, [0] * 16)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", y_test, [0] * 8)
    write_idx(folder / "t10k-images-idx3-ubyte.gz", x_test, [0] * 16)
    assert_nested_equal(datasets.fashion_mnist.load_data(),
                        [(x_train, y_train), (x_test, y_test)])


def test_a_gzip_bomb_stops_at_the_cap(cache, monkeypatch):
    folder = cache / "fashion-mnist"
    folder.mkdir()
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(1 << 20), [0] * 8)
    monkeypatch.setattr(safe_files, "MAX_FILE_BYTES", 1 << 16)
    with pytest.raises(UnsafeFileError, match="inflates beyond 65536 bytes"):
        datasets.fashion_mnist.load_data()


# ----- CIFAR's pickled batches ------------------------------------------------------
def write_batch(path, data, **labels):
    content = {b"batch_label": b"fake", b"data": data, b"filenames": [b"a.png"] * len(data),
               **{key.encode(): value for key, value in labels.items()}}
    path.write_bytes(pickle.dumps(content, protocol=4))


def cifar_images(rng, n):
    return rng.integers(0, 255, (n, 3072), dtype=np.uint8)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cifar10_reads_the_extracted_batches(cache, data_format):
    folder = cache / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(2)
    parts = [cifar_images(rng, 2) for _ in range(5)]
    for i, data in enumerate(parts, 1):
        write_batch(folder / f"data_batch_{i}", data, labels=[i, i + 1])
    test = cifar_images(rng, 3)
    write_batch(folder / "test_batch", test, labels=[7, 8, 9])
    previous = keras.config.image_data_format()
    keras.config.set_image_data_format(data_format)
    try:
        (x_train, y_train), (x_test, y_test) = datasets.cifar10.load_data()
    finally:
        keras.config.set_image_data_format(previous)
    images = np.concatenate(parts).reshape(10, 3, 32, 32)
    if data_format == "channels_last":
        images = images.transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(x_train, images)
    np.testing.assert_array_equal(y_train[:, 0], [1, 2, 2, 3, 3, 4, 4, 5, 5, 6])
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8
    assert x_test.shape == ((3, 32, 32, 3) if data_format == "channels_last"
                            else (3, 3, 32, 32))
    np.testing.assert_array_equal(y_test[:, 0], [7, 8, 9])


def test_cifar100_label_modes(cache):
    folder = cache / "cifar-100-python-target" / "cifar-100-python"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(3)
    for part in ("train", "test"):
        write_batch(folder / part, cifar_images(rng, 2), fine_labels=[11, 99],
                    coarse_labels=[1, 19])
    assert datasets.cifar100.load_data()[0][1][:, 0].tolist() == [11, 99]
    assert datasets.cifar100.load_data("coarse")[1][1][:, 0].tolist() == [1, 19]
    with pytest.raises(ValueError, match="`label_mode`.*Received: label_mode=medium"):
        datasets.cifar100.load_data("medium")


class RunsASystemCommand:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


@pytest.mark.parametrize("payload", [RunsASystemCommand(), {b"data": eval}])
def test_a_pickle_asking_for_any_other_name_is_refused_before_it_runs(cache, payload):
    folder = cache / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    (folder / "data_batch_1").write_bytes(pickle.dumps(payload, protocol=4))
    with mock.patch("os.system", side_effect=AssertionError("os.system ran")):
        with pytest.raises(UnsafeFileError, match="data_batch_1.*asks for '(posix|os|nt)"
                                                  "\\.system'|asks for 'builtins\\.eval'"):
            datasets.cifar10.load_data()


def test_a_broken_pickle_is_a_file_format_error(cache):
    folder = cache / "cifar-100-python-target" / "cifar-100-python"
    folder.mkdir(parents=True)
    (folder / "train").write_bytes(b"\x80\x04not a pickle")
    with pytest.raises(FileFormatError, match="train is not a readable dataset pickle"):
        datasets.cifar100.load_data()
    (folder / "train").write_bytes(pickle.dumps([1, 2], protocol=4))
    with pytest.raises(FileFormatError, match="not a CIFAR batch"):
        datasets.cifar100.load_data()


# ----- IMDB and Reuters: object arrays of word ids ----------------------------------
def object_array(lists):
    array = np.empty(len(lists), dtype=object)
    array[:] = lists
    return array


def reference_sequences(xs, num_words, skip_top, start_char, oov_char, index_from):
    out = []
    for x in xs:
        ids = ([start_char] if start_char is not None else []) + [w + index_from for w in x]
        limit = num_words or max(max(s) for s in [[start_char or 0] +
                                                  [w + index_from for w in x] for x in xs])
        if oov_char is None:
            out.append([w for w in ids if skip_top <= w < limit])
        else:
            out.append([w if skip_top <= w < limit else oov_char for w in ids])
    return out


@pytest.mark.parametrize("options", [{}, {"num_words": 6, "skip_top": 2},
                                     {"oov_char": None, "num_words": 7},
                                     {"start_char": None, "index_from": 0, "seed": 5}])
def test_imdb_shuffles_with_one_generator_and_cuts_the_vocabulary(cache, options):
    x_train = [[1, 2, 3], [4, 5], [6], [2, 2, 2, 2]]
    x_test = [[3, 1], [5, 5, 5]]
    np.savez(cache / "imdb.npz", x_train=object_array(x_train), y_train=np.array([0, 1, 0, 1]),
             x_test=object_array(x_test), y_test=np.array([1, 0]))
    (xa, ya), (xb, yb) = datasets.imdb.load_data(**options)
    rng = np.random.RandomState(options.get("seed", 113))
    train_order, test_order = np.arange(4), np.arange(2)
    rng.shuffle(train_order)
    rng.shuffle(test_order)  # the same generator, after the train set's shuffle
    settings = {"num_words": None, "skip_top": 0, "start_char": 1, "oov_char": 2,
                "index_from": 3}
    settings.update({k: v for k, v in options.items() if k != "seed"})
    expected = reference_sequences([x_train[i] for i in train_order] +
                                   [x_test[i] for i in test_order], **settings)
    assert list(xa) + list(xb) == expected
    assert xa.dtype == object and xa.ndim == 1
    np.testing.assert_array_equal(ya, np.array([0, 1, 0, 1])[train_order])
    np.testing.assert_array_equal(yb, np.array([1, 0])[test_order])


def test_imdb_maxlen_keeps_shorter_sequences(cache):
    np.savez(cache / "imdb.npz", x_train=object_array([[1], [1, 2, 3, 4]]),
             y_train=np.array([0, 1]), x_test=object_array([[2], [3]]),
             y_test=np.array([1, 1]))
    (x_train, y_train), _ = datasets.imdb.load_data(maxlen=3, seed=0)
    assert list(x_train) == [[1, 4]] and y_train.tolist() == [0]
    with pytest.raises(ValueError, match="maxlen=1.*no sequence was kept"):
        datasets.imdb.load_data(maxlen=1)
    with pytest.raises(TypeError):
        datasets.imdb.load_data(nb_words=10)  # Keras ignores unknown keywords


def test_reuters_splits_and_names_topics(cache):
    xs = [[i + 1] * (i % 3 + 1) for i in range(10)]
    np.savez(cache / "reuters.npz", x=object_array(xs), y=np.arange(10))
    (x_train, y_train), (x_test, y_test) = datasets.reuters.load_data(test_split=0.3)
    order = np.arange(10)
    np.random.RandomState(113).shuffle(order)
    expected = reference_sequences([xs[i] for i in order], None, 0, 1, 2, 3)
    assert list(x_train) + list(x_test) == expected and len(x_train) == 7
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), order)
    names = datasets.reuters.get_label_names()
    assert len(names) == 46 and names[:2] == ("cocoa", "grain")


def test_word_index_is_json_data(cache):
    (cache / "imdb_word_index.json").write_text(json.dumps({"the": 1, "and": 2}))
    assert datasets.imdb.get_word_index() == {"the": 1, "and": 2}
    (cache / "reuters_word_index.json").write_text(json.dumps(["not", "a", "dict"]))
    with pytest.raises(FileFormatError, match="must hold a JSON object, not list"):
        datasets.reuters.get_word_index()


def test_an_npz_object_array_goes_through_the_restricted_unpickler(cache):
    evil = object_array([RunsASystemCommand()])
    buffer = io.BytesIO()
    np.save(buffer, evil, allow_pickle=True)
    import zipfile
    with zipfile.ZipFile(cache / "reuters.npz", "w") as archive:
        archive.writestr("x.npy", buffer.getvalue())
        archive.writestr("y.npy", b"")
    with mock.patch("os.system", side_effect=AssertionError("os.system ran")):
        with pytest.raises(UnsafeFileError, match="x.npy.*asks for"):
            datasets.reuters.load_data()


# ----- the cache: never a download, never a link, sizes first -----------------------
@pytest.mark.parametrize("load, name", [
    (lambda: datasets.mnist.load_data(), "mnist.npz"),
    (lambda: datasets.cifar10.load_data(), "cifar-10-batches-py-target"),  # extract it
    (lambda: datasets.fashion_mnist.load_data(), "train-labels-idx1-ubyte.gz"),
    (lambda: datasets.imdb.get_word_index(), "imdb_word_index.json")])
def test_a_missing_file_names_itself_its_path_and_where_keras_gets_it(cache, load, name):
    with pytest.raises(FileNotFoundError, match=f"never downloads.*'{name}'.*"
                                                f"{cache}.*https://"):
        load()


def test_a_linked_cifar_folder_is_refused(cache, tmp_path):
    (tmp_path / "real" / "cifar-10-batches-py").mkdir(parents=True)
    os.symlink(tmp_path / "real", cache / "cifar-10-batches-py-target")
    with pytest.raises(UnsafeFileError, match="cifar-10-batches-py-target is a symbolic"):
        datasets.cifar10.load_data()
    os.remove(cache / "cifar-10-batches-py-target")
    (cache / "cifar-10-batches-py-target").mkdir()
    os.symlink(tmp_path / "real" / "cifar-10-batches-py",
               cache / "cifar-10-batches-py-target" / "cifar-10-batches-py")
    with pytest.raises(UnsafeFileError, match="cifar-10-batches-py is a symbolic link"):
        datasets.cifar10.load_data()


def test_paths_are_not_file_names(cache):
    with pytest.raises(ValueError, match="`fname`.*Received: fname='../mnist.npz'"):
        datasets.mnist.load_data(path=os.path.join("..", "mnist.npz"))


def test_links_and_oversized_files_are_refused_before_reading(cache, tmp_path, monkeypatch):
    target = tmp_path / "elsewhere.npz"
    np.savez(target, x=np.zeros((10, 2)), y=np.zeros(10))
    os.symlink(target, cache / "boston_housing.npz")
    with pytest.raises(UnsafeFileError, match="symbolic link"):
        datasets.boston_housing.load_data()
    os.remove(cache / "boston_housing.npz")
    np.savez(cache / "boston_housing.npz", x=np.zeros((10, 2)), y=np.zeros(10))
    monkeypatch.setattr(safe_files, "MAX_FILE_BYTES", 100)
    with mock.patch("zipfile.ZipFile", side_effect=AssertionError("read")):
        with pytest.raises(UnsafeFileError, match="more than the limit of 100"):
            datasets.boston_housing.load_data()
