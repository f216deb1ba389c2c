"""Whole fits: kerasmini vs tf.keras on scikit-learn's bundled 8x8 digits (no download).

Same architecture, the same initial weights (tf.keras's, copied layer by layer by name),
the same data in the same order (shuffle=False), no dropout: the per-epoch loss and
accuracy (train and validation) and the final weights must agree.

Tolerance, measured three-way. Each float32 fit drifts from the exact one by rounding,
and Adam amplifies it: it divides by sqrt(v) + 1e-7, so a gradient that is zero up to
float32 noise (~1e-9) still moves its weight by ~1e-2 * lr. The reference is the same
fit in float64 (tf.keras with floatx and dtype policy float64, from the same initial
weights). kerasmini's float32 fit must be within CHAOS_FACTOR = 4 times tf.keras's
float32 distance from it, or within a floor: LOSS_FLOOR = 2e-4 of the scale for logged
values, WEIGHT_FLOOR = 2e-4 of the scale for final weights. The floors are measured, not
derived: the worst relative distance from the float64 fit over 4 seeded runs of each
model was, for kerasmini / tf.keras, 1.4e-7 / 1.4e-7 (epoch losses), 1.9e-5 / 9.8e-6
(README convnet's output kernel), 7.6e-7 / 1.1e-4 (branch_bn, any weight); rows_lstm
(an LSTM reading each digit's rows, backpropagation through time), one run: 1.8e-7 /
4.2e-7 (epoch losses), 2.0e-7 / 1.7e-7 (any weight); frames_convlstm (a functional
ConvLSTM2D over 4 frames of each digit), one run: 3.5e-7 / 3.0e-7 (epoch losses), 7.2e-7
/ 1.9e-7 (any weight); tied_embedding (ReversibleEmbedding read both ways), one run:
2.4e-7 / 2.4e-7 (epoch losses), 2.9e-7 / 5.5e-7 (any weight); rows_gqa
(GroupQueryAttention over the rows), one run: 2.0e-7 / 2.0e-7 (epoch losses), 5.3e-6 /
1.8e-5 (the key bias, whose exact gradient is 0: a shift of every key's logit by the same
q . b_k; Adam moves it on rounding noise), 2.2e-7 / 4.1e-7 (any other weight). The floors
are 10x the worst and still 50x below what a wrong gradient or update rule does to these
fits (a dropped transpose, a missing BN term or Adam without bias correction move the
epoch losses by > 1e-2). When kerasmini still summed BatchNormalization's statistics and
gradients in float32 row after row, branch_bn's c1 kernel ended 3.9e-3 from the float64
fit (tf.keras 4.6e-5): tests/test_float32_gradients.py now holds each such rule within a
few ulps of its float64 twin.
Accuracies count argmax hits: they may also differ by one sample whose two top scores
are within rounding of each other.

The shuffled fit cannot follow the same order (each library draws its own permutation),
so it is compared on the outcome: validation accuracy after 6 epochs within 0.06 (the
spread of 3 seeds of either library is about 0.02-0.04 here).
"""
import os

import numpy as np
import pytest
from sklearn.datasets import load_digits

from conformance.harness import keras

import kerasmini

CHAOS_FACTOR = 4
LOSS_FLOOR = 2e-4
WEIGHT_FLOOR = 2e-4
EPOCHS = 2
FIT_SEED = 20261201


def _digits(count=480, size=8):
    digits = load_digits()
    x = (digits.images[:count] / 16.0).astype("float32")[..., None]
    if size == 28:  # the README's MNIST-sized input: each pixel 3x3, padded by 2
        x = np.pad(np.repeat(np.repeat(x, 3, axis=1), 3, axis=2),
                   ((0, 0), (2, 2), (2, 2), (0, 0)))
    return x, digits.target[:count].astype("int64")


def readme_convnet(lib):
    L = lib.layers
    return lib.Sequential([
        lib.Input((28, 28, 1)), L.Conv2D(32, (3, 3), activation="relu", name="c1"),
        L.MaxPooling2D((2, 2), name="p1"), L.Conv2D(64, (3, 3), activation="relu", name="c2"),
        L.MaxPooling2D((2, 2), name="p2"), L.Flatten(name="f"),
        L.Dropout(0.0, name="d"),  # README's 0.5 off: dropout masks cannot match
        L.Dense(10, activation="softmax", name="out")])


def branch_bn(lib):
    L = lib.layers
    inputs = lib.Input((8, 8, 1))
    # no bias before BatchNormalization: its exact gradient is 0, so Adam would turn each
    # library's rounding noise (~1e-9) into +-learning-rate steps of opposite signs
    x = L.Conv2D(8, 3, padding="same", use_bias=False, name="c1")(inputs)
    x = L.BatchNormalization(name="bn")(x)
    x = L.Activation("relu", name="r")(x)
    a = L.Conv2D(8, 1, activation="relu", name="a")(x)
    b = L.MaxPooling2D(2, strides=1, padding="same", name="b")(x)
    x = L.Concatenate(name="cat")([L.Add(name="add")([a, b]), x])
    x = L.GlobalAveragePooling2D(name="gap")(x)
    outputs = L.Dense(10, activation="softmax", name="out")(x)
    return lib.Model(inputs, outputs, name="branchy")


def mlp(lib):
    L = lib.layers
    return lib.Sequential([
        lib.Input((8, 8, 1)), L.Flatten(name="f"),
        L.Dense(32, activation="relu", name="h"),
        L.Dense(10, activation="softmax", name="out")])


def rows_lstm(lib):
    """Each digit read as a sequence of its 8 rows (8 pixels each) by an LSTM: the fit
    backpropagates through time."""
    L = lib.layers
    return lib.Sequential([
        lib.Input((8, 8, 1)), L.Reshape((8, 8), name="rows"), L.LSTM(16, name="lstm"),
        L.Dense(10, activation="softmax", name="out")])


def frames_convlstm(lib):
    """Functional: each digit as 4 frames of 2 rows, a ConvLSTM2D over the frames (the
    input and recurrent convolutions backpropagated through time)."""
    L = lib.layers
    inputs = lib.Input((8, 8, 1))
    x = L.Reshape((4, 2, 8, 1), name="frames")(inputs)
    x = L.ConvLSTM2D(4, (2, 3), padding="same", name="convlstm")(x)
    outputs = L.Dense(10, activation="softmax", name="out")(L.Flatten(name="f")(x))
    return lib.Model(inputs, outputs)


def tied_embedding(lib):
    """Functional: each digit's 64 pixel values (0-16) as tokens of a
    ReversibleEmbedding(17, 8), mixed, pooled, and read out through the same table
    (reverse=True: tied weights, gradients from both calls; 17 logits, labels 0-9)."""
    L = lib.layers
    inputs = lib.Input((8, 8, 1))
    tokens = L.Reshape((64,), name="tokens")(L.Rescaling(16.0, name="levels")(inputs))
    embedding = L.ReversibleEmbedding(17, 8, logit_soft_cap=5.0, name="emb")
    x = L.Dense(8, activation="tanh", name="mix")(embedding(tokens))
    x = L.GlobalAveragePooling1D(name="pool")(x)
    outputs = L.Softmax(name="out")(embedding(x, reverse=True))
    return lib.Model(inputs, outputs)


def rows_gqa(lib):
    """Functional: each digit's 8 rows as a sequence attending to itself through a
    GroupQueryAttention (4 query heads sharing 2 key/value heads), causal."""
    L = lib.layers
    inputs = lib.Input((8, 8, 1))
    rows = L.Reshape((8, 8), name="rows")(inputs)
    x = L.GroupQueryAttention(4, 4, 2, name="gqa")(rows, rows, use_causal_mask=True)
    x = L.GlobalAveragePooling1D(name="pool")(x)
    return lib.Model(inputs, L.Dense(10, activation="softmax", name="out")(x))


MODELS = {"readme_convnet": (readme_convnet, 28, 96, "adam", 0.001),
          "rows_lstm": (rows_lstm, 8, 240, "adam", 0.01),
          "branch_bn": (branch_bn, 8, 480, "adam", 0.01),
          "mlp": (mlp, 8, 240, "sgd", 0.1),
          "frames_convlstm": (frames_convlstm, 8, 160, "adam", 0.01),
          "tied_embedding": (tied_embedding, 8, 240, "adam", 0.01),
          "rows_gqa": (rows_gqa, 8, 240, "adam", 0.01)}


def _compiled(lib, name, weights_from=None):
    build, _, _, optimizer, rate = MODELS[name]
    model = build(lib)
    if weights_from is not None:
        for layer in weights_from.layers:
            if layer.weights:
                model.get_layer(layer.name).set_weights(layer.get_weights())
    opt = (lib.optimizers.Adam(learning_rate=rate) if optimizer == "adam"
           else lib.optimizers.SGD(learning_rate=rate, momentum=0.9))
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _final_weights(model):
    return {layer.name: layer.get_weights() for layer in model.layers if layer.weights}


def _float64_reference(name, tf_model, x, y, args):
    """The same fit in float64 by tf.keras (floatx and dtype policy float64 while it is
    built and run). floatx alone is not enough: once anything has read Keras's global
    dtype policy it stays "float32", and the "float64" fit was a float32 one."""
    previous, policy = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    try:
        model = _compiled(keras, name, weights_from=tf_model)
        assert all(w.dtype == "float64" for w in model.weights), "reference not float64"
        history = model.fit(x.astype("float64"), y, **args).history
        return history, _final_weights(model)
    finally:
        keras.config.set_floatx(previous)
        keras.config.set_dtype_policy(policy)


def _check(what, km_values, tf_values, reference, minimum=0.0, floor=LOSS_FLOOR):
    km_values, tf_values, reference = (np.asarray(v, np.float64) for v in
                                       (km_values, tf_values, reference))
    tf_drift = np.max(np.abs(tf_values - reference))
    km_drift = np.max(np.abs(km_values - reference))
    bound = max(CHAOS_FACTOR * tf_drift + floor * np.max(np.abs(reference)), minimum)
    assert km_drift <= bound, (f"{what}: kerasmini is {km_drift:.3e} from the float64 fit, "
                               f"tf.keras {tf_drift:.3e} (bound {bound:.3e})\n"
                               f"kerasmini {km_values}\ntf.keras {tf_values}\n"
                               f"float64 {reference}")
    return f"{what}: {km_drift:.1e} (tf {tf_drift:.1e})"


@pytest.mark.parametrize("name", list(MODELS))
def test_same_fit(name, seed=None):
    _, size, count, _, _ = MODELS[name]
    x, y = _digits(count=count, size=size)
    # Seeded start: Adam amplifies float32 rounding chaotically, so an unseeded start made
    # the margin differ from run to run (the floors above were measured over 4 seeds).
    keras.utils.set_random_seed(FIT_SEED if seed is None else seed)
    start = _compiled(keras, name)
    tf_model = _compiled(keras, name, weights_from=start)
    km_model = _compiled(kerasmini, name, weights_from=start)
    args = dict(epochs=EPOCHS, batch_size=32, validation_split=0.2, shuffle=False, verbose=0)
    tf_history = tf_model.fit(x, y, **args).history
    km_history = km_model.fit(x, y, **args).history
    ref_history, ref_final = _float64_reference(name, start, x, y, args)
    assert list(km_history) == list(tf_history)
    report = []
    for key in tf_history:
        one_sample = 1 / (0.2 * count) + 1e-6 if "accuracy" in key else 0.0
        report.append(_check(f"{name} {key}", km_history[key], tf_history[key],
                             ref_history[key], one_sample))
    tf_final = _final_weights(tf_model)
    for layer, km_values in _final_weights(km_model).items():
        for i, km_w in enumerate(km_values):
            report.append(_check(f"{name} final {layer}[{i}]", km_w, tf_final[layer][i],
                                 ref_final[layer][i], floor=WEIGHT_FLOOR))
    print("; ".join(report))


def test_shuffled_fit_same_accuracy():
    x, y = _digits(count=1797)
    accuracies = {}
    for lib in (keras, kerasmini):
        model = mlp(lib)
        model.compile(optimizer=lib.optimizers.Adam(learning_rate=0.01),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, epochs=6, batch_size=32, validation_split=0.2,
                            shuffle=True, verbose=0)
        accuracies[lib.__name__] = history.history["val_accuracy"][-1]
    assert min(accuracies.values()) > 0.85, accuracies
    assert abs(accuracies["keras"] - accuracies["kerasmini"]) <= 0.06, accuracies


# Adafactor's default epsilon_1 = 1e-30 underflows in float32 on the digits: a pixel that
# is always 0 gives a kernel row of zero gradients and a dead relu unit a zero column, so
# v = r c / mean(r) ~ 1e-30 * 1e-30 / 1e-4 is 0 and the step 0 / 0 (NaN weights in tf.keras
# and kerasmini alike); 1e-20 keeps v a float32 number.
OPTIMIZER_ARGS = {"Adam": {}, "Lamb": {}, "Adafactor": {"epsilon_1": 1e-20}}


@pytest.mark.parametrize("optimizer", list(OPTIMIZER_ARGS))
@pytest.mark.parametrize("first,then", [("kerasmini", "keras"), ("keras", "kerasmini")])
def test_optimizer_state_continues_across_libraries(first, then, optimizer, tmp_path):
    """A model trained by one library, saved as .keras, continues in the other exactly
    as it would have continued in the first (the moments (Adafactor's row and column
    means) and the step count travel in optimizer/vars, laid out as Keras lays them out)."""
    libs = {"keras": keras, "kerasmini": kerasmini}
    x, y = _digits(count=96)
    model = mlp(libs[first])
    model.compile(optimizer=getattr(libs[first].optimizers, optimizer)(
                      learning_rate=0.01, **OPTIMIZER_ARGS[optimizer]),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    args = dict(batch_size=32, shuffle=False, verbose=0)
    model.fit(x, y, epochs=2, **args)
    path = str(tmp_path / "trained.keras")
    model.save(path)
    loaded = libs[then].models.load_model(path)
    assert int(np.asarray(loaded.optimizer.iterations.numpy())) == 6
    continued = loaded.fit(x, y, epochs=2, **args).history
    reference = model.fit(x, y, epochs=2, **args).history
    assert np.all(np.isfinite(reference["loss"])), reference
    for key in reference:
        np.testing.assert_allclose(continued[key], reference[key], rtol=1e-5, err_msg=key)


def _small_model(lib):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2)])
    model.compile("sgd", "mse")
    return model


@pytest.mark.parametrize("verbose", [7, -1, None, "silent", 1.5, False])
def test_verbose_outside_0_1_2_prints_what_tf_keras_prints(capsys, verbose):
    """tf.keras refuses no `verbose`: progress only for 1, 2 and "auto", and fit's
    "Epoch i/n" headers for any true value."""
    x, y = np.ones((10, 3), "float32"), np.ones((10, 2), "float32")
    printed = {}
    for lib in (kerasmini, keras):
        model = _small_model(lib)
        capsys.readouterr()
        model.fit(x, y, epochs=2, batch_size=4, verbose=verbose)
        model.evaluate(x, y, batch_size=4, verbose=verbose)
        model.predict(x, batch_size=4, verbose=verbose)
        printed[lib.__name__] = capsys.readouterr().out
    assert printed["kerasmini"] == printed["keras"]


@pytest.mark.parametrize("steps,batch_size", [(0, None), (0, 4), (2, None), (2, 4), (3, 4)])
def test_predict_and_evaluate_steps_like_tf_keras(steps, batch_size):
    """steps=0 means every batch; steps without batch_size spreads the samples over
    `steps` batches. Same weights in both: the outputs and losses agree."""
    x = np.random.default_rng(0).standard_normal((10, 3)).astype("float32")
    y = np.ones((10, 2), "float32")
    tf_model, km_model = _small_model(keras), _small_model(kerasmini)
    km_model.set_weights(tf_model.get_weights())
    got = km_model.predict(x, steps=steps, batch_size=batch_size, verbose=0)
    want = tf_model.predict(x, steps=steps, batch_size=batch_size, verbose=0)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        km_model.evaluate(x, y, steps=steps, batch_size=batch_size, verbose=0),
        tf_model.evaluate(x, y, steps=steps, batch_size=batch_size, verbose=0), rtol=1e-5)


@pytest.mark.parametrize("steps_per_execution,count", [(2, 10), (3, 10), (4, 16)])
def test_steps_per_execution_callbacks_and_logs(steps_per_execution, count):
    """The batch hooks of fit (with validation) and evaluate: once per execution, named
    by its first and last step as tf.keras names them (a short last execution included),
    with the same logs; the same history and final weights."""
    def run(lib, weights):
        events = []

        def hook(kind):
            return lambda batch, logs=None: events.append(
                (kind, batch, None if not logs else float(logs["loss"])))
        callback = lib.callbacks.LambdaCallback(**{
            f"on_{kind}_batch_{edge}": hook(f"{kind}_{edge}")
            for kind in ("train", "test") for edge in ("begin", "end")})
        model = _small_model(lib)
        model.compile("sgd", "mse", metrics=["mae"],
                      steps_per_execution=steps_per_execution)
        model.set_weights(weights)
        x = np.linspace(-1, 1, count * 3, dtype="float32").reshape(count, 3)
        y = np.stack([np.sin(x.sum(1)), np.cos(x.sum(1))], 1).astype("float32")
        history = model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0,
                            validation_data=(x[:6], y[:6]), callbacks=[callback]).history
        evaluated = model.evaluate(x, y, batch_size=3, verbose=0, callbacks=[callback])
        return events, history, evaluated, model

    weights = _small_model(keras).get_weights()
    km_events, km_history, km_eval, km_model = run(kerasmini, weights)
    tf_events, tf_history, tf_eval, tf_model = run(keras, weights)
    assert [e[:2] for e in km_events] == [e[:2] for e in tf_events]
    np.testing.assert_allclose([e[2] or 0 for e in km_events],
                               [e[2] or 0 for e in tf_events], rtol=1e-5, atol=1e-7)
    assert list(km_history) == list(tf_history)
    for key in tf_history:
        np.testing.assert_allclose(km_history[key], tf_history[key], rtol=1e-5, err_msg=key)
    np.testing.assert_allclose(km_eval, tf_eval, rtol=1e-5)
    for a, b in zip(km_model.get_weights(), tf_model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert km_model.get_compile_config()["steps_per_execution"] == steps_per_execution


@pytest.mark.parametrize("first,then", [("keras", "kerasmini"), ("kerasmini", "keras"),
                                        ("kerasmini", "kerasmini")])
def test_backup_and_restore_resumes_across_libraries(first, then, tmp_path):
    """A fit interrupted after its second epoch leaves a backup (weights, Adam's state,
    the epoch) that the other library resumes from: the resumed fit runs the last two
    epochs and ends where tf.keras's uninterrupted fit ends."""
    libs = {"keras": keras, "kerasmini": kerasmini}
    x = np.linspace(-1, 1, 48, dtype="float32").reshape(16, 3)
    y = np.stack([np.sin(x.sum(1)), x[:, 0] * x[:, 1]], 1).astype("float32")
    weights = _small_model(keras).get_weights()
    args = dict(batch_size=4, shuffle=False, verbose=0, epochs=4)

    def model_of(lib, start):
        model = _small_model(lib)
        model.compile(lib.optimizers.Adam(learning_rate=0.05), "mse")
        model.set_weights(start)
        return model

    whole = model_of(keras, weights)
    whole.fit(x, y, **args)

    def interrupt(lib):
        class Interrupt(lib.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if epoch == 1:
                    raise RuntimeError("interrupted")
        return Interrupt()
    backup_dir = str(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="interrupted"):
        model_of(libs[first], weights).fit(x, y, callbacks=[
            libs[first].callbacks.BackupAndRestore(backup_dir), interrupt(libs[first])],
            **args)
    other_start = [w * 0.5 + 0.1 for w in weights]  # overwritten by the backup
    resumed = model_of(libs[then], other_start)
    history = resumed.fit(x, y, callbacks=[libs[then].callbacks.BackupAndRestore(
        backup_dir)], **args).history
    assert len(history["loss"]) == 2
    assert int(np.asarray(resumed.optimizer.iterations)) == 16
    for a, b in zip(resumed.get_weights(), whole.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not os.path.exists(backup_dir)
