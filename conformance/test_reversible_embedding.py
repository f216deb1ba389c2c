"""ReversibleEmbedding three ways: kerasmini, tf.keras and a float64 reference written
from the definition (forward: rows of the table; reverse: h @ E.T or h @ R, then
c * tanh(logits / c)): values, masks, gradients of the input and the weights (tied and
untied), configs, weights, errors, and functional models with the layer called both
ways in .keras files both ways."""
import re

import numpy as np
import pytest
from parameterized import parameterized

import kerasmini
from conformance import harness
from conformance.gradients import GRAD_RTOL

tf, keras = harness.tf, harness.keras
VOCAB, DIM = 11, 4
CASES = [({}, "float32"), ({"tie_weights": False}, "float64"),
         ({"logit_soft_cap": 1.5}, "float32"),
         ({"tie_weights": False, "logit_soft_cap": 0.7, "mask_zero": True}, "float64"),
         ({"reverse_dtype": "float64"}, "float32")]


def twins(args, dtype, seed):
    rng = np.random.default_rng(seed)
    m = kerasmini.layers.ReversibleEmbedding(VOCAB, DIM, dtype=dtype, **args)
    t = keras.layers.ReversibleEmbedding(VOCAB, DIM, dtype=dtype, **args)
    for layer in (m, t):
        layer.build((None, 5))
    weights = [rng.standard_normal(w.shape).astype(dtype) for w in t.get_weights()]
    m.set_weights(weights)
    t.set_weights(weights)
    return m, t, weights, rng


def reference_reverse(args, weights, h):
    table = np.asarray(weights[0], np.float64)
    kernel = table.T if args.get("tie_weights", True) else np.asarray(weights[1], np.float64)
    logits = np.asarray(h, np.float64) @ kernel
    cap = args.get("logit_soft_cap")
    return logits if cap is None else cap * np.tanh(logits / cap)


@parameterized.expand([(f"{i}_{dtype}", args, dtype) for i, (args, dtype) in enumerate(CASES)])
def test_values(name, args, dtype):
    harness.note("ReversibleEmbedding", dtype, "values")
    m, t, weights, rng = twins(args, dtype, harness.seed_of("reversible", name))
    ids = rng.integers(0, VOCAB, (3, 5))
    ids[0, :2] = 0
    harness.three_way(m(ids), np.asarray(t(ids)), np.asarray(weights[0], np.float64)[ids],
                      dtype, f"ReversibleEmbedding {args} forward")
    if args.get("mask_zero"):
        np.testing.assert_array_equal(kerasmini.layers.masks.carried(m(ids)),
                                      np.asarray(t(ids)._keras_mask))
    h = rng.standard_normal((3, 5, DIM)).astype(dtype)
    out_dtype = args.get("reverse_dtype") or dtype
    got = m(h, reverse=True)
    assert got.dtype == out_dtype and got.shape == (3, 5, VOCAB), (got.dtype, got.shape)
    harness.three_way(got, np.asarray(t(h, reverse=True)), reference_reverse(args, weights, h),
                      out_dtype, f"ReversibleEmbedding {args} reverse")


@parameterized.expand([(f"{i}_{dtype}", args, dtype) for i, (args, dtype)
                       in enumerate(CASES[:4])])
def test_gradients(name, args, dtype):
    """d sum((reverse(forward(ids) + h) * g) w.r.t. h and every weight: a tied table
    gets both paths' gradients."""
    harness.note("grad ReversibleEmbedding", dtype, "gradients")
    m, t, weights, rng = twins(args, dtype, harness.seed_of("reversible-grad", name))
    ids = rng.integers(0, VOCAB, (2, 5))
    h = rng.standard_normal((2, 5, DIM)).astype(dtype)
    g = rng.standard_normal((2, 5, VOCAB)).astype(dtype)
    with kerasmini.GradientTape() as tape:
        watched = tape.watch(h.copy())
        loss = kerasmini.ops.sum(m(m(ids) + watched, reverse=True) * g)
    km_grads = tape.gradient(loss, [watched, *m.trainable_weights])
    ht = tf.constant(h)
    with tf.GradientTape() as tf_tape:
        tf_tape.watch(ht)
        tf_loss = tf.reduce_sum(t(t(ids) + ht, reverse=True) * g)
    tf_grads = tf_tape.gradient(tf_loss, [ht, *t.trainable_weights])
    tf_grads = [np.asarray(tf.convert_to_tensor(x)) for x in tf_grads]  # dense rows

    expected = _reference_gradients(args, [np.asarray(v, np.float64) for v in weights],
                                    ids, np.asarray(h, np.float64), np.asarray(g, np.float64))
    for k, (km_grad, tf_grad, want) in enumerate(zip(km_grads, tf_grads, expected)):
        harness.three_way(km_grad, tf_grad, want, dtype, f"{name} d/d [{k}]",
                          rtol=GRAD_RTOL[dtype])


def _reference_gradients(args, weights, ids, h, g):
    """The chain rule by hand for loss = sum(cap tanh(x @ K / cap) * g), x = E[ids] + h,
    K = E.T (tied) or R: [d/dh, d/dE(, d/dR)]."""
    table = weights[0]
    tied = args.get("tie_weights", True)
    kernel = table.T if tied else weights[1]
    x = table[ids] + h
    logits = x @ kernel
    cap = args.get("logit_soft_cap")
    d_logits = g if cap is None else g * (1 - np.tanh(logits / cap) ** 2)
    d_x = d_logits @ kernel.T
    d_kernel = np.einsum("btd,btv->dv", x, d_logits)
    d_table = np.zeros_like(table)
    np.add.at(d_table, ids, d_x)  # the lookup: each row gets its positions' gradients
    if tied:
        return [d_x, d_table + d_kernel.T]
    return [d_x, d_table, d_kernel]


def test_config_weights_and_errors_like_tf_keras():
    harness.note("ReversibleEmbedding", "float32", "api")
    args = dict(tie_weights=False, reverse_dtype="float64", logit_soft_cap=30.0,
                mask_zero=True, embeddings_regularizer="l2")
    m = kerasmini.layers.ReversibleEmbedding(VOCAB, DIM, **args)
    t = keras.layers.ReversibleEmbedding(VOCAB, DIM, **args)
    without_name = lambda c: {k: v for k, v in c.items() if k != "name"}
    assert without_name(m.get_config()) == without_name(t.get_config())
    for layer in (m, t):
        layer.build((None, 3))
    assert [(w.name, tuple(w.shape)) for w in m.weights] == \
        [(w.name, tuple(w.shape)) for w in t.weights]
    for lib in (keras, kerasmini):
        with pytest.raises(ValueError):
            lib.layers.ReversibleEmbedding(0, DIM)
    harness.record_error(0.0, 0.0)


def _tied_model(lib):
    inputs = lib.Input((5,), dtype="int32", name="ids")
    embedding = lib.layers.ReversibleEmbedding(VOCAB, DIM, name="emb", logit_soft_cap=3.0)
    x = lib.layers.Dense(DIM, activation="tanh", name="mix")(embedding(inputs))
    return lib.Model(inputs, embedding(x, reverse=True))


def test_functional_model_summary_and_files_both_ways():
    harness.note("ReversibleEmbedding", "float32", "files")
    lines, tf_lines = [], []
    _tied_model(kerasmini).summary(print_fn=lines.append)
    _tied_model(keras).summary(print_fn=tf_lines.append)
    strip = lambda text: re.sub(r'"functional(_\d+)?"', '"functional"', "\n".join(text))
    assert strip(lines) == strip(tf_lines)
    rng = np.random.default_rng(harness.seed_of("reversible-files"))
    harness.files_both_ways(_tied_model, rng.integers(0, VOCAB, (3, 5)), rng)
