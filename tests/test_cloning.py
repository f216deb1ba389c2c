"""clone_model without TensorFlow: new layers and weights, same config and outputs once the
weights are copied, the clone_function hook, and clear errors for what is not supported."""
import numpy as np
import pytest

import kerasmini as keras


def _sequential():
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="a"),
                             keras.layers.Dense(2, name="b")], name="s")


def _functional():
    x = keras.Input((3,))
    return keras.Model(x, keras.layers.Add()([keras.layers.Dense(2)(x),
                                              keras.layers.Dense(2)(x)]), name="f")


@pytest.mark.parametrize("build", [_sequential, _functional])
def test_clone_has_new_weights_and_the_same_function(build):
    model = build()
    clone = keras.models.clone_model(model)
    assert type(clone) is type(model) and clone.get_config() == model.get_config()
    assert not set(map(id, clone.weights)) & set(map(id, model.weights))
    assert not np.array_equal(clone.get_weights()[0], model.get_weights()[0])
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    np.testing.assert_array_equal(clone.predict(x, verbose=0), model.predict(x, verbose=0))


def test_clone_function_makes_each_layer_but_the_input():
    seen = []

    def widen(layer):
        seen.append(layer.name)
        return keras.layers.Dense(layer.units + 1, name=layer.name)
    clone = keras.models.clone_model(_sequential(), clone_function=widen)
    assert seen == ["a", "b"]
    assert [w.shape for w in clone.get_weights()] == [(3, 5), (5,), (5, 3), (3,)]


@pytest.mark.parametrize("kwargs,match", [
    ({"input_tensors": [keras.Input((3,))]}, "input_tensors"),
    ({"call_function": lambda layer, *a: layer(*a)}, "call_function"),
    ({"recursive": True}, "recursive"),
    ({"clone_function": 3}, "clone_function=3"),
    ({"clone_function": lambda layer: layer}, "itself"),
    ({"cache": {}}, "Unexpected keyword argument"),
])
def test_unsupported_arguments_raise(kwargs, match):
    model = _sequential()
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=match):
        keras.models.clone_model(model, **kwargs)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_not_a_model():
    with pytest.raises(ValueError, match="Model"):
        keras.models.clone_model(keras.layers.Dense(2))
