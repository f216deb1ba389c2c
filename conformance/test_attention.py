"""MultiHeadAttention and EinsumDense against tf.keras and a float64 loop reference
(conformance/reference_attention.py): values with masks, causal masks, attention scores
and both of tf.keras's masking paths (fused dot_product_attention and the Softmax
layer), gradients against tf.GradientTape, files both ways, and bad arguments."""
import os
import tempfile

import numpy as np
import pytest

from conformance.gradients import against_finite_differences
from conformance.harness import keras, tf, three_way
from tests.attention_reference import attention_reference, luong_reference

import kerasmini  # noqa: E402
from kerasmini import layers as km_layers  # noqa: E402
from kerasmini.autodiff import GradientTape  # noqa: E402

# (layer arguments, (T, S, query features, value features, key features or None), call)
MHA_CASES = [
    ({"num_heads": 2, "key_dim": 4}, (5, 5, 8, 8, None), {}),
    ({"num_heads": 3, "key_dim": 2, "value_dim": 5, "output_shape": 6},
     (4, 6, 8, 7, 3), {}),
    ({"num_heads": 2, "key_dim": 3, "use_bias": False}, (6, 6, 4, 4, None),
     {"use_causal_mask": True}),
    ({"num_heads": 2, "key_dim": 3}, (5, 7, 4, 6, None), {"attention_mask": "random"}),
    ({"num_heads": 2, "key_dim": 3}, (5, 7, 4, 6, None),
     {"attention_mask": "random", "return_attention_scores": True}),
    ({"num_heads": 1, "key_dim": 4, "dropout": 0.3}, (5, 5, 4, 4, None),
     {"attention_mask": "random", "use_causal_mask": True}),
    # a query row that may see no key: zeros on the Softmax path, the values' mean fused
    ({"num_heads": 2, "key_dim": 2}, (4, 5, 4, 4, None), {"attention_mask": "empty_row"}),
    ({"num_heads": 2, "key_dim": 2}, (4, 5, 4, 4, None),
     {"attention_mask": "empty_row", "return_attention_scores": True}),
    ({"num_heads": 2, "key_dim": 3, "output_shape": (2, 3)}, (4, 4, 5, 5, None),
     {"use_causal_mask": True, "return_attention_scores": True}),
    # tf.keras replaces an explicit query_mask by the query's own Keras mask (None for an
    # array): the divergence `tf-ignores-explicit-query-mask`; value_mask it applies
    ({"num_heads": 2, "key_dim": 4}, (5, 6, 8, 8, None),
     {"query_mask": "lengths", "value_mask": "lengths"}),
]


def _mask(kind, batch, t_len, s_len, rng):
    if kind == "random":
        mask = rng.random((batch, t_len, s_len)) > 0.4
        mask[:, :, 0] = True  # every row sees something
        return mask
    mask = np.ones((batch, t_len, s_len), bool)
    mask[0, 1] = False
    return mask


def _case(case, dtype, seed=0):
    args, (t_len, s_len, dq, dv, dk), call = case
    rng = np.random.default_rng(seed)
    batch = 2
    query = rng.standard_normal((batch, t_len, dq)).astype(dtype)
    value = rng.standard_normal((batch, s_len, dv)).astype(dtype)
    key = None if dk is None else rng.standard_normal((batch, s_len, dk)).astype(dtype)
    call = dict(call)
    if "attention_mask" in call:
        call["attention_mask"] = _mask(call["attention_mask"], batch, t_len, s_len, rng)
    for name, length in (("query_mask", t_len), ("value_mask", s_len)):
        if name in call:  # padding after the first 3 positions of the second sequence
            call[name] = np.arange(length)[None] < np.array([[length], [3]])
    return args, query, value, key, call, rng


def _twins(args, query, value, key, dtype, rng):
    tf_layer = keras.layers.MultiHeadAttention(**args, dtype=dtype)
    tf_layer(query, value, key=key)
    weights = [rng.standard_normal(w.shape).astype(dtype) * 0.5
               for w in tf_layer.get_weights()]
    tf_layer.set_weights(weights)
    km_layer = km_layers.MultiHeadAttention(**args, dtype=dtype)
    km_layer(query, value, key=key)
    km_layer.set_weights(weights)
    return tf_layer, km_layer, weights


def _reference(args, query, value, key, call, weights):
    t_len, s_len = query.shape[1], value.shape[1]
    mask = call.get("attention_mask")
    if "query_mask" in call:
        mask = call["query_mask"][:, :, None] & call["value_mask"][:, None, :]
    if call.get("use_causal_mask"):
        causal = np.tril(np.ones((t_len, s_len), bool))[None]
        mask = causal if mask is None else mask & causal
    fused = not (args.get("dropout", 0) > 0 or call.get("return_attention_scores"))
    out, scores = attention_reference(query, value, value if key is None else key, weights,
                                      args["num_heads"], args["key_dim"],
                                      args.get("use_bias", True), mask, fused)
    return out.reshape(query.shape[:2] + tuple(_out_tail(args, query))), scores


def _out_tail(args, query):
    shape = args.get("output_shape")
    return [query.shape[-1]] if shape is None else ([shape] if isinstance(shape, int)
                                                    else list(shape))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", MHA_CASES, ids=lambda c: f"{c[0]}-{c[1]}-{sorted(c[2])}")
def test_multi_head_attention_values(case, dtype):
    args, query, value, key, call, rng = _case(case, dtype)
    tf_layer, km_layer, weights = _twins(args, query, value, key, dtype, rng)
    tf_out = tf_layer(query, value, key=key, **call)
    km_out = km_layer(query, value, key=key, **call)
    ref_out, ref_scores = _reference(args, query, value, key, call, weights)
    where = f"MultiHeadAttention({args}) {dtype} call {sorted(call)}"
    classify = lambda _: ("tf-ignores-explicit-query-mask" if "query_mask" in call
                          else _float32_scale(args["key_dim"], dtype))
    if call.get("return_attention_scores"):
        three_way(km_out[1], np.asarray(tf_out[1]), ref_scores, dtype, where + " scores",
                  classify)
        km_out, tf_out = km_out[0], tf_out[0]
    three_way(km_out, np.asarray(tf_out), ref_out, dtype, where, classify)


def _float32_scale(key_dim, dtype):
    """tf.keras casts the Python float 1 / sqrt(key_dim) to float64 through a float32
    tensor: a float64 layer then scales by the float32-rounded number."""
    scale = 1 / np.sqrt(key_dim)
    if dtype == "float64" and np.float32(scale) != scale:
        return "tf-float64-constants-rounded-to-float32"
    return None


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_attention_over_two_axes(dtype):
    """Attention over axes (1, 2) of (B, H, W, C) (tf.keras's einsum equations, softmax
    over both key axes at once) is attention over the H * W positions flattened: the loop
    reference runs on the flattened sequence."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 4, 6)).astype(dtype)
    args = {"num_heads": 2, "key_dim": 3, "attention_axes": (1, 2)}
    tf_layer, km_layer, weights = _twins(args, x, x, None, dtype, rng)
    tf_out, tf_scores = tf_layer(x, x, return_attention_scores=True)
    km_out, km_scores = km_layer(x, x, return_attention_scores=True)
    flat = x.reshape(2, 12, 6)
    ref_out, ref_scores = attention_reference(flat, flat, flat, weights, 2, 3, True)
    where = f"MultiHeadAttention({args}) {dtype}"
    assert km_scores.shape == tuple(tf_scores.shape) == (2, 2, 3, 4, 3, 4)
    classify = lambda _: _float32_scale(3, dtype)
    three_way(km_scores, np.asarray(tf_scores), ref_scores.reshape(km_scores.shape), dtype,
              where + " scores", classify)
    three_way(km_out, np.asarray(tf_out), ref_out.reshape(x.shape), dtype, where, classify)
    assert km_layer.get_config()["attention_axes"] == (1, 2)


GRADIENT_CASES = [MHA_CASES[1], MHA_CASES[5], MHA_CASES[6]]


@pytest.mark.parametrize("case", GRADIENT_CASES, ids=lambda c: f"{c[0]}-{sorted(c[2])}")
def test_multi_head_attention_gradients(case):
    """d sum(out * R) / d (query, value, key, every weight) in float64: kerasmini's tape
    against central finite differences (tests/gradcheck.py's step and bar), and
    tf.GradientTape's against the same (a disagreement is recorded as tf.keras's)."""
    args, query, value, key, call, rng = _case(case, "float64", seed=1)
    args = {k: v for k, v in args.items() if k != "dropout"}  # dropout: a random function
    tf_layer, km_layer, _ = _twins(args, query, value, key, "float64", rng)
    tensors = [query, value] + ([] if key is None else [key])
    run = lambda: km_layer(*tensors[:2], key=None if key is None else tensors[2], **call)
    weight_of = rng.standard_normal(np.shape(run()))
    # tests/gradcheck.py's bar: rounding of the differences, eps |y| per moving output
    atol = 1e-9 * max(float(np.sum(np.abs(np.asarray(run()) * weight_of))), 1.0)
    tf_inputs = [tf.Variable(t) for t in tensors]
    with tf.GradientTape() as tape:
        out = tf_layer(*tf_inputs[:2], key=None if key is None else tf_inputs[2], **call)
        total = tf.reduce_sum(out * weight_of)
    tf_grads = tape.gradient(total, tf_inputs + tf_layer.trainable_weights)
    with GradientTape() as km_tape:
        for t in tensors:
            km_tape.watch(t)
        total = np.sum(run() * weight_of)
    km_grads = km_tape.gradient(total, tensors + km_layer.trainable_weights)
    loss = lambda: float(np.sum(np.asarray(run()) * weight_of))
    arrays = tensors + [w._value for w in km_layer.trainable_weights]
    where = f"MultiHeadAttention({args}) {sorted(call)}"
    against_finite_differences(where, loss, arrays, km_grads, tf_grads, atol,
                               _float32_scale(args["key_dim"], "float64") or "tf-wrong-gradient")


EINSUM_CASES = [
    {"equation": "ab,bc->ac", "output_shape": 4, "bias_axes": "c"},
    {"equation": "abc,cd->abd", "output_shape": (None, 5), "bias_axes": "d",
     "activation": "relu"},
    {"equation": "...b,bc->...c", "output_shape": 3},
    {"equation": "abc,cde->abde", "output_shape": (None, 2, 3), "bias_axes": "de"},
    {"equation": "abc,cde->abde", "output_shape": (None, 2, 3), "bias_axes": "e"},
    {"equation": "ab...,bc->ac...", "output_shape": (4,), "bias_axes": "c"},
    {"equation": "abcd,cde->abe", "output_shape": (None, 5), "bias_axes": "e"},
]
EINSUM_SHAPES = {"ab,bc->ac": (3, 6), "abc,cd->abd": (2, 4, 6), "...b,bc->...c": (2, 3, 4, 6),
                 "abc,cde->abde": (2, 4, 6), "ab...,bc->ac...": (2, 6, 3),
                 "abcd,cde->abe": (2, 3, 4, 2)}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("args", EINSUM_CASES, ids=lambda a: f"{a}")
def test_einsum_dense_values(args, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(EINSUM_SHAPES[args["equation"]]).astype(dtype)
    tf_layer = keras.layers.EinsumDense(**args, dtype=dtype)
    tf_layer(x)
    weights = [rng.standard_normal(w.shape).astype(dtype) for w in tf_layer.get_weights()]
    tf_layer.set_weights(weights)
    km_layer = km_layers.EinsumDense(**args, dtype=dtype)
    # the shape of tf.keras's output (its compute_output_shape reverses the axes of a
    # leading ellipsis of more than two: (None, 3, 4, 6) -> (None, 4, 3, 3))
    assert km_layer.compute_output_shape((None,) + x.shape[1:]) == (
        None,) + tuple(tf_layer(x).shape[1:])
    km_layer(x)
    assert [w.shape for w in km_layer.get_weights()] == [w.shape for w in weights]
    km_layer.set_weights(weights)
    ref = np.einsum(args["equation"], x.astype(np.float64), weights[0].astype(np.float64))
    if len(weights) > 1:
        ref = ref + weights[1]
    if args.get("activation") == "relu":
        ref = np.maximum(ref, 0)
    three_way(km_layer(x), np.asarray(tf_layer(x)), ref, dtype, f"EinsumDense({args}) {dtype}")
    km_config, tf_config = km_layer.get_config(), tf_layer.get_config()
    assert _jsonish(km_config) == _jsonish(tf_config)


def _jsonish(config):
    import json
    return json.loads(json.dumps(kerasmini.object_configs.plain(config), default=list))


def test_config_and_weight_files_both_ways():
    """tf.keras's config, its weights file into kerasmini and kerasmini's back."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 5, 6)).astype("float32")
    args = {"num_heads": 2, "key_dim": 3, "value_dim": 4, "dropout": 0.1,
            "output_shape": 7, "use_gate": True, "sliding_window": 2}
    tf_model = keras.Sequential([keras.Input((5, 6)), keras.layers.Dense(6)])
    inputs = keras.Input((5, 6))
    tf_model = keras.Model(inputs, keras.layers.MultiHeadAttention(**args)(inputs, inputs))
    km_inputs = kerasmini.Input((5, 6))
    km_model = kerasmini.Model(km_inputs, km_layers.MultiHeadAttention(**args)(km_inputs,
                                                                          km_inputs))
    tf_mha, km_mha = tf_model.layers[1], km_model.layers[1]
    assert _jsonish(km_mha.get_config()) == {
        **_jsonish(tf_mha.get_config()), "name": km_mha.name}
    assert [tuple(w.shape) for w in tf_mha.weights] == [w.shape for w in km_mha.weights]
    assert [w.path.replace(tf_mha.name, "") for w in tf_mha.weights] == [
        w.path.replace(km_mha.name, "") for w in km_mha.weights]
    with tempfile.TemporaryDirectory() as folder:
        tf_file, km_file = os.path.join(folder, "tf.weights.h5"), os.path.join(folder,
                                                                               "km.weights.h5")
        tf_model.save_weights(tf_file)
        km_model.load_weights(tf_file)
        np.testing.assert_allclose(km_model(x), np.asarray(tf_model(x)), rtol=1e-5, atol=1e-5)
        km_model.set_weights([w * 0.5 for w in km_model.get_weights()])
        km_model.save_weights(km_file)
        tf_model.load_weights(km_file)
        np.testing.assert_allclose(np.asarray(tf_model(x)), km_model(x), rtol=1e-5, atol=1e-5)


BAD_ARGUMENTS = [
    ({"num_heads": 0, "key_dim": 2}, "num_heads"),
    ({"num_heads": 2.5, "key_dim": 2}, "num_heads"),
    ({"num_heads": 2, "key_dim": -1}, "key_dim"),
    ({"num_heads": 2, "key_dim": 2, "value_dim": 0}, "value_dim"),
    ({"num_heads": 2, "key_dim": 2, "attention_axes": "x"}, "attention_axes"),
    ({"num_heads": 2, "key_dim": 2, "sliding_window": 0}, "sliding_window"),
    ({"num_heads": 2, "key_dim": 2, "output_shape": object()}, "output_shape"),
]


@pytest.mark.parametrize("args,argument", BAD_ARGUMENTS,
                         ids=[f"{argument}-{i}" for i, (_, argument) in enumerate(BAD_ARGUMENTS)])
def test_bad_arguments_raise_what_tf_keras_raises(args, argument):
    with pytest.raises(Exception) as tf_error:
        keras.layers.MultiHeadAttention(**args)
    with pytest.raises(type(tf_error.value)) as km_error:
        km_layers.MultiHeadAttention(**args)
    assert argument in str(km_error.value)


@pytest.mark.parametrize("equation", ["abc", "ab,bc", "a,b,c->d"])
def test_bad_einsum_equation(equation):
    x = np.zeros((2, 3), "float32")
    with pytest.raises(Exception) as tf_error:
        keras.layers.EinsumDense(equation, output_shape=4)(x)
    with pytest.raises(type(tf_error.value)) as km_error:
        km_layers.EinsumDense(equation, output_shape=4)(x)
    assert equation in str(km_error.value)


LUONG_CASES = [
    ("Attention", {}), ("Attention", {"use_scale": True}),
    ("Attention", {"use_scale": True, "score_mode": "concat"}),
    ("AdditiveAttention", {}), ("AdditiveAttention", {"use_scale": False}),
]
LUONG_CALLS = [{}, {"mask": "both"}, {"use_causal_mask": True, "return_attention_scores": True},
               {"mask": "value", "use_causal_mask": True}]


def luong_score(layer, weights):
    """The score of one (query, key) pair, from the layer's weights, in float64."""
    scale = weights[0] if layer.use_scale else 1.0
    if type(layer).__name__ == "AdditiveAttention":
        return lambda q, k: float(np.sum(scale * np.tanh(q + k)))
    if layer.score_mode == "dot":
        return lambda q, k: float(q @ k) * float(scale)
    return lambda q, k: float(weights[-1] * np.sum(np.tanh(scale * (q + k))))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("call", LUONG_CALLS, ids=lambda c: f"{sorted(c.items())}")
@pytest.mark.parametrize("cls,args", LUONG_CASES, ids=lambda a: f"{a}")
def test_attention_and_additive_attention(cls, args, call, dtype):
    rng = np.random.default_rng(5)
    q, v, k = (rng.standard_normal(s).astype(dtype) for s in ((2, 4, 5), (2, 6, 5), (2, 6, 5)))
    query_mask, value_mask = rng.random((2, 4)) > 0.3, rng.random((2, 6)) > 0.3
    value_mask[:, 0] = True
    call = dict(call)
    masks = {"both": [query_mask, value_mask], "value": [None, value_mask]}
    if "mask" in call:
        call["mask"] = masks[call["mask"]]
    tf_layer = getattr(keras.layers, cls)(**args, dtype=dtype)
    km_layer = getattr(km_layers, cls)(**args, dtype=dtype)
    tf_layer([q, v, k])
    km_layer([q, v, k])
    weights = [rng.standard_normal(w.shape).astype(dtype) for w in tf_layer.get_weights()]
    tf_layer.set_weights(weights)
    km_layer.set_weights(weights)
    mask = call.get("mask") or [None, None]
    ref = luong_reference(q, v, k, luong_score(km_layer, [np.float64(w) for w in weights]),
                          mask[0], mask[1], call.get("use_causal_mask", False))
    km_out, tf_out = km_layer([q, v, k], **call), tf_layer([q, v, k], **call)
    where = f"{cls}({args}) {dtype} {sorted(call)}"
    if call.get("return_attention_scores"):
        three_way(km_out[1], np.asarray(tf_out[1]), ref[1], dtype, where + " scores")
        km_out, tf_out = km_out[0], tf_out[0]
    three_way(km_out, np.asarray(tf_out), ref[0], dtype, where)
    assert _jsonish(km_layer.get_config()) == {**_jsonish(tf_layer.get_config()),
                                               "name": km_layer.name}


def test_graph_of_attention_layers_both_ways():
    """A kerasmini graph with Attention (mask list), MultiHeadAttention (key=, an
    attention-mask input, causal, scores) and AdditiveAttention: tf.keras loads its file,
    prints the same summary and computes the same outputs. (The query mask is all True:
    tf.keras would carry Attention's query mask into the next layer, which kerasmini's
    graphs do not do yet.)"""
    q, v = kerasmini.Input((5, 4)), kerasmini.Input((5, 4))
    query_mask, value_mask = (kerasmini.Input((5,), dtype="bool"),
                              kerasmini.Input((5,), dtype="bool"))
    attention_mask = kerasmini.Input((5, 5), dtype="bool")
    x = km_layers.Attention(use_scale=True)([q, v], mask=[query_mask, value_mask])
    x, scores = km_layers.MultiHeadAttention(2, 3)(
        x, v, key=v, attention_mask=attention_mask, use_causal_mask=True,
        return_attention_scores=True)
    x = km_layers.AdditiveAttention()([x, v, q])
    model = kerasmini.Model([q, v, query_mask, value_mask, attention_mask], [x, scores])
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((2, 5, 4)).astype("float32"),
              rng.standard_normal((2, 5, 4)).astype("float32"), np.ones((2, 5), bool),
              rng.random((2, 5)) > 0.2, rng.random((2, 5, 5)) > 0.2]
    inputs[3][:, 0] = True
    inputs[4][:, :, 0] = True
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "km.keras")
        model.save(path)
        tf_model = keras.models.load_model(path)
    summaries = []
    for m in (model, tf_model):
        lines = []
        m.summary(print_fn=lambda line, **_: lines.append(line))
        summaries.append(lines)
    assert summaries[0] == summaries[1]
    for got, expected in zip(model.predict(inputs, verbose=0), tf_model(inputs)):
        np.testing.assert_allclose(got, np.asarray(expected), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis,mask_shape", [(-1, (2, 3, 5)), (-1, (2, 1, 5)), ((1, 2), (3, 5))])
def test_softmax_with_mask(axis, mask_shape, dtype):
    """Keras's Softmax(mask=): -1e9 in masked logits, masked outputs 0 (a wholly masked
    row all 0), a float mask kept where > 0.5."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 5)).astype(dtype) * 3
    mask = rng.random(mask_shape) > 0.3
    mask[..., 0, :] = False if len(mask_shape) == 3 else mask[..., 0, :]
    float_mask = mask.astype(dtype) * 0.9
    axes = axis if isinstance(axis, tuple) else (axis,)
    keep = np.broadcast_to(mask, x.shape)
    e = np.where(keep, np.exp(x.astype(np.float64) - x.max(axis=axes, keepdims=True)), 0)
    total = e.sum(axis=axes, keepdims=True)
    ref = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    km_out = km_layers.Softmax(axis=axis, dtype=dtype)(x, mask=float_mask)
    tf_out = np.asarray(keras.layers.Softmax(axis=axis, dtype=dtype)(x, mask=float_mask))
    three_way(km_out, tf_out, ref, dtype, f"Softmax(axis={axis}) mask {mask_shape} {dtype}")


def test_masked_transformer_file_from_tf_keras():
    """Embedding(mask_zero=True) -> MultiHeadAttention(x, x) (the padding mask is its
    query and value mask) -> residual LayerNormalization -> masked pooling, and an
    Attention after it (which tf.keras's graph hands no mask): tf.keras's file loaded
    by kerasmini gives the same outputs, and kerasmini's file loaded by tf.keras too.
    (summary() lists the mask's NotEqual row earlier: MultiHeadAttention reads it.)"""
    L = keras.layers
    tokens = keras.Input((6,), dtype="int32")
    x = L.Embedding(50, 8, mask_zero=True)(tokens)
    y = L.LayerNormalization()(x + L.MultiHeadAttention(2, 4)(x, x))
    model = keras.Model(tokens, [L.Dense(2)(L.GlobalAveragePooling1D()(y)),
                                 L.Attention()([y, x])])
    data = np.array([[3, 4, 5, 0, 0, 0], [1, 2, 3, 4, 5, 6]])
    want = [np.asarray(o) for o in model(data)]
    with tempfile.TemporaryDirectory() as folder:
        model.save(os.path.join(folder, "tf.keras"))
        km_model = kerasmini.models.load_model(os.path.join(folder, "tf.keras"))
        got = km_model.predict(data, verbose=0)
        km_model.save(os.path.join(folder, "km.keras"))
        back = keras.models.load_model(os.path.join(folder, "km.keras"))(data)
    for a, b, c in zip(got, back, want):
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(np.asarray(b), c, rtol=1e-5, atol=1e-6)
