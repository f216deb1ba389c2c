"""Masks through merges and BatchNormalization, as Keras: the merges hand on the OR of
their inputs' masks (Concatenate joins them, Dot drops them), Maximum / Minimum /
Multiply leave masked steps out, BatchNormalization's training statistics count the
kept positions only. References: tests/mask_reference.py, finite differences."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini import layers
from kerasmini.autodiff import GradientTape
from tests.gradcheck import numeric_gradient
from tests.mask_reference import (masked_batch_normalization, merge_mask_reference,
                                  merge_reference)

KINDS = ["Add", "Subtract", "Average", "Multiply", "Maximum", "Minimum"]
MASKS = {  # (batch 3, steps 4); each pattern of which inputs carry a mask
    "both": [[[1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]], [[1, 0, 1, 0], [0, 0, 1, 1], [0, 1, 0, 0]]],
    "first": [[[1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]], None],
    "second": [None, [[1, 0, 1, 0], [0, 0, 1, 1], [0, 1, 0, 0]]],
    "none": [None, None],
}


def _inputs(count=2, dtype="float64", seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((3, 4, 5)).astype(dtype) for _ in range(count)]


def _masks(pattern):
    return [None if m is None else np.array(m, bool) for m in MASKS[pattern]]


@pytest.mark.parametrize("pattern", sorted(MASKS))
@pytest.mark.parametrize("kind", KINDS)
def test_merge_values_and_mask(kind, pattern):
    inputs, masks = _inputs(), _masks(pattern)
    layer = getattr(layers, kind)(dtype="float64")
    out = layer(inputs, mask=masks if pattern != "none" else None)
    np.testing.assert_allclose(out, merge_reference(kind, inputs, masks), rtol=1e-12,
                               atol=1e-12)
    want = merge_mask_reference(kind, inputs, masks)
    got = getattr(out, "_keras_mask", None)
    assert (got is None) == (want is None), (got, want)
    if want is not None:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", ["Maximum", "Minimum", "Multiply"])
def test_three_inputs_with_holes(kind):
    inputs = _inputs(3, seed=3)
    masks = _masks("both") + [np.array([[0, 1, 1, 0], [1, 1, 0, 0], [0, 0, 0, 1]], bool)]
    out = getattr(layers, kind)(dtype="float64")(inputs, mask=masks)
    np.testing.assert_allclose(out, merge_reference(kind, inputs, masks), rtol=1e-12)


@pytest.mark.parametrize("axis", [-1, 1])
@pytest.mark.parametrize("pattern", ["both", "first", "second"])
def test_concatenate_mask(pattern, axis):
    inputs, masks = _inputs(), _masks(pattern)
    out = layers.Concatenate(axis=axis, dtype="float64")(inputs, mask=masks)
    np.testing.assert_array_equal(out, np.concatenate(inputs, axis=axis))
    np.testing.assert_array_equal(out._keras_mask,
                                  merge_mask_reference("Concatenate", inputs, masks, axis))


def test_dot_drops_the_mask():
    inputs, masks = _inputs(), _masks("both")
    out = layers.Dot(axes=2)(inputs, mask=masks)
    assert getattr(out, "_keras_mask", None) is None
    assert type(out) is np.ndarray


def test_mask_list_length_is_checked_before_anything():
    with pytest.raises(ValueError, match="same length"):
        layers.Add()(_inputs(), mask=[np.ones((3, 4), bool)])


def test_carried_masks_reach_an_eager_merge():
    tokens = np.array([[1, 2, 0, 0], [3, 0, 4, 0]])
    embedding = layers.Embedding(10, 3, mask_zero=True)
    a, b = embedding(tokens), embedding(tokens[:, ::-1])
    out = layers.Maximum()([a, b])
    want = merge_reference("Maximum", [np.asarray(a), np.asarray(b)],
                           [tokens != 0, tokens[:, ::-1] != 0])
    np.testing.assert_allclose(out, want, rtol=1e-6)
    np.testing.assert_array_equal(out._keras_mask, (tokens != 0) | (tokens[:, ::-1] != 0))


def _masked_graph(kind):
    tokens = keras.Input((4,), dtype="int32")
    embedded = layers.Embedding(10, 5, mask_zero=True)(tokens)
    a = layers.Dense(5)(embedded)  # hands the mask on
    b = layers.Dense(5)(layers.Masking(0.0)(keras.Input((4, 5))))
    merged = getattr(layers, kind)(name="merge")([a, embedded])
    pooled = layers.GlobalAveragePooling1D()(layers.BatchNormalization(name="bn")(merged))
    del b
    return keras.Model(tokens, pooled)


TOKENS = np.array([[1, 2, 0, 0], [3, 4, 5, 6], [0, 7, 0, 8]])


@pytest.mark.parametrize("kind", ["Maximum", "Multiply", "Concatenate"])
def test_graph_keeps_merge_masks_implicit_and_round_trips(kind):
    model = _masked_graph(kind)
    config = model.get_config()
    merge = next(layer for layer in config["layers"] if layer["name"] == "merge")
    assert merge["inbound_nodes"][0]["kwargs"] == {}  # as Keras: read from the tensors
    bn = next(layer for layer in config["layers"] if layer["name"] == "bn")
    history = bn["inbound_nodes"][0]["kwargs"]["mask"]["config"]["keras_history"]
    assert history[0].startswith("logical_or" if kind != "Concatenate" else "any")
    clone = keras.Model.from_config(config)
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(TOKENS, verbose=0),
                                  model.predict(TOKENS, verbose=0))
    # the graph's value is the layers' eager value with the masks they carry
    embedding, dense = model.get_layer(index=1), model.get_layer(index=2)
    embedded = embedding(TOKENS)
    eager = model.get_layer("merge")([dense(embedded), embedded])
    pooled = layers.GlobalAveragePooling1D()(model.get_layer("bn")(eager))
    np.testing.assert_allclose(model.predict(TOKENS, verbose=0), pooled, rtol=1e-6)


def _bn_case(dtype="float64"):
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((3, 4, 2)) * 2 + 1).astype(dtype)
    mask = np.array([[1, 1, 0, 0], [1, 0, 1, 1], [0, 0, 0, 1]], bool)
    bn = layers.BatchNormalization(momentum=0.9, dtype=dtype)
    bn.build(x.shape)
    bn.set_weights([np.array([1.5, 0.5]), np.array([0.1, -0.2]), np.array([0.3, -0.1]),
                    np.array([2.0, 0.5])])
    return bn, x, mask


def test_masked_batch_normalization_training_statistics():
    bn, x, mask = _bn_case()
    out = bn(x, training=True, mask=mask)
    want, mean, variance = masked_batch_normalization(x, mask, [1.5, 0.5], [0.1, -0.2],
                                                      bn.epsilon)
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.9 * np.array([0.3, -0.1]) + 0.1 * mean,
                               rtol=1e-12)
    np.testing.assert_allclose(bn.moving_variance.numpy(),
                               0.9 * np.array([2.0, 0.5]) + 0.1 * variance, rtol=1e-12)
    np.testing.assert_array_equal(out._keras_mask, mask)  # handed on


def test_masked_batch_normalization_inference_ignores_the_mask():
    bn, x, mask = _bn_case()
    np.testing.assert_array_equal(bn(x, mask=mask), bn(x))


def test_mask_of_wrong_rank_is_refused_before_any_change():
    bn, x, mask = _bn_case()
    before = [w.copy() for w in bn.get_weights()]
    with pytest.raises(ValueError, match="one dimension less"):
        bn(x, training=True, mask=mask[..., None])
    for a, b in zip(before, bn.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_masked_batch_normalization_gradients():
    bn, x, mask = _bn_case()
    weight_of = np.random.default_rng(9).standard_normal(x.shape)

    def loss():
        return float(np.sum(np.asarray(bn(x, training=True, mask=mask)) * weight_of))

    with GradientTape() as tape:
        tape.watch(x)
        total = keras.ops.sum(bn(x, training=True, mask=mask) * weight_of)
    grads = tape.gradient(total, [x, *bn.trainable_weights])
    for grad, array in zip(grads, [x, bn.gamma._value, bn.beta._value]):
        np.testing.assert_allclose(grad, numeric_gradient(loss, array), rtol=1e-6, atol=1e-7)
    assert np.any(grads[0][~mask] != 0)  # masked positions are normalized too: they have one


@pytest.mark.parametrize("kind", ["Maximum", "Multiply"])
def test_masked_merge_gradients(kind):
    inputs, masks = _inputs(seed=2), _masks("both")
    layer = getattr(layers, kind)(dtype="float64")
    weight_of = np.random.default_rng(4).standard_normal(inputs[0].shape)
    with GradientTape() as tape:
        tape.watch(inputs)
        total = keras.ops.sum(layer(inputs, mask=masks) * weight_of)
    grads = tape.gradient(total, inputs)
    for grad, array in zip(grads, inputs):
        expected = numeric_gradient(
            lambda: float(np.sum(np.asarray(layer(inputs, mask=masks)) * weight_of)), array)
        np.testing.assert_allclose(grad, expected, rtol=1e-6, atol=1e-7)


def test_reloading_in_a_fresh_session_does_not_collide_with_the_files_names():
    # the file's NotEqual is 'not_equal'; replaying the Embedding makes another NotEqual
    # for the merge's implicit mask, which a fresh session would also call 'not_equal'
    keras.backend.clear_session()
    model = _masked_graph("Maximum")
    config = model.get_config()
    keras.backend.clear_session()
    clone = keras.Model.from_config(config)
    names = [op.name for op in clone._operations]
    assert len(set(names)) == len(names) and "not_equal" in names
    clone.set_weights(model.get_weights())
    np.testing.assert_array_equal(clone.predict(TOKENS, verbose=0),
                                  model.predict(TOKENS, verbose=0))
