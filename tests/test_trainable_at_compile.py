"""Keras's rule for `trainable`: a change takes effect when the model is compiled again
(tf.keras's step keeps the weights it was traced with); with run_eagerly=True at the
next step."""
import numpy as np
import pytest

import kerasmini as keras


def _fit_changes_body(model, x, y):
    body = model.get_layer("body").get_weights()[0].copy()
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    return not np.array_equal(body, model.get_layer("body").get_weights()[0])


@pytest.mark.parametrize("run_eagerly", [False, True])
def test_freezing_takes_effect_at_compile_or_eagerly_at_once(run_eagerly):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="body"),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse", run_eagerly=run_eagerly)
    assert _fit_changes_body(model, x, y)
    model.get_layer("body").trainable = False
    assert _fit_changes_body(model, x, y) is not run_eagerly
    model.compile("sgd", "mse", run_eagerly=run_eagerly)
    assert not _fit_changes_body(model, x, y)
    assert len(model.trainable_weights) == 2
