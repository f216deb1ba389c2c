"""mixed_float16 against tf.keras: layer outputs and gradients per family, a fit with
dynamic loss scaling, files both ways, summary().

Tolerance. A mixed_float16 layer rounds its input and its float32 weights to float16
(relative error 2**-11 each) and computes in float16, so its output carries float16
error; kerasmini/check/tolerance.py's float16 bound (rtol 1e-2 with atol = 1e-2 of the
output's scale, about 20 float16 ulps, sqrt(K) * 2**-11 for sums of K ~ 150 terms) is
derived for exactly that. Each library's mixed output is held to it against the float64
reference (tf.keras's float64 twin with the same weights: an exact computation the
float16 rounding is measured from), and kerasmini's against tf.keras's mixed output.
A structural error (a weight read in the wrong dtype and never cast, a wrong axis) is
O(1) of the scale, 100x outside it.
"""
import numpy as np
import pytest

from conformance.harness import keras, tf
from kerasmini.check.tolerance import compare

import kerasmini


class policy:
    """Both libraries' global dtype policy set for a block, then put back."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.saved = keras.config.dtype_policy(), kerasmini.config.dtype_policy()
        keras.config.set_dtype_policy(self.name)
        kerasmini.config.set_dtype_policy(self.name)

    def __exit__(self, *exc):
        keras.config.set_dtype_policy(self.saved[0])
        kerasmini.config.set_dtype_policy(self.saved[1])


# (layer, Keras arguments, input shape(s); an int dtype for Embedding's indices)
FAMILIES = [
    ("Dense", {"units": 6, "activation": "relu"}, (4, 10)),
    ("Dense", {"units": 5}, (2, 3, 10)),
    ("EinsumDense", {"equation": "abc,cd->abd", "output_shape": (None, 4),
                     "bias_axes": "d"}, (2, 3, 6)),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same"}, (2, 8, 8, 3)),
    ("Conv1D", {"filters": 4, "kernel_size": 3, "strides": 2}, (2, 11, 3)),
    ("DepthwiseConv2D", {"kernel_size": 3}, (2, 7, 7, 3)),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 3}, (2, 7, 7, 3)),
    ("Conv2DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2}, (2, 5, 5, 3)),
    ("MaxPooling2D", {"pool_size": 2}, (2, 6, 6, 3)),
    ("AveragePooling2D", {"pool_size": 2}, (2, 6, 6, 3)),
    ("GlobalAveragePooling2D", {}, (2, 6, 6, 3)),
    ("BatchNormalization", {}, (6, 5, 3)),
    ("LayerNormalization", {}, (3, 4, 6)),
    ("GroupNormalization", {"groups": 2}, (2, 4, 4, 4)),
    ("Embedding", {"input_dim": 20, "output_dim": 5}, ((3, 4), "int32")),
    ("SimpleRNN", {"units": 4}, (2, 5, 3)),
    ("LSTM", {"units": 4, "return_sequences": True}, (2, 5, 3)),
    ("GRU", {"units": 4}, (2, 5, 3)),
    ("Softmax", {}, (3, 7)),
    ("Activation", {"activation": "gelu"}, (3, 7)),
    ("PReLU", {}, (3, 7)),
    ("Concatenate", {}, [(2, 3), (2, 4)]),
    ("Add", {}, [(2, 3), (2, 3)]),
]
# inference for all; training too where it computes something else (BatchNormalization's
# batch statistics) or where Keras's call takes the flag (Dense, LSTM: a check it is passed)
CASES = [(*family, training) for family in FAMILIES for training in (False, True)
         if not training or family[0] in ("BatchNormalization", "Dense", "LSTM")]
IDS = [f"{name}-{i}-{'training' if training else 'inference'}"
       for i, (name, _, _, training) in enumerate(CASES)]


def _inputs(shapes, rng):
    if isinstance(shapes, list):
        return [_inputs(s, rng) for s in shapes]
    if isinstance(shapes[1], str):  # indices
        return rng.integers(0, 20, shapes[0]).astype(shapes[1])
    return rng.standard_normal(shapes).astype("float32")


def _weights(layer, rng):
    """Random weights of a built tf.keras layer (variances positive)."""
    return [np.abs(rng.standard_normal(w.shape)) + 0.5 if "variance" in w.path
            else 0.5 * rng.standard_normal(w.shape) for w in layer.weights]


def _twins(name, args, shapes, dtype, rng):
    """(tf layer, kerasmini layer, inputs) with the same random weights."""
    tf_layer = getattr(keras.layers, name)(dtype=dtype, **args)
    km_layer = getattr(kerasmini.layers, name)(dtype=dtype, **args)
    x = _inputs(shapes, rng)
    tf_layer(x), km_layer(x)  # build
    values = _weights(tf_layer, rng)
    tf_layer.set_weights(values)
    km_layer.set_weights(values)
    return tf_layer, km_layer, x


def _check(got, ref, what):
    ok, err, ulps, why = compare(got, ref, "float16")
    assert ok, f"{what}: {why}"


@pytest.mark.parametrize("name, args, shapes, training", CASES, ids=IDS)
def test_layer_outputs_under_mixed_float16(name, args, shapes, training):
    rng = np.random.default_rng(len(name) * 7)
    tf_layer, km_layer, x = _twins(name, args, shapes, "mixed_float16", rng)
    ref_layer = getattr(keras.layers, name)(dtype="float64", **args)
    x64 = [np.asarray(a, "float64") if a.dtype.kind == "f" else a for a in x] \
        if isinstance(x, list) else (x.astype("float64") if x.dtype.kind == "f" else x)
    ref_layer(x64)
    ref_layer.set_weights(tf_layer.get_weights())
    kwargs = {"training": True} if training else {}
    km_out = km_layer(x, **kwargs)
    tf_out = np.asarray(tf_layer(x, **kwargs))
    ref = np.asarray(ref_layer(x64, **kwargs))
    assert (km_layer.dtype, km_layer.compute_dtype) == (tf_layer.dtype,
                                                       tf_layer.compute_dtype)
    assert km_out.dtype == tf_out.dtype == np.float16, (km_out.dtype, tf_out.dtype)
    assert [w.dtype for w in km_layer.weights] == [w.dtype for w in tf_layer.weights]
    _check(tf_out, ref, "tf.keras mixed vs float64")
    _check(km_out, ref, "kerasmini mixed vs float64")
    _check(km_out, tf_out, "kerasmini vs tf.keras, both mixed")
    if training and name == "BatchNormalization":  # moving statistics: float32 updates
        for km_w, tf_w, ref_w in zip(km_layer.non_trainable_weights,
                                     tf_layer.non_trainable_weights,
                                     ref_layer.non_trainable_weights):
            assert km_w.dtype == "float32"
            _check(km_w.numpy(), np.asarray(ref_w), "kerasmini moving statistic")


GRADIENT_FAMILIES = [f for f in FAMILIES if f[0] in (
    "Dense", "Conv2D", "DepthwiseConv2D", "BatchNormalization", "LayerNormalization",
    "LSTM", "GRU", "Embedding", "EinsumDense")]


@pytest.mark.parametrize("name, args, shapes", GRADIENT_FAMILIES,
                         ids=[f"{f[0]}-{i}" for i, f in enumerate(GRADIENT_FAMILIES)])
def test_weight_gradients_under_mixed_float16(name, args, shapes):
    """d(sum(w * y)) / d weights, y the float16 output (cast to float32 as Keras's loss
    casts it), w fixed random: float32 gradients of float32 master weights."""
    rng = np.random.default_rng(len(name) * 11)
    tf_layer, km_layer, x = _twins(name, args, shapes, "mixed_float16", rng)
    ref_layer = getattr(keras.layers, name)(dtype="float64", **args)
    x64 = x.astype("float64") if x.dtype.kind == "f" else x
    ref_layer(x64)
    ref_layer.set_weights(tf_layer.get_weights())
    w = None
    grads = {}
    for lib, layer, inputs in (("tf", tf_layer, x), ("ref", ref_layer, x64)):
        with tf.GradientTape() as tape:
            y = tf.cast(layer(inputs, training=True), "float64")
            w = rng.standard_normal(y.shape) if w is None else w
            loss = tf.reduce_sum(y * w)
        grads[lib] = [np.asarray(tf.convert_to_tensor(g))  # Embedding's IndexedSlices
                      for g in tape.gradient(loss, layer.trainable_weights)]
    with kerasmini.GradientTape() as tape:
        loss = (km_layer(x, training=True).astype("float64") * w).sum()
    grads["km"] = tape.gradient(loss, km_layer.trainable_weights)
    for i, variable in enumerate(km_layer.trainable_weights):
        assert grads["km"][i].dtype == grads["tf"][i].dtype == np.float32, variable.path
        _check(grads["tf"][i], grads["ref"][i], f"tf.keras gradient of {variable.path}")
        _check(grads["km"][i], grads["ref"][i], f"kerasmini gradient of {variable.path}")


# ----- a fit with dynamic loss scaling ---------------------------------------------
def _digits():
    from sklearn.datasets import load_digits
    digits = load_digits()
    return (digits.images[:480] / 16.0).reshape(480, 64).astype("float32"), \
        digits.target[:480].astype("int64")


def _mlp(lib, name, initial_scale=None):
    """An MLP whose softmax runs in float32, as Keras's mixed precision guide advises."""
    with policy(name):
        L = lib.layers
        model = lib.Sequential([lib.Input((64,)), L.Dense(32, activation="relu", name="h"),
                                L.Dense(10, name="logits"),
                                L.Activation("softmax", dtype="float32", name="p")])
        optimizer = lib.optimizers.Adam(1e-2)
        if initial_scale is not None:  # else compile wraps it, initial scale 2**15
            optimizer = lib.optimizers.LossScaleOptimizer(
                optimizer, initial_scale=initial_scale, dynamic_growth_steps=4)
        model.compile(optimizer, "sparse_categorical_crossentropy")
    return model


def _fit(lib, name, weights, initial_scale=None):
    """(epoch losses, final weights, the loss scale after each batch, iterations)."""
    model = _mlp(lib, name, initial_scale)
    model.set_weights(weights)
    scales = []

    class Scale(lib.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            scale = getattr(model.optimizer, "dynamic_scale", None)
            scales.append(None if scale is None else float(np.asarray(scale)))

    x, y = _digits()
    history = model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0,
                        callbacks=[Scale()])
    return (np.array(history.history["loss"]), model.get_weights(), scales,
            int(np.asarray(model.optimizer.iterations)))


def _distance(got, ref):
    return max(float(np.abs(g - r).max() / np.abs(r).max()) for g, r in zip(got, ref))


CHAOS_FACTOR = 4  # as conformance/test_fit.py: kerasmini within 4x tf.keras's distance


def test_mixed_fit_follows_tf_keras_and_the_float64_fit():
    """compile wraps Adam in a LossScaleOptimizer (scale 2**15, no overflow here): the
    float16 fit drifts from the float64 one (tf.keras: ~1.5e-2 of the weights' scale,
    ~9e-5 of the losses, measured); kerasmini's drift must be within CHAOS_FACTOR of
    tf.keras's, and the two mixed fits must agree within float16's tolerance."""
    weights = _mlp(keras, "mixed_float16").get_weights()
    tf_fit = _fit(keras, "mixed_float16", weights)
    km_fit = _fit(kerasmini, "mixed_float16", weights)
    ref_fit = _fit(keras, "float64", [w.astype("float64") for w in weights])
    assert km_fit[2] == tf_fit[2] == [2.0 ** 15] * 30 and km_fit[3] == tf_fit[3] == 30
    assert [w.dtype for w in km_fit[1]] == [w.dtype for w in tf_fit[1]]  # float32 masters
    for part, (km, tf_, ref) in (("losses", ([km_fit[0]], [tf_fit[0]], [ref_fit[0]])),
                                 ("weights", (km_fit[1], tf_fit[1], ref_fit[1]))):
        km_drift, tf_drift = _distance(km, ref), _distance(tf_, ref)
        assert km_drift <= CHAOS_FACTOR * tf_drift, (part, km_drift, tf_drift)
        for a, b in zip(km, tf_):
            _check(a, b, f"kerasmini vs tf.keras mixed fit, {part}")


def test_dynamic_loss_scale_moves_as_tf_kerass_step_by_step():
    """From a scale of 2**30 the float16 gradients overflow: each such step is skipped
    and halves the scale, until they fit; then it doubles after 4 finite steps. The
    scale after every batch, and the number of steps made, are tf.keras's exactly."""
    weights = _mlp(keras, "mixed_float16").get_weights()
    tf_fit = _fit(keras, "mixed_float16", weights, initial_scale=2.0 ** 30)
    km_fit = _fit(kerasmini, "mixed_float16", weights, initial_scale=2.0 ** 30)
    assert km_fit[2] == tf_fit[2]
    assert km_fit[2][0] == 2.0 ** 29 and max(km_fit[2][1:]) < 2.0 ** 29  # skips happened
    assert km_fit[3] == tf_fit[3] < 30
    for a, b in zip(km_fit[1], tf_fit[1]):
        _check(a, b, "kerasmini vs tf.keras weights after skipped steps")
    _check(km_fit[0], tf_fit[0], "kerasmini vs tf.keras epoch losses")


# ----- files both ways, summary ---------------------------------------------------
def _convnet(lib):
    """Built and compiled under mixed_float16 (compile wraps Adam); softmax in float32."""
    with policy("mixed_float16"):
        L = lib.layers
        model = lib.Sequential([
            lib.Input((8, 8, 1)), L.Conv2D(4, 3, name="c"), L.BatchNormalization(name="bn"),
            L.Flatten(name="f"), L.Dense(10, name="d"),
            L.Activation("softmax", dtype="float32", name="p")], name="mixed_convnet")
        model.compile("adam", "sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("saver, loader", [(kerasmini, keras), (keras, kerasmini)],
                         ids=["kerasmini-to-tf.keras", "tf.keras-to-kerasmini"])
def test_mixed_model_files_move_both_ways(saver, loader, tmp_path):
    """A trained mixed model's file: the policies in the config (Keras's DTypePolicy
    dicts), float32 weights, the LossScaleOptimizer's state (scale, step counter and
    Adam's slots) restored when loaded under mixed_float16, as Keras restores it; the
    loaded model predicts as the saved one and trains on."""
    rng = np.random.default_rng(5)
    x = rng.random((32, 8, 8, 1)).astype("float32")
    y = np.arange(32) % 10
    model = _convnet(saver)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    path = str(tmp_path / "mixed.keras")
    model.save(path)
    with policy("mixed_float16"):  # Keras gives a loaded model the global policy
        loaded = loader.models.load_model(path)
    assert [layer.dtype_policy.name for layer in loaded.layers] == [
        "mixed_float16"] * 4 + ["float32"]
    assert [w.dtype for w in loaded.weights] == ["float32"] * len(model.weights)
    assert type(loaded.optimizer).__name__ == "LossScaleOptimizer"
    saved_state = [np.asarray(v) for v in model.optimizer.variables]
    loaded_state = [np.asarray(v) for v in loaded.optimizer.variables]
    assert len(saved_state) == len(loaded_state) == 18
    for a, b in zip(saved_state, loaded_state):
        np.testing.assert_array_equal(a, b)
    _check(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
           "loaded model's predictions")
    loaded.fit(x, y, batch_size=8, epochs=1, verbose=0)
    # the counter goes on from the saved 4; a dynamic loss scale skips (and does not
    # count) a step whose float16 gradients overflow, which random weights can make happen
    assert 4 < int(np.asarray(loaded.optimizer.iterations)) <= 8


def test_mixed_summary_is_tf_kerass():
    x = np.zeros((8, 8, 8, 1), "float32")
    y = np.zeros(8, "int64")
    text = []
    for lib in (keras, kerasmini):
        model = _convnet(lib)
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)  # "Optimizer params" too
        lines = []
        model.summary(print_fn=lambda line, **_: lines.append(line))
        text.append("\n".join(lines))
    assert "Optimizer params" in text[0]
    assert text[1] == text[0]
