"""model.save("m.h5") both ways with tf.keras: kerasmini writes the attributes tf.keras
writes (model_config and training_config identical), tf.keras loads kerasmini's file
compiled with the same optimizer state, and kerasmini loads tf.keras's; a loaded model
trains on (tf.keras 3.15 cannot train a compiled model it loads from .h5, its own files
included: "Unknown variable", recorded as a divergence)."""
import json
import os
import re
import tempfile

import h5py
import numpy as np
import pytest

from conformance.harness import keras, record_divergence

import kerasmini  # noqa: E402

X = np.random.default_rng(0).random((16, 6, 3)).astype("float32")
Y = np.random.default_rng(1).random((16, 2)).astype("float32")


def _model(module, kind):
    L = module.layers
    if kind == "functional":
        inputs = module.Input((6, 3), name="x")
        hidden = L.BatchNormalization(name="bn")(L.Dense(4, activation="relu", name="d1")(inputs))
        return module.Model(inputs, L.Dense(2, name="d2")(L.Flatten(name="f")(hidden)))
    if kind == "sequential":
        return module.Sequential([module.Input((6, 3)), L.LSTM(4, name="lstm"),
                                  L.Dense(2, name="out")], name="seq")
    inner = module.Sequential([module.Input((6, 3)), L.Conv1D(2, 3, name="c"),
                               L.GlobalAveragePooling1D(name="g")], name="inner")
    inputs = module.Input((6, 3), name="x2")
    return module.Model(inputs, L.Dense(2, name="o")(inner(inputs)), name="outer")


def _compiled_pair(kind):
    tf_model, km_model = _model(keras, kind), _model(kerasmini, kind)
    km_model.set_weights(tf_model.get_weights())
    # (loss "mse" would do for kerasmini; tf.keras cannot load its own such file, below)
    tf_model.compile(keras.optimizers.Adam(0.01), "mean_squared_error", metrics=["mae"])
    km_model.compile(kerasmini.optimizers.Adam(0.01), "mean_squared_error", metrics=["mae"])
    return tf_model, km_model


def _attributes(path):
    with h5py.File(path) as f:
        return {key: json.loads(f.attrs[key]) for key in ("model_config", "training_config")}


def _auto_names_free(config):
    # names a process numbers as it goes (adam_3, input_layer_57, functional_4): each
    # library counts its own objects, so only the base names are compared
    return re.sub(r'"(adam|input_layer|functional|sequential)_[0-9]+"', r'"\1"',
                  json.dumps(config, sort_keys=True))


@pytest.mark.parametrize("kind", ["functional", "sequential", "nested"])
def test_h5_files_both_ways(kind):
    tf_model, km_model = _compiled_pair(kind)
    tf_model.fit(X, Y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    km_model.fit(X, Y, epochs=1, batch_size=8, verbose=0, shuffle=False)
    with tempfile.TemporaryDirectory() as folder:
        tf_path, km_path = os.path.join(folder, "tf.h5"), os.path.join(folder, "km.h5")
        tf_model.save(tf_path)
        km_model.save(km_path)
        assert _auto_names_free(_attributes(km_path)) == \
            _auto_names_free(_attributes(tf_path))
        tf_from_km = keras.models.load_model(km_path)
        km_from_tf = kerasmini.models.load_model(tf_path)
    for loaded, saved in ((tf_from_km, km_model), (km_from_tf, tf_model)):
        np.testing.assert_allclose(loaded.predict(X, verbose=0), saved.predict(X, verbose=0),
                                   rtol=1e-5, atol=1e-6)
    # the optimizer state crossed over: the loaded optimizer's variables are the saver's
    # (a step from it is not compared across libraries: Adam divides by sqrt(v), so an
    # element whose gradient is ~1e-6 moves by a different 1e-4 on 1e-7 gradient noise)
    for loaded, saved in ((km_from_tf, tf_model), (tf_from_km, km_model)):
        for a, b in zip(loaded.optimizer.variables, saved.optimizer.variables):
            np.testing.assert_allclose(np.asarray(a.numpy(), np.float64),
                                       np.asarray(b.numpy(), np.float64), rtol=1e-6,
                                       err_msg=f"{kind}: {a.path}")
        before = [w.copy() for w in loaded.get_weights()]
        try:
            loss = loaded.train_on_batch(X[:8], Y[:8])
        except ValueError as error:
            assert loaded is tf_from_km and "Unknown variable" in str(error), error
            record_divergence("tf-h5-loaded-model-cannot-train", f"{kind} model loaded "
                              "from .h5 by tf.keras", f"{str(error)[:120]} (tf.keras's own "
                              "file too: fit, save('m.h5'), load_model, train_on_batch)")
            continue
        assert np.all(np.isfinite(loss))
        assert any(np.any(a != b) for a, b in zip(before, loaded.get_weights()))

def test_loss_alias_file_tf_keras_cannot_reload():
    """tf.keras 3.15 writes loss='mse' into a .h5 file's training_config and then cannot
    load it ("Could not deserialize 'keras.metrics.mse'"); kerasmini loads it compiled."""
    tf_model = _model(keras, "functional")
    tf_model.compile("adam", "mse")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "tf.h5")
        tf_model.save(path)
        loaded = kerasmini.models.load_model(path)
        try:
            keras.models.load_model(path)
            tf_error = None
        except ValueError as error:
            tf_error = error
    assert loaded.compiled and loaded.get_compile_config()["loss"] in ("mse", "mean_squared_error")
    np.testing.assert_allclose(loaded.predict(X, verbose=0), tf_model.predict(X, verbose=0),
                               rtol=1e-5, atol=1e-6)
    if tf_error is not None:
        record_divergence(
            "tf-cannot-load-own-h5-with-loss-alias", "load_model('m.h5') compiled with "
            "loss='mse'", f"{tf_error} (reproduce: compile(loss='mse'); save('m.h5'); "
            "keras.models.load_model('m.h5'))")
