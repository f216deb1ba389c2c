"""model.load_weights("legacy.h5"): weights-only HDF5 files as tf.keras 2.x's save_weights
wrote them (written here by Keras 3.15's own legacy writer) and whole-model legacy files,
loaded into a model built in code, in order or `by_name`, with `skip_mismatch`: the same
weights, warnings and errors as tf.keras's load_weights, and, where tf.keras raises
halfway, nothing changed in kerasmini."""
import re
import warnings

import numpy as np
import pytest

import h5py
from conformance.harness import keras

import kerasmini


def _net(lib, units=(4, 3), names=("a", "b"), extra=False):
    layers = [lib.Input((5,)), lib.layers.Dense(units[0], name=names[0]),
              lib.layers.BatchNormalization(name="bn"),
              lib.layers.Dense(units[1], name=names[1])]
    if extra:
        layers.append(lib.layers.Dense(2, name="extra"))
    return lib.Sequential(layers)


def _written(tmp_path, whole=False):
    """A legacy file of a trained-looking tf.keras model (random weights, moving stats)."""
    from keras.src.legacy.saving import legacy_h5_format
    source = _net(keras)
    rng = np.random.default_rng(0)
    source.set_weights([rng.normal(size=w.shape).astype("float32")
                        for w in source.get_weights()])
    path = str(tmp_path / ("model.h5" if whole else "weights.h5"))
    if whole:
        source.save(path)  # Keras 3's legacy whole-model writer (warns)
    else:
        with h5py.File(path, "w") as f:  # tf.keras 2.x's save_weights("weights.h5")
            legacy_h5_format.save_weights_to_hdf5_group(f, source)
    return path, source.get_weights()


def _unnumbered(message):
    return re.sub(r"sequential(_\d+)?/", "sequential/", str(message))


def _load(lib, model, path, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        error = None
        try:
            model.load_weights(path, **kwargs)
        except Exception as e:  # noqa: BLE001 - the class is compared below
            error = e
    return error, [str(w.message) for w in caught if "Skipping" in str(w.message)]


CASES = [  # (model arguments, load_weights arguments)
    ({}, {}), ({}, {"by_name": True}),
    ({"names": ("a", "other")}, {"by_name": True}),      # one layer not in the file
    ({"units": (4, 6)}, {"skip_mismatch": True}),          # b's shapes differ: skipped
    ({"units": (4, 6)}, {"by_name": True, "skip_mismatch": True}),
    ({"units": (4, 6)}, {}),                                # the same, refused
    ({"extra": True}, {}),                                  # one layer too many
    ({"extra": True}, {"by_name": True}),                   # by name: extra left as is
]


@pytest.mark.parametrize("whole", [False, True])
@pytest.mark.parametrize("model_args,load_args", CASES)
def test_legacy_load_weights_like_tf_keras(tmp_path, whole, model_args, load_args):
    path, _ = _written(tmp_path, whole)
    tf_model, km_model = _net(keras, **model_args), _net(kerasmini, **model_args)
    km_model.set_weights(tf_model.get_weights())
    before = km_model.get_weights()
    tf_error, tf_warnings = _load(keras, tf_model, path, **load_args)
    km_error, km_warnings = _load(kerasmini, km_model, path, **load_args)
    assert type(km_error) is type(tf_error), (km_error, tf_error)
    if tf_error is not None:
        # a weight's path starts with its model's name, numbered per process in each
        # library (sequential_3/b/kernel): compared without the number
        assert _unnumbered(km_error) == _unnumbered(tf_error)
        for a, b in zip(km_model.get_weights(), before):  # all or nothing
            np.testing.assert_array_equal(a, b)
        return
    assert len(km_warnings) == len(tf_warnings)
    for a, b in zip(km_model.get_weights(), tf_model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_legacy_weights_predict_as_the_source(tmp_path):
    path, weights = _written(tmp_path)
    model = _net(kerasmini)
    model.load_weights(path)
    for a, b in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="`by_name` only supports loading legacy"):
        model.load_weights(str(tmp_path / "x.weights.h5"), by_name=True)
    with pytest.raises(ValueError, match="Invalid keyword arguments"):
        model.load_weights(path, by_nam=True)
