"""model.save("m.h5"): Keras's legacy HDF5 model file, written atomically, read back
with its weights, its compile arguments and its optimizer state."""
import logging
import os

import h5py
import numpy as np
import pytest

import kerasmini as keras
from kerasmini import layers

X = np.random.default_rng(0).random((32, 4)).astype("float32")
Y = keras.utils.to_categorical((X.sum(axis=1) > 2).astype(int), 2)


def _trained_model():
    inputs = keras.Input((4,), name="x")
    hidden = layers.BatchNormalization(name="bn")(layers.Dense(5, activation="relu",
                                                                name="d1")(inputs))
    model = keras.Model(inputs, layers.Dense(2, activation="softmax", name="d2")(hidden))
    model.compile(keras.optimizers.Adam(0.01), "categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(X, Y, epochs=2, batch_size=8, verbose=0)
    return model


def test_round_trip_keeps_weights_compile_and_optimizer_state(tmp_path, caplog):
    model = _trained_model()
    path = str(tmp_path / "m.h5")
    with caplog.at_level(logging.WARNING, logger="kerasmini"):
        model.save(path)
    assert "considered legacy" in caplog.text
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    assert loaded.get_compile_config() == model.get_compile_config()
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        assert a.path == b.path
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # training goes on from the same state: the next step is the same step
    model.train_on_batch(X[:8], Y[:8])
    loaded.train_on_batch(X[:8], Y[:8])
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def _texts(values):
    return [v.decode() if isinstance(v, bytes) else v for v in values]


def test_file_layout_is_keras_legacy_layout(tmp_path):
    model = _trained_model()
    path = str(tmp_path / "m.hdf5")
    keras.saving.save_model(model, path)
    with h5py.File(path) as f:
        assert f.attrs["backend"] == "tensorflow"
        weights = f["model_weights"]
        assert _texts(weights.attrs["layer_names"]) == ["x", "d1", "bn", "d2"]
        assert _texts(weights["bn"].attrs["weight_names"]) == [
            "bn/gamma", "bn/beta", "bn/moving_mean", "bn/moving_variance"]
        np.testing.assert_array_equal(weights["d1"]["d1"]["kernel"][()],
                                      model.get_layer("d1").kernel.numpy())
        names = _texts(f["optimizer_weights"].attrs["weight_names"])
        prefix = model.optimizer.name  # adam, adam_1, ... as Keras numbers them
    assert names[:3] == [f"{prefix}/iteration", f"{prefix}/learning_rate",
                         f"{prefix}/d1_kernel_momentum"]


def test_without_optimizer_loads_uncompiled_with_warning(tmp_path):
    model = _trained_model()
    path = str(tmp_path / "m.h5")
    model.save(path, include_optimizer=False)
    with h5py.File(path) as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
    with pytest.warns(UserWarning, match="not\\* compiled"):
        loaded = keras.models.load_model(path)
    assert not loaded.compiled
    uncompiled = keras.models.load_model(str(tmp_path / "m.h5"), compile=False)
    np.testing.assert_array_equal(uncompiled.predict(X, verbose=0), model.predict(X, verbose=0))


def test_arguments_checked_and_old_file_kept_on_failure(tmp_path):
    model = _trained_model()
    path = str(tmp_path / "m.h5")
    model.save(path)
    before = open(path, "rb").read()
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)
    with pytest.raises(ValueError, match="not supported: \\['compression'\\]"):
        model.save(path, compression=True)
    with pytest.raises(ValueError, match="either a `.keras` extension"):
        model.save(str(tmp_path / "m.pb"))
    with pytest.raises(ValueError, match="save_format"):
        model.save(str(tmp_path / "m"), save_format="tf")

    class Unserializable(layers.Layer):
        def __init__(self, thing):
            super().__init__()
            self.thing = thing

        def call(self, inputs):
            return inputs

        def get_config(self):
            return {**super().get_config(), "thing": object()}

    broken = keras.Sequential([keras.Input((4,)), Unserializable(1)])
    with pytest.raises(TypeError):
        broken.save(path)
    assert open(path, "rb").read() == before
    assert sorted(os.listdir(tmp_path)) == ["m.h5"]  # no temporary left behind
