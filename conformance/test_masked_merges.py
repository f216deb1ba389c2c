"""Masks through merges and BatchNormalization against tf.keras and the float64
position-by-position reference (tests/mask_reference.py): values, the mask handed on,
training statistics and gradients, and the graph's saved form both ways."""
import os
import tempfile

import numpy as np
import pytest

from conformance.harness import fail, keras, tf, three_way
from tests.mask_reference import (masked_batch_normalization, merge_mask_reference,
                                  merge_reference)

import kerasmini  # noqa: E402
from kerasmini import layers as km_layers  # noqa: E402
from kerasmini.autodiff import GradientTape  # noqa: E402

from keras.src.backend import get_keras_mask, set_keras_mask  # noqa: E402

MASKS = {
    "both": ([[1, 1, 0, 0, 1], [0, 0, 0, 0, 1], [1, 0, 1, 0, 0]],
             [[1, 0, 1, 0, 0], [0, 0, 1, 1, 1], [0, 0, 0, 0, 0]]),
    "first": ([[1, 1, 0, 0, 1], [0, 0, 0, 0, 1], [1, 0, 1, 0, 0]], None),
    "second": (None, [[1, 0, 1, 0, 0], [0, 0, 1, 1, 1], [0, 0, 0, 0, 0]]),
}
KINDS = ["Add", "Subtract", "Average", "Multiply", "Maximum", "Minimum", "Concatenate",
         "Dot"]


def _cases():
    cases = []
    for i, kind in enumerate(KINDS):
        for j, pattern in enumerate(sorted(MASKS)):
            cases.append((kind, pattern, ("float32", "float64")[(i + j) % 2]))
    return cases


def _layer(module, kind, dtype):
    if kind == "Dot":
        return module.Dot(axes=2, dtype=dtype)
    if kind == "Concatenate":
        return module.Concatenate(axis=1, dtype=dtype)
    return getattr(module, kind)(dtype=dtype)


def _tf_masked(x, mask):
    tensor = tf.constant(x)
    if mask is not None:
        set_keras_mask(tensor, tf.constant(mask))
    return tensor


@pytest.mark.parametrize("kind,pattern,dtype", _cases())
def test_merge_with_masks(kind, pattern, dtype):
    rng = np.random.default_rng(len(kind) * 7 + len(pattern))
    inputs = [rng.standard_normal((3, 5, 4)).astype(dtype) for _ in range(2)]
    masks = [None if m is None else np.array(m, bool) for m in MASKS[pattern]]
    where = f"{kind} masks={pattern} {dtype}"
    km_out = _layer(km_layers, kind, dtype)(inputs, mask=masks)
    tf_out = _layer(keras.layers, kind, dtype)(
        [_tf_masked(x, m) for x, m in zip(inputs, masks)])
    if kind == "Dot":
        ref = np.einsum("btf,bsf->bts", *[x.astype(np.float64) for x in inputs])
    elif kind == "Concatenate":
        ref = np.concatenate(inputs, axis=1).astype(np.float64)
    else:
        ref = merge_reference(kind, inputs, masks)
    three_way(km_out, np.asarray(tf_out), ref, dtype, where)
    want = merge_mask_reference(kind, inputs, masks, axis=1)
    for who, got in (("kerasmini", getattr(km_out, "_keras_mask", None)),
                     ("tf.keras", get_keras_mask(tf_out))):
        if (got is None) != (want is None) or (
                want is not None and not np.array_equal(np.asarray(got), want)):
            fail(f"{where}: {who}'s output mask {got} != reference {want}")


def _model(module, kind):
    L = module.layers
    tokens = module.Input((5,), dtype="int32")
    embedded = L.Embedding(12, 4, mask_zero=True, name="embedding")(tokens)
    sequence = L.LSTM(4, return_sequences=True, name="lstm")(embedded)
    merged = getattr(L, kind)(name="merge")([sequence, L.Dense(4, name="dense")(embedded)])
    normalized = L.BatchNormalization(name="bn")(merged)
    pooled = L.GlobalAveragePooling1D(name="pool")(normalized)
    return module.Model(tokens, L.Dense(2, name="head")(pooled))


TOKENS = np.array([[1, 2, 3, 0, 0], [4, 0, 5, 0, 6], [7, 8, 9, 10, 11], [0, 0, 0, 0, 3]])


def _same_weights(km_model, tf_model):
    rng = np.random.default_rng(0)
    weights = [(rng.standard_normal(w.shape) * 0.5).astype("float32")
               for w in tf_model.get_weights()]
    weights[-3] = np.abs(weights[-3]) + 0.5  # BN's moving variance
    tf_model.set_weights(weights)
    km_model.set_weights(weights)


@pytest.mark.parametrize("kind", ["Add", "Maximum", "Multiply", "Concatenate"])
def test_masked_model_trains_as_tf_keras(kind):
    km_model, tf_model = _model(kerasmini, kind), _model(keras, kind)
    _same_weights(km_model, tf_model)
    np.testing.assert_allclose(km_model.predict(TOKENS, verbose=0),
                               tf_model.predict(TOKENS, verbose=0), rtol=1e-5, atol=1e-6)
    upstream = np.random.default_rng(1).standard_normal((4, 2)).astype("float32")
    with GradientTape() as tape:
        km_loss = kerasmini.ops.sum(km_model(TOKENS, training=True) * upstream)
    km_grads = tape.gradient(km_loss, km_model.trainable_weights)
    with tf.GradientTape() as tf_tape:
        tf_loss = tf.reduce_sum(tf_model(TOKENS, training=True) * upstream)
    tf_grads = tf_tape.gradient(tf_loss, tf_model.trainable_weights)
    np.testing.assert_allclose(float(km_loss), float(tf_loss), rtol=1e-5)
    tf_grads = [np.asarray(tf.convert_to_tensor(b)) for b in tf_grads]
    # float32 gradients of a recurrent model: 1e-4 relative, and an absolute floor of
    # 1e-5 of the largest gradient (the Dense bias before BatchNormalization has an
    # exact gradient of 0, which both compute as rounding noise of ~1e-8)
    floor = 1e-5 * max(np.abs(b).max() for b in tf_grads)
    for weight, a, b in zip(km_model.trainable_weights, km_grads, tf_grads):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=floor,
                                   err_msg=f"{kind}: gradient of {weight.path}")
    for name in ("moving_mean", "moving_variance"):  # moved by the masked statistics
        np.testing.assert_allclose(getattr(km_model.get_layer("bn"), name).numpy(),
                                   getattr(tf_model.get_layer("bn"), name).numpy(),
                                   rtol=1e-5, atol=1e-6)


def test_masked_batch_normalization_three_ways():
    rng = np.random.default_rng(3)
    for dtype in ("float32", "float64"):
        x = (rng.standard_normal((3, 5, 4)) * 2 + 1).astype(dtype)
        mask = np.array(MASKS["both"][0], bool)
        gamma, beta = rng.uniform(0.5, 1.5, 4), rng.standard_normal(4) * 0.1
        outs = []
        for module in (km_layers, keras.layers):
            bn = module.BatchNormalization(dtype=dtype)
            bn.build(x.shape)
            bn.set_weights([gamma.astype(dtype), beta.astype(dtype), np.zeros(4, dtype),
                            np.ones(4, dtype)])
            outs.append(np.asarray(bn(x, training=True, mask=mask)))
        ref, _, _ = masked_batch_normalization(x, mask, gamma, beta, 1e-3)
        three_way(outs[0], outs[1], ref, dtype, f"BatchNormalization masked {dtype}")


@pytest.mark.parametrize("kind", ["Maximum", "Concatenate"])
def test_saved_masked_graph_loads_both_ways(kind):
    km_model, tf_model = _model(kerasmini, kind), _model(keras, kind)
    _same_weights(km_model, tf_model)
    km_layers_config = {l["name"]: l for l in km_model.get_config()["layers"]}
    tf_layers_config = {l["name"]: l for l in tf_model.get_config()["layers"]}
    for name in ("merge", "bn"):
        km_kwargs = km_layers_config[name]["inbound_nodes"][0]["kwargs"]
        tf_kwargs = tf_layers_config[name]["inbound_nodes"][0]["kwargs"]
        assert sorted(km_kwargs) == sorted(tf_kwargs), (name, km_kwargs, tf_kwargs)
    assert sorted(c["class_name"] for c in km_layers_config.values()) == \
        sorted(c["class_name"] for c in tf_layers_config.values())
    want = tf_model.predict(TOKENS, verbose=0)
    with tempfile.TemporaryDirectory() as folder:
        tf_model.save(os.path.join(folder, "tf.keras"))
        loaded = kerasmini.models.load_model(os.path.join(folder, "tf.keras"))
        np.testing.assert_allclose(loaded.predict(TOKENS, verbose=0), want, rtol=1e-5,
                                   atol=1e-6)
        km_model.save(os.path.join(folder, "km.keras"))
        back = keras.models.load_model(os.path.join(folder, "km.keras"))
        np.testing.assert_allclose(back.predict(TOKENS, verbose=0), want, rtol=1e-5,
                                   atol=1e-6)
