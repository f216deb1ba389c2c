"""GroupQueryAttention against tests/attention_reference.py (loops over batch items,
heads and positions) given each key/value head written out once per query head it
serves, float64 finite differences of every gradient, shapes, weights and errors."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini import layers
from tests.attention_reference import attention_reference
from tests.gradcheck import TOLERANCE, numeric_gradient


def make(heads=4, groups=2, head_dim=3, features=5, **args):
    layer = layers.GroupQueryAttention(head_dim, heads, groups, dtype="float64", **args)
    rng = np.random.default_rng(heads * 10 + groups)
    query = rng.standard_normal((2, 4, features))
    value = rng.standard_normal((2, 6, features))
    layer(query, value)
    layer.set_weights([rng.standard_normal(w.shape) * 0.5 for w in layer.get_weights()])
    return layer, query, value


def repeated(weights, heads, groups):
    """Query, key, value, output weights with key and value heads repeated in order."""
    r = heads // groups
    wq, bq, wk, bk, wv, bv, wo, bo = weights
    return [wq, bq, np.repeat(wk, r, axis=1), np.repeat(bk, r, axis=0),
            np.repeat(wv, r, axis=1), np.repeat(bv, r, axis=0), wo, bo]


@pytest.mark.parametrize("heads, groups", [(4, 2), (6, 3), (3, 1), (2, 2)])
@pytest.mark.parametrize("call", [{}, {"use_causal_mask": True},
                                  {"return_attention_scores": True}])
def test_values_against_the_loop_reference(heads, groups, call):
    layer, query, value = make(heads, groups)
    mask = np.tril(np.ones((4, 6), bool))[None] if call.get("use_causal_mask") else None
    want, scores = attention_reference(query, value, value,
                                       repeated(layer.get_weights(), heads, groups), heads, 3,
                                       True, mask, fused=not call)
    got = layer(query, value, **call)
    if call.get("return_attention_scores"):
        np.testing.assert_allclose(got[1], scores, rtol=1e-12, atol=1e-14)
        got = got[0]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_gradients_against_finite_differences():
    layer, query, value = make(4, 2, head_dim=2, features=3)
    weight_of = np.random.default_rng(1).standard_normal(query.shape)
    run = lambda: layer(query, value, use_causal_mask=True)
    with keras.GradientTape() as tape:
        tape.watch(query)
        tape.watch(value)
        total = np.sum(run() * weight_of)
    grads = tape.gradient(total, [query, value] + layer.trainable_weights)
    loss = lambda: float(np.sum(np.asarray(run()) * weight_of))
    for array, grad in zip([query, value] + [w._value for w in layer.trainable_weights],
                           grads):
        expected = numeric_gradient(loss, array)
        np.testing.assert_allclose(grad, expected, atol=TOLERANCE * max(
            1.0, float(np.max(np.abs(expected)))))


def test_weights_shapes_and_names():
    layer, _, _ = make(4, 2, head_dim=3, features=5)
    assert [(w.name, w.shape) for w in layer.weights] == [
        ("kernel", (5, 4, 3)), ("bias", (4, 3)), ("kernel", (5, 2, 3)), ("bias", (2, 3)),
        ("kernel", (5, 2, 3)), ("bias", (2, 3)), ("kernel", (4, 3, 5)), ("bias", (5,))]
    assert {"_query_dense", "_key_dense", "_value_dense", "_output_dense"} <= set(vars(layer))
    assert (layer.num_query_heads, layer.num_key_value_heads, layer.num_repeats) == (4, 2, 2)


def test_errors():
    with pytest.raises(ValueError, match="divisible"):
        layers.GroupQueryAttention(2, 4, 3)
    with pytest.raises(ValueError, match="num_key_value_heads"):
        layers.GroupQueryAttention(2, 4, 0)
    with pytest.raises(ValueError, match="rank 3"):
        layers.GroupQueryAttention(2, 2, 1)(np.zeros((1, 2, 3, 4)), np.zeros((1, 2, 3, 4)))
    with pytest.raises(ValueError, match="Flash"):
        layers.GroupQueryAttention(2, 2, 1, flash_attention=True)


def test_output_shape_from_a_list_of_shapes_as_from_arguments():
    layer = layers.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2)
    query, value, key = (2, 5, 6), (2, 7, 4), (2, 7, 8)
    assert layer.compute_output_shape([query, value, key]) == \
        layer.compute_output_shape(query, value, key) == (2, 5, 6)
    assert layer.compute_output_shape([query, value]) == layer.compute_output_shape(query, value)
