"""A layer's `input` / `output` (its first symbolic call's tensors), a functional
model's inputs, outputs and their shapes, and a Sequential built from a built model:
what Keras users build feature extractors and wrappers from."""
import numpy as np
import pytest

import kerasmini as keras


def _functional():
    inputs = keras.Input((4,), name="x")
    hidden = keras.layers.Dense(3, activation="relu", name="h")(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, name="o")(hidden))


def test_feature_extractor_from_a_layer_output():
    model = _functional()
    assert model.input is model.inputs[0] and model.output is model.outputs[0]
    assert model.input_shape == (None, 4) and model.output_shape == (None, 2)
    hidden = model.get_layer("h")
    assert hidden.input is model.input and hidden.output.shape == (None, 3)
    features = keras.Model(model.input, hidden.output)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    kernel, bias = hidden.get_weights()
    np.testing.assert_allclose(features.predict(x, verbose=0),
                               np.maximum(x @ kernel + bias, 0.0), rtol=1e-6, atol=1e-7)


def test_never_called_layers_and_unbuilt_sequentials_have_none():
    with pytest.raises(AttributeError, match="dense_never.*never been called.*output"):
        keras.layers.Dense(2, name="dense_never").output
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    assert not hasattr(unbuilt, "input_shape") and not hasattr(unbuilt, "output_shape")
    two_inputs = [keras.Input((2,)), keras.Input((3,))]
    merged = keras.Model(two_inputs, keras.layers.Concatenate()(two_inputs))
    assert merged.input_shape == [(None, 2), (None, 3)] and merged.output_shape == (None, 5)


def test_sequential_over_a_built_model_is_built_and_saved(tmp_path):
    base = _functional()
    wrapper = keras.Sequential([base, keras.layers.Softmax()])
    assert wrapper.built and wrapper.input_shape == (None, 4)
    wrapper.save(tmp_path / "wrapper.keras")  # before any call: the shape is known
    x = np.random.default_rng(1).normal(size=(3, 4)).astype("float32")
    restored = keras.models.load_model(tmp_path / "wrapper.keras")
    np.testing.assert_allclose(restored.predict(x, verbose=0), wrapper.predict(x, verbose=0),
                               rtol=1e-6)
