"""keras.models.clone_model: kerasmini vs tf.keras on the same Sequential and functional
models: the clone's class, layer names and classes, weight shapes; new weights (not the
original's); the same outputs as tf.keras's clone once both are given the same weights;
clone_function; and the same error for an unknown keyword argument. Every layer is
named, so the names compared do not depend on what else the session created."""
import numpy as np
import pytest

from conformance.harness import keras

import kerasmini


def _sequential(k):
    return k.Sequential([k.Input((5,)), k.layers.Dense(4, activation="relu", name="hidden"),
                         k.layers.Dropout(0.5, name="drop"), k.layers.Dense(3, name="out")],
                        name="seq")


def _functional(k):
    x = k.Input((6, 6, 2), name="image")
    y = k.layers.Conv2D(3, 3, name="conv")(x)
    y = k.layers.Flatten(name="flat")(y)
    side = k.layers.Dense(2, name="side")(y)
    out = k.layers.Dense(1, name="out")(k.layers.Concatenate(name="cat")([y, side]))
    return k.Model(x, out, name="fun")


def _fresh(k):
    def clone(layer):
        config = layer.get_config()
        if isinstance(layer, k.layers.Dense):
            config["units"] = config["units"] + 1 if layer.name == "hidden" else config["units"]
        return type(layer).from_config(config)
    return clone


@pytest.mark.parametrize("build", [_sequential, _functional])
@pytest.mark.parametrize("widen", [False, True])
def test_clone_matches_keras(build, widen):
    km_model, tf_model = build(kerasmini), build(keras)
    km_clone = kerasmini.models.clone_model(
        km_model, clone_function=_fresh(kerasmini) if widen else None)
    tf_clone = keras.models.clone_model(
        tf_model, clone_function=_fresh(keras) if widen else None)
    assert type(km_clone).__name__ == type(tf_clone).__name__
    assert km_clone.name == tf_clone.name
    assert [(type(a).__name__, a.name) for a in km_clone.layers] == \
        [(type(b).__name__, b.name) for b in tf_clone.layers]
    shapes = [w.shape for w in tf_clone.get_weights()]
    assert [w.shape for w in km_clone.get_weights()] == shapes
    assert all(a is not b for a, b in zip(km_clone.layers, km_model.layers))
    kernels = [w for w in km_clone.get_weights() if w.ndim > 1]
    originals = [w for w in km_model.get_weights() if w.ndim > 1]
    assert not any(np.array_equal(a, b) for a, b in zip(kernels, originals)
                   if a.shape == b.shape), "a clone has new weights"
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=s).astype("float32") for s in shapes]
    km_clone.set_weights(weights)
    tf_clone.set_weights(weights)
    x = rng.normal(size=(2,) + tuple(tf_model.input_shape[1:])).astype("float32")
    np.testing.assert_allclose(km_clone.predict(x, verbose=0), tf_clone.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)


def test_unknown_keyword_argument_error_matches_keras():
    with pytest.raises(ValueError) as tf_error:
        keras.models.clone_model(_sequential(keras), foo=1)
    with pytest.raises(ValueError) as km_error:
        kerasmini.models.clone_model(_sequential(kerasmini), foo=1)
    assert str(km_error.value) == str(tf_error.value)
