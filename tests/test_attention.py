"""EinsumDense, MultiHeadAttention and np.einsum's gradient rule against loop references
(tests/attention_reference.py) and float64 finite differences (tests/gradcheck.py)."""
import os
import tempfile

import numpy as np
import pytest

import kerasmini
from kerasmini import layers
from kerasmini.autodiff import GradientTape, NoGradientError
from tests.attention_reference import attention_reference, einsum_dense_reference, \
    luong_reference
from tests.gradcheck import TOLERANCE, assert_gradients_close, layer_gradients, \
    numeric_gradient
from tests.helpers import assert_close


def rand(shape, seed=0, dtype="float64"):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ----- np.einsum on the tape -----------------------------------------------------------
EINSUM_GRADIENTS = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("bqhd,bkhd->bhqk", [(2, 3, 2, 4), (2, 5, 2, 4)]),
    ("...b,bc->...c", [(2, 3, 4), (4, 5)]),
    ("ij,j", [(3, 4), (4,)]),                    # implicit output: "i"
    ("ij,kj->ik", [(1, 4), (3, 4)]),             # no broadcasting of named sizes 1
    ("ab,bc->a", [(3, 4), (4, 2)]),              # c summed in the kernel alone
    ("...ij,...jk->...ik", [(1, 3, 4), (2, 4, 2)]),  # broadcast ellipsis
    ("...ij,...jk->...ik", [(2, 2, 3, 4), (2, 4, 2)]),  # ellipses of 2 and 1 axes
    ("i,i,i->", [(4,), (4,), (4,)]),
]


@pytest.mark.parametrize("equation,shapes", EINSUM_GRADIENTS)
def test_einsum_gradient_matches_finite_differences(equation, shapes):
    operands = [rand(s, seed=i) for i, s in enumerate(shapes)]
    weight_of = rand(np.shape(np.einsum(equation, *operands)), seed=9)
    with GradientTape() as tape:
        watched = tape.watch(operands)  # TapeArrays: np.einsum calls back on them
        total = np.sum(np.einsum(equation, *watched, optimize=True) * weight_of)
    grads = tape.gradient(total, watched)
    loss = lambda: float(np.sum(np.einsum(equation, *operands) * weight_of))
    for x, grad in zip(operands, grads):
        assert grad.shape == x.shape
        expected = numeric_gradient(loss, x)
        assert np.max(np.abs(grad - expected)) <= TOLERANCE * max(np.max(np.abs(expected)), 1)


def test_einsum_diagonal_has_no_gradient_rule():
    x = rand((3, 3))
    with pytest.raises(NoGradientError, match="diagonal"):
        with GradientTape() as tape:
            watched = tape.watch(x)
            total = np.sum(np.einsum("ii->i", watched))
        tape.gradient(total, watched)


# ----- EinsumDense ---------------------------------------------------------------------
EINSUM_DENSE = [  # (arguments, input shape, the equation with '...' spelled out)
    ({"equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "c"}, (3, 5), "ab,bc->ac"),
    ({"equation": "abc,cd->abd", "output_shape": (None, 3), "bias_axes": "d"}, (2, 4, 5),
     "abc,cd->abd"),
    ({"equation": "...b,bc->...c", "output_shape": 3}, (2, 3, 4, 5), "xyzb,bc->xyzc"),
    ({"equation": "abc,cde->abde", "output_shape": (None, 2, 3), "bias_axes": "e"},
     (2, 4, 5), "abc,cde->abde"),
    ({"equation": "ab...,bc->ac...", "output_shape": (4,), "bias_axes": "c"}, (2, 5, 3),
     "abx,bc->acx"),
    ({"equation": "abcd,cde->abe", "output_shape": (None, 3), "bias_axes": "e",
      "activation": "tanh"}, (2, 3, 4, 2), "abcd,cde->abe"),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("args,shape,spelled", EINSUM_DENSE)
def test_einsum_dense_matches_loop_reference(args, shape, spelled, dtype):
    layer = layers.EinsumDense(**args, bias_initializer="random_uniform", dtype=dtype)
    x = rand(shape, dtype=dtype)
    y = layer(x)
    bias = None if layer.bias is None else layer.bias.numpy().astype("float64")
    expected = einsum_dense_reference(spelled, x.astype("float64"),
                                      layer.kernel.numpy().astype("float64"), bias)
    if args.get("activation") == "tanh":
        expected = np.tanh(expected)
    assert_close(y, expected, dtype, args)
    assert y.shape == layer.compute_output_shape(shape)
    assert layer.compute_output_shape((None,) + shape[1:]) == (None,) + y.shape[1:]


@pytest.mark.parametrize("args,shape,spelled", EINSUM_DENSE[1:4])
def test_einsum_dense_gradients(args, shape, spelled):
    layer = layers.EinsumDense(**args, bias_initializer="random_uniform", dtype="float64")
    assert_gradients_close(layer_gradients(layer, rand(shape)), args)


def test_einsum_dense_kernel_fans_come_from_the_equation():
    """glorot_uniform over (5, 2, 3) with input axis 0 and output axes 1, 2: fans 5 and
    6, so the limit is sqrt(6 / 11), not the last-two-axes rule's sqrt(6 / 25)."""
    layer = layers.EinsumDense("abc,cde->abde", output_shape=(None, 200, 30),
                               kernel_initializer={"class_name": "GlorotUniform",
                                                   "config": {"seed": 1}})
    layer.build((None, 4, 5))
    limit = np.sqrt(6 / (5 + 6000))
    kernel = layer.kernel.numpy()
    assert np.max(np.abs(kernel)) <= limit and np.max(np.abs(kernel)) > 0.9 * limit
    assert layer.get_config()["kernel_initializer"]["config"]["input_axes"] is None


@pytest.mark.parametrize("args,error", [
    ({"equation": "abc", "output_shape": 3}, "Invalid einsum equation 'abc'"),
    ({"equation": "ab,bc->ad", "output_shape": 3}, "Dimension 'd'"),
    ({"equation": "ab,bc->ac", "output_shape": 3, "bias_axes": "x"}, "Bias dimension 'x'"),
    ({"equation": "ab,bcd->ac", "output_shape": 3}, "Weight dimension 'd'"),
])
def test_einsum_dense_bad_equations(args, error):
    with pytest.raises(ValueError, match=error):
        layer = layers.EinsumDense(**args)
        layer(np.zeros((2, 4)))


@pytest.mark.parametrize("args,argument", [
    ({"equation": 3, "output_shape": 2}, "equation"),
    ({"equation": "ab,bc->ac", "output_shape": "x2"}, "output_shape"),
    ({"equation": "ab,bc->ac", "output_shape": 2, "lora_rank": 4}, "lora_rank"),
])
def test_einsum_dense_bad_arguments(args, argument):
    with pytest.raises((TypeError, ValueError, NotImplementedError), match=argument):
        layers.EinsumDense(**args)


# ----- MultiHeadAttention --------------------------------------------------------------
def _attention(args, t_len=4, s_len=5, features=6, key=False, seed=0, dtype="float64"):
    layer = layers.MultiHeadAttention(**args, bias_initializer="random_uniform", dtype=dtype)
    query, value = rand((2, t_len, features), seed, dtype), rand((2, s_len, features + 1),
                                                                 seed + 1, dtype)
    key_array = rand((2, s_len, 3), seed + 2, dtype) if key else None
    layer(query, value, key=key_array)
    return layer, query, value, key_array


def _reference(layer, query, value, key, mask=None, fused=True):
    return attention_reference(query, value, value if key is None else key,
                               layer.get_weights(), layer.num_heads, layer.key_dim,
                               layer.use_bias, mask, fused)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("args,key", [
    ({"num_heads": 2, "key_dim": 3}, False),
    ({"num_heads": 3, "key_dim": 2, "value_dim": 4, "output_shape": 5}, True),
    ({"num_heads": 1, "key_dim": 4, "use_bias": False}, False),
    ({"num_heads": 2, "key_dim": 3, "dropout": 0.5}, True),   # the Softmax-layer path
])
def test_multi_head_attention_matches_loop_reference(args, key, dtype):
    layer, query, value, key_array = _attention(args, key=key, dtype=dtype)
    out, scores = _reference(layer, query, value, key_array)
    assert_close(layer(query, value, key=key_array), out, dtype, args)
    got, got_scores = layer(query, value, key=key_array, return_attention_scores=True)
    assert_close(got, out, dtype, args)
    assert_close(got_scores, scores, dtype, args)
    assert [w.shape for w in layer.weights] == [w.shape for w in (
        layer.query_dense.weights + layer.key_dense.weights + layer.value_dense.weights
        + layer.output_dense.weights)]


def test_masks_combine_as_keras_combines_them():
    """attention_mask & query_mask[:, :, None] & value_mask[:, None] & key_mask[:, None]
    & causal; masked keys get probability 0 on both paths."""
    layer, query, value, _ = _attention({"num_heads": 2, "key_dim": 3}, t_len=5, s_len=5)
    rng = np.random.default_rng(4)
    attention_mask = rng.random((2, 5, 5)) > 0.3
    query_mask, value_mask = rng.random((2, 5)) > 0.2, rng.random((2, 5)) > 0.2
    value_mask[:, 0] = True
    attention_mask[:, :, 0] = True
    combined = (attention_mask & query_mask[:, :, None] & value_mask[:, None]
                & np.tril(np.ones((5, 5), bool))[None])
    for fused in (True, False):
        out, scores = _reference(layer, query, value, None, combined, fused)
        got = layer(query, value, attention_mask=attention_mask, query_mask=query_mask,
                    value_mask=value_mask, use_causal_mask=True,
                    return_attention_scores=not fused)
        if not fused:
            got, got_scores = got
            assert_close(got_scores, scores, "float64", "scores")
        assert_close(got, out, "float64", f"fused={fused}")


def test_a_query_that_sees_no_key():
    """Keras's two paths: zeros with the Softmax layer, the values' mean fused."""
    layer, query, value, _ = _attention({"num_heads": 2, "key_dim": 3})
    mask = np.ones((2, 4, 5), bool)
    mask[1, 2] = False
    fused_out, _ = _reference(layer, query, value, None, mask, fused=True)
    softmax_out, scores = _reference(layer, query, value, None, mask, fused=False)
    assert_close(layer(query, value, attention_mask=mask), fused_out, "float64", "fused")
    got, got_scores = layer(query, value, attention_mask=mask, return_attention_scores=True)
    assert_close(got, softmax_out, "float64", "softmax path")
    assert np.all(got_scores[1, :, 2] == 0)
    assert not np.allclose(fused_out[1, 2], softmax_out[1, 2])


def test_empty_query_or_key_sequences():
    """No query: an empty output. No key: each query reads nothing, the heads are 0 and
    the output is the output projection's bias, on both paths (as tf.keras)."""
    layer, query, value, _ = _attention({"num_heads": 2, "key_dim": 3})
    assert layer(query[:, :0], value).shape == (2, 0, 6)
    bias = np.broadcast_to(layer.output_dense.bias.numpy(), (2, 4, 6))
    assert_close(layer(query, value[:, :0]), bias, "float64", "fused")
    got, scores = layer(query, value[:, :0], return_attention_scores=True)
    assert_close(got, bias, "float64", "softmax path")
    assert scores.shape == (2, 2, 4, 0)


def test_sliding_window_and_gate():
    layer, query, value, _ = _attention({"num_heads": 2, "key_dim": 3, "sliding_window": 2,
                                         "use_gate": True}, t_len=5, s_len=5)
    assert [w.path for w in layer.weights[4:6]] == [f"{layer.name}/gate/kernel",
                                                    f"{layer.name}/gate/bias"]
    band = np.abs(np.arange(5)[:, None] - np.arange(5)) < 2
    _, scores = layer(query, value, return_attention_scores=True)
    assert np.all(scores[..., ~band] == 0) and np.all(scores[..., band] > 0)
    gate = 1 / (1 + np.exp(-(np.einsum("btd,dnh->btnh", query, layer.weights[4].numpy())
                            + layer.weights[5].numpy())))
    # the gated heads, projected: compare with the layer's own output projection
    heads = np.einsum("bnts,bsnh->btnh", scores, np.einsum(
        "bsd,dnh->bsnh", value, layer.weights[6].numpy()) + layer.weights[7].numpy())
    expected = np.einsum("btnh,nhd->btd", heads * gate, layer.weights[8].numpy()) \
        + layer.weights[9].numpy()
    assert_close(layer(query, value), expected, "float64", "gate")


@pytest.mark.parametrize("args,call", [
    ({"num_heads": 2, "key_dim": 3, "value_dim": 2, "output_shape": 4}, {}),
    ({"num_heads": 2, "key_dim": 2}, {"use_causal_mask": True}),
    ({"num_heads": 2, "key_dim": 2, "dropout": 0.2}, {"return_attention_scores": True}),
])
def test_multi_head_attention_gradients(args, call):
    """Input, key and every weight against finite differences (tests/gradcheck.py)."""
    layer, query, value, key = _attention(args, key=True, seed=3)
    check_gradients(layer, [query, value, key],
                    lambda q, v, k: layer(q, v, key=k, **call), (args, call))


def check_gradients(layer, arrays, run, context):
    """d sum(run(*arrays) * R) / d (each array, each trainable weight) against central
    differences; `run` may return (output, scores): the output is differentiated."""
    first = lambda out: out[0] if isinstance(out, tuple) else out
    out = np.asarray(first(run(*arrays)))
    weight_of = rand(out.shape, seed=7)
    atol = 1e-9 * max(float(np.sum(np.abs(out * weight_of))), 1.0)  # gradcheck's bar
    with GradientTape() as tape:
        for x in arrays:
            tape.watch(x)
        total = np.sum(first(run(*arrays)) * weight_of)
    grads = tape.gradient(total, arrays + layer.trainable_weights)
    loss = lambda: float(np.sum(np.asarray(first(run(*arrays))) * weight_of))
    results = [(f"array {i}", g, numeric_gradient(loss, x), atol)
               for i, (x, g) in enumerate(zip(arrays, grads))]
    results += [(w.path, g, numeric_gradient(loss, w._value), atol)
                for w, g in zip(layer.trainable_weights, grads[len(arrays):])]
    assert_gradients_close(results, context)


@pytest.mark.parametrize("args,argument,error", [
    ({"num_heads": 0, "key_dim": 2}, "num_heads", ValueError),
    ({"num_heads": 2, "key_dim": 2.0}, "key_dim", ValueError),
    ({"num_heads": 2, "key_dim": 2, "value_dim": -3}, "value_dim", ValueError),
    ({"num_heads": 2, "key_dim": 2, "dropout": 1.5}, "dropout", ValueError),
    ({"num_heads": 2, "key_dim": 2, "attention_axes": "1"}, "attention_axes", ValueError),
    ({"num_heads": 2, "key_dim": 2, "sliding_window": 1.5}, "sliding_window", ValueError),
    ({"num_heads": 2, "key_dim": 2, "flash_attention": True}, "flash_attention", ValueError),
])
def test_bad_constructor_arguments(args, argument, error):
    with pytest.raises(error, match=argument):
        layers.MultiHeadAttention(**args)


@pytest.mark.parametrize("call,shapes,argument", [
    ({"attention_mask": np.ones((2, 4, 3), bool)}, None, "attention_mask"),
    ({"value_mask": np.ones((2, 4), bool)}, None, "value_mask"),
    ({}, ((2, 4, 6), (2, 5, 6), (2, 4, 6)), "value_shape"),
    ({}, ((2, 4, 6), (2, 5, 2, 6), None), "value_shape"),
])
def test_bad_calls_change_nothing(call, shapes, argument):
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=2)
    query_shape, value_shape, key_shape = shapes or ((2, 4, 6), (2, 5, 6), None)
    with pytest.raises(ValueError, match=argument):
        layer(np.zeros(query_shape), np.zeros(value_shape),
              key=None if key_shape is None else np.zeros(key_shape), **call)
    assert not layer.built and layer.weights == []


def test_attention_axes_out_of_range_is_refused():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=3)
    with pytest.raises(ValueError, match="attention_axes"):
        layer(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)))


def test_causal_mask_on_two_attention_axes_is_refused():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=(1, 2))
    with pytest.raises(NotImplementedError, match="use_causal_mask"):
        layer(np.zeros((2, 3, 4, 5)), np.zeros((2, 3, 4, 5)), use_causal_mask=True)


# ----- Attention, AdditiveAttention ---------------------------------------------------
LUONG = [
    (layers.Attention, {}, lambda w: lambda q, k: float(q @ k)),
    (layers.Attention, {"use_scale": True}, lambda w: lambda q, k: float(q @ k) * w[0]),
    (layers.Attention, {"use_scale": True, "score_mode": "concat"},
     lambda w: lambda q, k: w[1] * np.sum(np.tanh(w[0] * (q + k)))),
    (layers.Attention, {"score_mode": "concat"},
     lambda w: lambda q, k: w[0] * np.sum(np.tanh(q + k))),
    (layers.AdditiveAttention, {}, lambda w: lambda q, k: np.sum(w[0] * np.tanh(q + k))),
    (layers.AdditiveAttention, {"use_scale": False},
     lambda w: lambda q, k: np.sum(np.tanh(q + k))),
]


def _luong(cls, args, dtype="float64"):
    layer = cls(**args, dtype=dtype)
    q, v, k = (rand(s, i, dtype) for i, s in enumerate(((2, 3, 4), (2, 5, 4), (2, 5, 4))))
    layer([q, v, k])
    layer.set_weights([rand(w.shape, 9, dtype) for w in layer.get_weights()])
    return layer, q, v, k


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("cls,args,score", LUONG)
def test_attention_layers_match_loop_reference(cls, args, score, dtype):
    layer, q, v, k = _luong(cls, args, dtype)
    weights = [w.astype("float64") for w in layer.get_weights()]
    rng = np.random.default_rng(2)
    query_mask, value_mask = rng.random((2, 3)) > 0.3, rng.random((2, 5)) > 0.3
    value_mask[:, 0] = True
    for call, masks, causal in [({}, (None, None), False),
                                ({"mask": [query_mask, value_mask]}, (query_mask, value_mask),
                                 False),
                                ({"mask": [None, value_mask], "use_causal_mask": True},
                                 (None, value_mask), True)]:
        out, scores = luong_reference(q, v, k, score(weights), *masks, causal)
        got, got_scores = layer([q, v, k], return_attention_scores=True, **call)
        assert_close(got, out, dtype, (args, call))
        assert_close(got_scores, scores, dtype, (args, call))
    assert_close(layer([q, v]), luong_reference(q, v, v, score(weights))[0], dtype, "no key")


@pytest.mark.parametrize("cls,args,score", LUONG[1:5])
def test_attention_layers_gradients(cls, args, score):
    layer, q, v, k = _luong(cls, args)
    mask = [None, np.array([[True] * 4 + [False]] * 2)]
    check_gradients(layer, [q, v, k], lambda *x: layer(list(x), mask=mask), args)


def test_attention_dropout_only_while_training():
    layer, q, v, k = _luong(layers.Attention, {"dropout": 0.5, "seed": 3})
    out, scores = layer([q, v, k], return_attention_scores=True)
    np.testing.assert_array_equal(layer([q, v, k], training=False), out)
    dropped = layer([q, v, k], training=True)
    assert not np.allclose(dropped, out)
    kept = np.einsum("bts,bsd->btd", scores, v)
    np.testing.assert_allclose(out, kept, rtol=1e-12)


@pytest.mark.parametrize("call,error", [
    ({"inputs": "x"}, "list of inputs"),
    ({"inputs": [np.zeros((2, 3, 4))]}, "length 2 or 3"),
    ({"mask": [np.ones((2, 3), bool)]}, "mask must be a list"),
    ({"mask": [None, np.ones((2, 4), bool)]}, r"mask\[1\]"),
    ({"score_mode": "cosine"}, "score_mode"),
])
def test_attention_bad_input(call, error):
    inputs = call.pop("inputs", [np.zeros((2, 3, 4)), np.zeros((2, 5, 4))])
    with pytest.raises(ValueError, match=error):
        layers.Attention(**{k: v for k, v in call.items() if k == "score_mode"})(
            inputs, **{k: v for k, v in call.items() if k == "mask"})


def test_attention_in_a_saved_functional_model():
    query, value = kerasmini.Input((3, 4)), kerasmini.Input((5, 4))
    query_mask, value_mask = (kerasmini.Input((3,), dtype="bool"),
                              kerasmini.Input((5,), dtype="bool"))
    out, scores = layers.Attention(use_scale=True)([query, value], mask=[query_mask, value_mask],
                                                   return_attention_scores=True)
    model = kerasmini.Model([query, value, query_mask, value_mask], [out, scores])
    rng = np.random.default_rng(0)
    inputs = [rand((2, 3, 4)), rand((2, 5, 4), 1), rng.random((2, 3)) > 0.3,
              np.array([[True, False, True, True, False]] * 2)]
    expected = model.predict(inputs, verbose=0)
    assert np.all(expected[1][:, :, [1, 4]] == 0) and np.all(expected[0][~inputs[2]] == 0)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.keras")
        model.save(path)
        again = kerasmini.models.load_model(path).predict(inputs, verbose=0)
    for got, want in zip(again, expected):
        np.testing.assert_array_equal(got, want)


# ----- in models -----------------------------------------------------------------------
def _transformer_classifier():
    tokens = kerasmini.Input((6,), dtype="int32")
    mask = kerasmini.Input((6, 6), dtype="bool")
    x = layers.Embedding(20, 8)(tokens)
    attended, scores = layers.MultiHeadAttention(num_heads=2, key_dim=4)(
        x, x, attention_mask=mask, use_causal_mask=True, return_attention_scores=True)
    x = layers.LayerNormalization()(x + attended)
    x = layers.LayerNormalization()(x + layers.Dense(8)(layers.Dense(16, activation="relu")(x)))
    outputs = layers.Dense(3, activation="softmax")(layers.GlobalAveragePooling1D()(x))
    return kerasmini.Model([tokens, mask], [outputs, scores])


def test_functional_model_records_keyword_tensors_and_reloads():
    model = _transformer_classifier()
    rng = np.random.default_rng(0)
    tokens, mask = rng.integers(0, 20, (4, 6)), rng.random((4, 6, 6)) > 0.3
    probabilities, scores = model.predict([tokens, mask], verbose=0)
    assert scores.shape == (4, 2, 6, 6) and probabilities.shape == (4, 3)
    assert np.all(scores[~np.broadcast_to((mask & np.tril(np.ones((6, 6), bool)))[:, None],
                                          scores.shape)] == 0)
    node = model.get_config()["layers"][3]["inbound_nodes"][0]
    assert sorted(node["kwargs"]) == ["attention_mask", "return_attention_scores",
                                      "use_causal_mask"]
    assert node["kwargs"]["attention_mask"]["class_name"] == "__keras_tensor__"
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.keras")
        model.save(path)
        loaded = kerasmini.models.load_model(path)
    again = loaded.predict([tokens, mask], verbose=0)
    np.testing.assert_array_equal(again[0], probabilities)
    np.testing.assert_array_equal(again[1], scores)


def test_a_small_transformer_learns():
    """Is the first token a 1? Token and position embeddings summed lose the order; only
    attention (a query attending to position 0) can answer."""
    rng = np.random.default_rng(1)
    kerasmini.utils.set_random_seed(1)
    tokens = rng.integers(1, 3, (256, 6))
    positions = np.tile(np.arange(6), (256, 1))
    labels = (tokens[:, 0] == 1).astype("int64")
    token_input = kerasmini.Input((6,), dtype="int64")
    position_input = kerasmini.Input((6,), dtype="int64")
    x = layers.Embedding(3, 8)(token_input) + layers.Embedding(6, 8)(position_input)
    x = layers.LayerNormalization()(x + layers.MultiHeadAttention(2, 4)(x, x))
    outputs = layers.Dense(2, activation="softmax")(layers.GlobalAveragePooling1D()(x))
    model = kerasmini.Model([token_input, position_input], outputs)
    model.compile(optimizer=kerasmini.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit([tokens, positions], labels, epochs=20, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.95


def test_explain_counts_what_the_layer_builds():
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=4, value_dim=3, output_shape=5)
    explanation = layer.explain([(2, 5, 8), (2, 7, 6), (2, 7, 9)])
    assert explanation.output_shape == (2, 5, 5)
    layer(np.zeros((2, 5, 8)), np.zeros((2, 7, 6)), key=np.zeros((2, 7, 9)))
    assert explanation.params == layer.count_params()
    assert "(batch, 2, 5, 7)" in explanation.text


@pytest.mark.parametrize("small_product,workers", [(None, None), (1, 2), (1, 1)])
def test_batch_product_parts_and_gradient(small_product, workers):
    """ops.batch_product in one part, in parts of one matrix (threads or not), against a
    loop of 2D products; its gradient against finite differences."""
    from kerasmini import ops
    from tests.kernel_limits import shrunk
    a, b = rand((3, 2, 4, 5)), rand((3, 2, 5, 6), 1)
    expected = np.array([[a[i, j] @ b[i, j] for j in range(2)] for i in range(3)])
    with shrunk(small_product=small_product, workers=workers):
        np.testing.assert_allclose(ops.batch_product(a, np.swapaxes(np.swapaxes(b, -1, -2),
                                                                      -1, -2)), expected,
                                   rtol=1e-13)
        weight_of = rand(expected.shape, 2)
        with GradientTape() as tape:
            watched = tape.watch([a, b])
            total = np.sum(ops.batch_product(*watched) * weight_of)
        grads = tape.gradient(total, watched)
    loss = lambda: float(np.sum(np.matmul(a, b) * weight_of))
    for x, grad in zip((a, b), grads):
        np.testing.assert_allclose(grad, numeric_gradient(loss, x), rtol=1e-7, atol=1e-8)


def test_masks_carried_by_tensors_are_used_and_passed_on():
    """A tensor's own mask (what Embedding(mask_zero=True) attaches) is MultiHeadAttention's
    query / value mask and its output's mask, as in Keras, which neither saves nor shows
    them (it finds them again). Attention takes masks by `mask=` only, as tf.keras's
    graphs give it none."""
    x, steps = kerasmini.Input((5, 8)), kerasmini.Input((5,), dtype="bool")
    x._keras_mask = steps  # as a masking layer would attach it
    attended = layers.MultiHeadAttention(2, 4, name="mha")(x, x)
    assert attended._keras_mask is steps
    pooled = layers.Attention(name="att")([attended, x])
    assert pooled._keras_mask is None
    model = kerasmini.Model([x, steps], [attended, pooled])
    rng = np.random.default_rng(0)
    data, mask = rand((2, 5, 8)), rng.random((2, 5)) > 0.3
    mask[:, 0] = True
    got = model.predict([data, mask], verbose=0)
    mha, att = model.get_layer("mha"), model.get_layer("att")
    expected = mha(data, data, query_mask=mask, value_mask=mask)
    np.testing.assert_allclose(got[0], expected, rtol=1e-6)
    np.testing.assert_allclose(got[1], att([expected, data]), rtol=1e-6)
    config = {layer["name"]: layer for layer in model.get_config()["layers"]}
    assert config["mha"]["inbound_nodes"][0]["kwargs"] == {}
    rows = {row[0].split(" ")[0]: row[-1] for row in model._summary_rows()[0]}
    source = x._keras_history.operation.name
    assert rows["mha"] == f"{source}[0][0], {source}[0][0]"  # the mask is not shown


def test_softmax_mask():
    x = rand((2, 3, 4))
    mask = np.array([[1, 1, 0, 0], [0, 0, 0, 0], [1, 0, 1, 0]], bool)
    out = layers.Softmax(dtype="float64")(x, mask=mask)
    for b in range(2):
        for t in range(3):
            kept = mask[t]
            expected = np.zeros(4)
            if kept.any():
                e = np.exp(x[b, t][kept] - x[b, t][kept].max())
                expected[kept] = e / e.sum()
            np.testing.assert_allclose(out[b, t], expected, rtol=1e-12, atol=1e-300)
    with pytest.raises(ValueError, match=r"mask.shape=\(3, 5\)"):
        layers.Softmax()(x, mask=np.ones((3, 5), bool))


def test_attention_dropout_in_multi_head_attention_only_while_training():
    layer, query, value, _ = _attention({"num_heads": 2, "key_dim": 3, "dropout": 0.5,
                                         "seed": 1})
    out, scores = layer(query, value, return_attention_scores=True)
    np.testing.assert_array_equal(layer(query, value, training=False), out)
    trained, trained_scores = layer(query, value, training=True, return_attention_scores=True)
    np.testing.assert_array_equal(trained_scores, scores)  # the scores before dropout
    assert not np.allclose(trained, out)
