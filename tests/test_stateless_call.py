"""Layer.stateless_call: outputs and updated non-trainable values as if the variables
held the given values, the layer's own variables unchanged (checked against a twin model
whose weights are set to those values and called statefully)."""
import numpy as np
import pytest

import kerasmini as keras


def _model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                              keras.layers.BatchNormalization(momentum=0.5),
                              keras.layers.Dense(2)])
    return model


def _given(model, rng):
    trainable = [rng.normal(size=v.shape).astype("float32") for v in model.trainable_variables]
    non_trainable = [rng.uniform(0.5, 1.5, size=v.shape).astype("float32")
                     for v in model.non_trainable_variables]
    return trainable, non_trainable


@pytest.mark.parametrize("training", [True, False])
def test_stateless_call_is_a_call_with_the_given_values(training):
    rng = np.random.default_rng(0)
    model, twin = _model(), _model()
    trainable, non_trainable = _given(model, rng)
    before = model.get_weights()
    x = rng.normal(size=(5, 4)).astype("float32")
    outputs, updated = model.stateless_call(trainable, non_trainable, x, training=training)
    for variable, value in zip(twin.trainable_variables + twin.non_trainable_variables,
                               trainable + non_trainable):
        variable.assign(value)
    np.testing.assert_allclose(np.asarray(outputs), np.asarray(twin(x, training=training)),
                               rtol=1e-6)
    for new, variable in zip(updated, twin.non_trainable_variables):
        np.testing.assert_allclose(new, variable.numpy(), rtol=1e-6)
    assert any(not np.array_equal(a, b) for a, b in zip(updated, non_trainable)) == training
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_stateless_call_refuses_and_restores():
    rng = np.random.default_rng(1)
    model = _model()
    trainable, non_trainable = _given(model, rng)
    before = model.get_weights()
    with pytest.raises(ValueError, match="trainable_variables.*length 3, but expected 6"):
        model.stateless_call(trainable[:3], non_trainable, np.zeros((1, 4), "float32"))
    with pytest.raises(ValueError, match="shape"):
        model.stateless_call(trainable[:5] + [np.zeros(7)], non_trainable,
                             np.zeros((1, 4), "float32"))
    with pytest.raises(ValueError):  # the call itself fails: the values go back
        model.stateless_call(trainable, non_trainable, np.zeros((1, 9), "float32"))
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="must be built"):
        keras.layers.Dense(2).stateless_call([], [], np.zeros((1, 2)))


def test_stateless_call_returns_the_losses_when_asked():
    layer = keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.5))
    layer.build((None, 3))
    kernel = np.full((3, 2), 2.0, "float32")
    _, updated, losses = layer.stateless_call([kernel, np.zeros(2, "float32")], [],
                                              np.ones((1, 3), "float32"), return_losses=True)
    assert updated == []
    np.testing.assert_allclose([float(np.asarray(loss)) for loss in losses], [0.5 * 24.0])
