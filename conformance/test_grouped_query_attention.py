"""GroupQueryAttention three ways: kerasmini, tf.keras and a float64 reference.

The reference is tests/attention_reference.py's loop over batch items, heads and
positions, given key and value kernels (and biases) with each key/value head written
out once per query head it serves (np.repeat over the head axis): grouped-query
attention is multi-head attention with shared key/value heads, so a wrong grouping
(head j reading group j % groups rather than j // repeats, say) is caught. Values
with masks, causal masks, sliding windows, gates, scores and float64; gradients of the
inputs and every weight against finite differences; configs, weight paths, summary,
errors, and functional models in .keras files both ways."""
import re

import numpy as np
import pytest

import kerasmini
from conformance import harness
from conformance.gradients import against_finite_differences
from conformance.harness import keras, tf, three_way
from tests.attention_reference import attention_reference

# (layer arguments, (T, S, features), call)
CASES = [
    ({"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}, (5, 6, 6), {}),
    ({"head_dim": 2, "num_query_heads": 3, "num_key_value_heads": 1, "use_bias": False},
     (5, 5, 4), {"use_causal_mask": True}),
    ({"head_dim": 4, "num_query_heads": 4, "num_key_value_heads": 4}, (4, 6, 5),
     {"attention_mask": True, "return_attention_scores": True}),
    ({"head_dim": 2, "num_query_heads": 6, "num_key_value_heads": 2, "use_gate": True},
     (5, 5, 4), {"query_mask": True, "value_mask": True}),
    ({"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2, "sliding_window": 2},
     (6, 6, 4), {"use_causal_mask": True, "return_attention_scores": True}),
    ({"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 2}, (4, 5, 3),
     {"key": True}),
]


def _inputs(case, dtype, seed=0):
    args, (t_len, s_len, features), call = case
    rng = np.random.default_rng(seed)
    query = rng.standard_normal((2, t_len, features)).astype(dtype)
    value = rng.standard_normal((2, s_len, features)).astype(dtype)
    call = dict(call)
    key = rng.standard_normal((2, s_len, features)).astype(dtype) if call.pop("key", None) \
        else None
    if call.get("attention_mask"):
        mask = rng.random((2, t_len, s_len)) > 0.4
        mask[:, :, 0] = True
        call["attention_mask"] = mask
    for name, length in (("query_mask", t_len), ("value_mask", s_len)):
        if name in call:  # the second sequence padded after 3 positions
            call[name] = np.arange(length)[None] < np.array([[length], [3]])
    return args, query, value, key, call, rng


def _twins(args, query, value, key, dtype, rng):
    t = keras.layers.GroupQueryAttention(**args, dtype=dtype)
    t(query, value, key=key)
    weights = [rng.standard_normal(w.shape).astype(dtype) * 0.5 for w in t.get_weights()]
    t.set_weights(weights)
    m = kerasmini.layers.GroupQueryAttention(**args, dtype=dtype)
    m(query, value, key=key)
    m.set_weights(weights)
    return t, m, weights


def _reference(args, query, value, key, call, weights):
    """(output, scores): attention_reference with each key/value head repeated."""
    repeats = args["num_query_heads"] // args["num_key_value_heads"]
    step = 2 if args.get("use_bias", True) else 1
    gate = args.get("use_gate", False)
    order = ["query", "key"] + (["gate"] if gate else []) + ["value", "output"]
    parts = {name: weights[i * step:(i + 1) * step] for i, name in enumerate(order)}
    for name in ("key", "value"):  # kernel (D, groups, H), bias (groups, H): axis 1 / 0
        parts[name] = [np.repeat(parts[name][0], repeats, axis=1)] + \
            [np.repeat(b, repeats, axis=0) for b in parts[name][1:]]
    t_len, s_len = query.shape[1], value.shape[1]
    mask = call.get("attention_mask")
    if "query_mask" in call:
        mask = call["query_mask"][:, :, None] & call["value_mask"][:, None, :]
    rows, cols = np.arange(t_len)[:, None], np.arange(s_len)[None]
    if call.get("use_causal_mask"):
        mask = (rows >= cols)[None] if mask is None else mask & (rows >= cols)
    if args.get("sliding_window"):
        band = (np.abs(rows - cols) < args["sliding_window"])[None]
        mask = band if mask is None else mask & band
    fused = not call.get("return_attention_scores")
    flat = parts["query"] + parts["key"] + parts["value"] + parts["output"]
    if not gate:
        return attention_reference(query, value, value if key is None else key, flat,
                                   args["num_query_heads"], args["head_dim"],
                                   args.get("use_bias", True), mask, fused)
    # gated: the heads times sigmoid(query projection of the gate), then the output
    # projection; the reference gives the output of an identity-like projection
    heads_dim = args["num_query_heads"] * args["head_dim"]
    eye = np.eye(heads_dim).reshape(args["num_query_heads"], args["head_dim"], heads_dim)
    inner = parts["query"] + parts["key"] + parts["value"] + [eye] + \
        ([np.zeros(heads_dim)] if step == 2 else [])
    heads, scores = attention_reference(query, value, value if key is None else key, inner,
                                        args["num_query_heads"], args["head_dim"],
                                        args.get("use_bias", True), mask, fused)
    gate_kernel = np.asarray(parts["gate"][0], np.float64)
    gate_logits = np.einsum("btd,dnh->btnh", np.asarray(query, np.float64), gate_kernel)
    if step == 2:
        gate_logits = gate_logits + parts["gate"][1]
    gated = heads.reshape(gate_logits.shape) / (1 + np.exp(-gate_logits))
    out = np.einsum("btnh,nhm->btm", gated, np.asarray(parts["output"][0], np.float64))
    return (out + parts["output"][1] if step == 2 else out), scores


def _float32_scale(head_dim, dtype):
    scale = 1 / np.sqrt(head_dim)
    if dtype == "float64" and np.float32(scale) != scale:
        return "tf-float64-constants-rounded-to-float32"
    return None


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{sorted(c[2])}")
def test_values(case, dtype):
    harness.note("GroupQueryAttention", dtype, "values")
    args, query, value, key, call, rng = _inputs(case, dtype)
    t, m, weights = _twins(args, query, value, key, dtype, rng)
    tf_out = t(query, value, key=key, **call)
    km_out = m(query, value, key=key, **call)
    ref_out, ref_scores = _reference(args, query, value, key, call, weights)
    where = f"GroupQueryAttention({args}) {dtype} {sorted(call)}"
    classify = lambda _: _float32_scale(args["head_dim"], dtype)
    if call.get("return_attention_scores"):
        three_way(km_out[1], np.asarray(tf_out[1]), ref_scores, dtype, where + " scores",
                  classify)
        km_out, tf_out = km_out[0], tf_out[0]
    assert km_out.shape == query.shape and km_out.dtype == dtype
    three_way(km_out, np.asarray(tf_out), ref_out, dtype, where, classify)


@pytest.mark.parametrize("case", [CASES[0], CASES[3], CASES[4]],
                         ids=lambda c: f"{c[0]}-{sorted(c[2])}")
def test_gradients(case):
    """d sum(out * R) / d (query, value, every weight), float64: kerasmini's tape and
    tf.GradientTape against central finite differences (tests/gradcheck.py's bar)."""
    harness.note("grad GroupQueryAttention", "float64", "gradients")
    args, query, value, key, call, rng = _inputs(case, "float64", seed=1)
    call = {k: v for k, v in call.items() if k != "return_attention_scores"}
    t, m, _ = _twins(args, query, value, key, "float64", rng)
    run = lambda: m(query, value, **call)
    weight_of = rng.standard_normal(query.shape[:2] + (query.shape[-1],))
    atol = 1e-9 * max(float(np.sum(np.abs(np.asarray(run()) * weight_of))), 1.0)
    tf_inputs = [tf.Variable(query), tf.Variable(value)]
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(t(*tf_inputs, **call) * weight_of)
    tf_grads = tape.gradient(total, tf_inputs + t.trainable_weights)
    with kerasmini.GradientTape() as km_tape:
        for x in (query, value):
            km_tape.watch(x)
        total = np.sum(run() * weight_of)
    km_grads = km_tape.gradient(total, [query, value] + m.trainable_weights)
    loss = lambda: float(np.sum(np.asarray(run()) * weight_of))
    arrays = [query, value] + [w._value for w in m.trainable_weights]
    where = f"GroupQueryAttention({args}) {sorted(call)}"
    assert len(km_grads) == len(tf_grads) == len(arrays)
    against_finite_differences(where, loss, arrays, km_grads, tf_grads, atol,
                               _float32_scale(args["head_dim"], "float64") or "tf-wrong-gradient")


def _model(lib, args):
    inputs = lib.Input((5, 6), name="x")  # not input_layer_N: counters differ by worker
    x = lib.layers.GroupQueryAttention(**args, name="gqa")(inputs, inputs,
                                                           use_causal_mask=True)
    return lib.Model(inputs, lib.layers.GlobalAveragePooling1D(name="pool")(x))


def test_config_weights_summary_and_files_both_ways():
    harness.note("GroupQueryAttention", "float32", "api")
    args = dict(head_dim=3, num_query_heads=4, num_key_value_heads=2, use_gate=True,
                sliding_window=3, kernel_regularizer="l2", seed=7)
    m = kerasmini.layers.GroupQueryAttention(**args, name="g")
    t = keras.layers.GroupQueryAttention(**args, name="g")
    assert m.get_config() == t.get_config()
    assert list(m.get_config()) == list(t.get_config())  # Keras's key order (config.json)
    km_model, tf_model = _model(kerasmini, args), _model(keras, args)
    assert [(w.path, tuple(w.shape)) for w in km_model.weights] == \
        [(w.path, tuple(w.shape)) for w in tf_model.weights]
    lines, tf_lines = [], []
    km_model.summary(print_fn=lines.append)
    tf_model.summary(print_fn=tf_lines.append)
    strip = lambda text: re.sub(r'"functional(_\d+)?"', '"functional"', "\n".join(text))
    assert strip(lines) == strip(tf_lines)
    rng = np.random.default_rng(5)
    harness.files_both_ways(lambda lib: _model(lib, args),
                            rng.standard_normal((2, 5, 6)).astype("float32"), rng)


@pytest.mark.parametrize("args, exception", [
    ({"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 3}, ValueError),
    ({"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 2, "sliding_window": 0},
     ValueError),
])
def test_bad_arguments_raise_what_tf_keras_raises(args, exception):
    harness.note("GroupQueryAttention", "float32", "errors")
    for lib in (keras, kerasmini):
        with pytest.raises(exception):
            lib.layers.GroupQueryAttention(**args)


def test_query_and_value_features_in_graphs_and_eager_calls():
    """Keras refuses other value features in a functional graph, not in an eager call."""
    harness.note("GroupQueryAttention", "float32", "errors")
    q, v = np.ones((1, 3, 4), "float32"), np.ones((1, 3, 5), "float32")
    for lib in (keras, kerasmini):
        with pytest.raises(ValueError, match="last dimension"):
            lib.layers.GroupQueryAttention(2, 2, 1)(lib.Input((3, 4)), lib.Input((3, 5)))
    t, m = keras.layers.GroupQueryAttention(2, 2, 1), kerasmini.layers.GroupQueryAttention(2, 2, 1)
    t(q, v)
    m(q, v)
    m.set_weights(t.get_weights())
    three_way(m(q, v), np.asarray(t(q, v)), np.asarray(t(q, v), np.float64), "float32",
              "GroupQueryAttention with value features != query features (eager)")
