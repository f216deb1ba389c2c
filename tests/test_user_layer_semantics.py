"""What a user's layers (written as keras.io writes them) rely on, found by the second
zoo (conformance/models/zoo2.py): masks carried into call(), build() by hand, several
outputs, array-valued Constant, registered names in configs. NumPy only; each expected
value comes from a plain NumPy computation."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini import layers, ops
from kerasmini.object_configs import deserialize, serialize_keras_object
from kerasmini.regularizers import ALL_OBJECTS_DICT


class SelfAttention(layers.Layer):
    """keras.io's TransformerEncoder core: MultiHeadAttention on the inputs, no mask
    argument passed: the one the inputs carry must be read."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.attention = layers.MultiHeadAttention(num_heads=1, key_dim=2)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        return self.attention(inputs, inputs)


def _embedded(tokens):
    embedding = layers.Embedding(10, 2, mask_zero=True)
    return embedding, embedding(tokens)


def test_a_users_call_gets_its_inputs_with_their_mask():
    tokens = np.array([[3, 4, 0, 0], [5, 6, 7, 0]])
    embedding, x = _embedded(tokens)
    layer = SelfAttention()
    got = layer(x)
    expected = layer.attention(np.asarray(x), np.asarray(x),
                               query_mask=tokens != 0, value_mask=tokens != 0)
    unmasked = layer.attention(np.asarray(x), np.asarray(x))
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert not np.allclose(got, unmasked)


def test_a_nested_model_passes_its_inputs_masks_to_its_layers():
    inner_in = keras.Input((4, 2))
    inner = keras.Model(inner_in, SelfAttention()(inner_in))
    tokens_in = keras.Input((4,), dtype="int32")
    embedding = layers.Embedding(10, 2, mask_zero=True)
    model = keras.Model(tokens_in, inner(embedding(tokens_in)))
    tokens = np.array([[3, 4, 0, 0], [5, 6, 7, 0]])
    x = embedding(tokens)
    attention = inner.layers[1].attention
    expected = attention(np.asarray(x), np.asarray(x), query_mask=tokens != 0,
                         value_mask=tokens != 0)
    np.testing.assert_allclose(model(tokens), expected, rtol=1e-6)


class Lazy(layers.Layer):
    """keras.io's TokenAndPositionEmbedding shape: sublayers made in __init__, no build."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(3)

    def call(self, x):
        return self.dense(x)


class Manual(layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")

    def call(self, x):
        return x @ self.w


def test_build_by_hand_builds_once_and_builds_sublayers():
    manual = Manual()
    manual.build((None, 3))
    assert manual.built
    manual(np.ones((1, 3), "float32"))
    assert len(manual.weights) == 1  # the call did not build a second set
    lazy = Lazy()
    lazy.build((None, 4))
    assert [tuple(w.shape) for w in lazy.weights] == [(4, 3), (3,)]


class TwoOutputs(layers.Layer):
    def call(self, x):
        return x * 2, ops.sum(x, axis=-1)


def test_a_users_call_returning_two_arrays_makes_two_outputs():
    inputs = keras.Input((5, 3))
    doubled, summed = TwoOutputs()(inputs)
    assert (doubled.shape, summed.shape) == ((None, 5, 3), (None, 5))
    model = keras.Model(inputs, [doubled, summed])
    x = np.random.default_rng(0).random((2, 5, 3)).astype("float32")
    got = model(x)
    np.testing.assert_allclose(got[0], 2 * x)
    np.testing.assert_allclose(got[1], x.sum(-1), rtol=1e-6)


def test_constant_initializer_holds_an_array_and_saves_it_as_keras_does():
    value = np.eye(3).flatten()
    init = keras.initializers.Constant(value)
    np.testing.assert_array_equal(init((9,)), value.astype("float32"))
    np.testing.assert_array_equal(init((2, 9)), np.tile(value, (2, 1)))
    config = init.get_config()
    assert config == {"value": {"class_name": "__numpy__",
                                "config": {"value": value.tolist(), "dtype": "float64"}}}
    again = keras.initializers.Constant.from_config(config)
    np.testing.assert_array_equal(again((9,)), init((9,)))
    assert keras.initializers.Constant(0.5).get_config() == {"value": 0.5}
    with pytest.raises(ValueError, match="numeric dtype"):
        keras.initializers.Constant.from_config(
            {"value": {"class_name": "__numpy__", "config": {"value": [1], "dtype": "O"}}})


def test_a_registered_regularizer_is_saved_and_found_by_its_registered_name():
    class OrthogonalRegularizer(keras.regularizers.Regularizer):
        def __init__(self, num_features):
            self.num_features = num_features

        def __call__(self, x):
            return ops.sum(x)

        def get_config(self):
            return {"num_features": self.num_features}

    registered = keras.saving.register_keras_serializable("test_semantics")(
        OrthogonalRegularizer)
    config = serialize_keras_object(registered(3), "keras.regularizers")
    assert config["registered_name"] == "test_semantics>OrthogonalRegularizer"
    found = deserialize(config, ALL_OBJECTS_DICT, "regularizer")
    assert type(found) is registered and found.num_features == 3
    # a user's module never falls back to the built-in of the same class name
    unknown = {**config, "registered_name": "elsewhere>OrthogonalRegularizer"}
    with pytest.raises(ValueError, match="Could not interpret regularizer"):
        deserialize(unknown, ALL_OBJECTS_DICT, "regularizer")
