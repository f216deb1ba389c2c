"""model.load_weights on weights-only legacy HDF5 files (tf.keras 2.x's save_weights
layout, written here by hand): in order, by name, skip_mismatch, and a linked dataset
refused with nothing changed."""
import warnings

import h5py
import numpy as np
import pytest

import kerasmini as keras
from kerasmini.saving.safe_reading import FileFormatError


def _model(second=3):
    return keras.Sequential([keras.Input((2,)), keras.layers.Dense(4, name="a"),
                             keras.layers.Dropout(0.1, name="d"),
                             keras.layers.Dense(second, name="b")])


def _write(path, arrays):
    """layer name -> [arrays], as tf.keras 2.x lays out a weights-only file."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = [name.encode() for name in arrays]
        for name, values in arrays.items():
            group = f.create_group(name)
            names = [f"{name}/w{i}:0" for i in range(len(values))]
            group.attrs["weight_names"] = [n.encode() for n in names]
            for n, value in zip(names, values):
                group.create_dataset(n, data=value)


def _arrays(rng, second=3):
    return {"a": [rng.normal(size=(2, 4)), rng.normal(size=4)], "d": [],
            "b": [rng.normal(size=(4, second)), rng.normal(size=second)]}


def test_in_order_and_by_name(tmp_path):
    rng = np.random.default_rng(0)
    arrays = _arrays(rng)
    path = str(tmp_path / "w.h5")
    _write(path, arrays)
    model = _model()
    model.load_weights(path)
    want = [*arrays["a"], *arrays["b"]]
    for got, expected in zip(model.get_weights(), want):
        np.testing.assert_array_equal(got, expected.astype("float32"))
    renamed = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3, name="b"),
                                keras.layers.Dense(4, name="z")])
    with pytest.raises(ValueError, match="Shape mismatch in layer #0 \\(named b\\)"):
        renamed.load_weights(path)  # in order, 'a' goes into 'b': shapes differ
    before = renamed.get_weights()
    with pytest.warns(UserWarning, match="Skipping loading weights for layer #2"):
        renamed.load_weights(path, by_name=True, skip_mismatch=True)  # kernel (4, 3)
    got = renamed.get_weights()  # b's kernel kept (shapes differ), its bias loaded, z kept
    np.testing.assert_array_equal(got[0], before[0])
    np.testing.assert_array_equal(got[1], arrays["b"][1].astype("float32"))
    np.testing.assert_array_equal(got[2], before[2])


def test_skip_mismatch_skips_only_what_differs(tmp_path):
    rng = np.random.default_rng(1)
    arrays = _arrays(rng, second=5)
    path = str(tmp_path / "w.hdf5")
    _write(path, arrays)
    model = _model()
    kept = model.get_weights()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.load_weights(path, skip_mismatch=True)
    assert sum("Skipping loading weights" in str(w.message) for w in caught) == 2
    np.testing.assert_array_equal(model.get_weights()[0], arrays["a"][0].astype("float32"))
    np.testing.assert_array_equal(model.get_weights()[2], kept[2])  # b's kernel kept
    with pytest.raises(ValueError, match="Layer count mismatch"):
        keras.Sequential([keras.Input((2,)), keras.layers.Dense(4)]).load_weights(path)


def test_linked_dataset_is_refused_and_nothing_changes(tmp_path):
    rng = np.random.default_rng(2)
    path = str(tmp_path / "w.h5")
    _write(path, _arrays(rng))
    with h5py.File(path, "r+") as f:
        del f["b/b/w1:0"]
        f["b/b/w1:0"] = h5py.ExternalLink("/etc/x.h5", "/bias")
    model = _model()
    before = model.get_weights()
    with pytest.raises(FileFormatError, match="ExternalLink"):
        model.load_weights(path)
    for got, expected in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, expected)
