"""compile / fit / evaluate / train_on_batch and the callbacks, NumPy only: hand-computed
steps, Keras's log keys, bad input refused before any weight changes, interruptions."""
import io
import os
import signal
import warnings

import numpy as np
import pytest

import kerasmini as keras
from kerasmini import callbacks as cb

L = keras.layers


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64") + (x[:, 2] > 1).astype("int64")
    return x, y


def _model(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=("accuracy",)):
    model = keras.Sequential([keras.Input((4,)), L.Dense(8, activation="relu", name="h"),
                              L.Dense(3, activation="softmax", name="out")])
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
    return model


def _weights(model):
    return [w.copy() for w in model.get_weights()]


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def test_linear_regression_step_by_hand():
    # y = x @ w + b with MSE: dL/dw = 2/N x^T (pred - y), one SGD step
    x = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]], "float32")
    y = np.array([[1.0], [0.0], [2.0]], "float32")
    model = keras.Sequential([keras.Input((2,)), L.Dense(1, name="d")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    w, b = model.get_weights()
    loss = model.train_on_batch(x, y)
    residual = x @ w + b - y
    np.testing.assert_allclose(loss, np.mean(residual ** 2), rtol=1e-6)
    lr = float(np.float32(0.1))
    new_w, new_b = model.get_weights()
    np.testing.assert_allclose(new_w, w - lr * 2 / 3 * x.T @ residual, rtol=1e-5)
    np.testing.assert_allclose(new_b, b - lr * 2 / 3 * residual.sum(0), rtol=1e-5)


def test_fit_logs_history_and_evaluate():
    x, y = _data()
    model = _model()
    history = model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert history.epoch == [0, 1, 2] and history.params["steps"] == 4
    assert model.history is history
    loss, accuracy = model.evaluate(x, y, verbose=0)
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs == {"accuracy": accuracy, "loss": loss}
    manual = keras.losses.SparseCategoricalCrossentropy()(y, model.predict(x, verbose=0))
    np.testing.assert_allclose(loss, manual, rtol=1e-5)
    assert model.test_on_batch(x, y, return_dict=True)["loss"] == pytest.approx(loss, 1e-5)


def test_sample_and_class_weights():
    x, y = _data(12)
    model = _model(metrics=())
    w = np.linspace(0.0, 2.0, 12).astype("float32")
    per_sample = keras.losses.SparseCategoricalCrossentropy(reduction="none")(
        y, model.predict(x, verbose=0))
    got = model.evaluate(x, y, sample_weight=w, batch_size=12, verbose=0)
    np.testing.assert_allclose(got, np.mean(per_sample * w), rtol=1e-5)
    class_weight = {0: 0.5, 1: 2.0}
    expected = np.mean(per_sample * np.array([class_weight.get(c, 1.0) for c in y]))
    before = _weights(model)
    logs = model.train_on_batch(x, y, class_weight=class_weight, return_dict=True)
    np.testing.assert_allclose(logs["loss"], expected, rtol=1e-5)
    assert not _same(before, model.get_weights())


def test_steps_initial_epoch_validation_freq_shuffle_off():
    x, y = _data(40)
    model = _model()
    seen = []
    record = cb.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    # 5 batches, 3 per epoch: the second epoch continues the pass and runs out after
    # 2 batches (Keras warns and ends that epoch early; the next starts a new pass)
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(x, y, epochs=4, initial_epoch=2, batch_size=8,
                            steps_per_epoch=3, validation_data=(x[:8], y[:8]),
                            validation_freq=2, shuffle=False, callbacks=[record],
                            verbose=0)
    assert history.epoch == [2, 3] and seen == [0, 1, 2, 0, 1]
    assert len(history.history["val_loss"]) == 1  # epoch 4 only (2 of 2 is skipped)
    with pytest.raises(ValueError, match="steps_per_epoch=9"):
        model.fit(x, y, batch_size=8, steps_per_epoch=9, verbose=0)


BAD_FIT = [
    (dict(batch_size=0), ValueError, "batch_size"),
    (dict(validation_split=1.0), ValueError, "validation_split"),
    (dict(validation_split=-0.1), ValueError, "validation_split"),
    (dict(y=np.zeros((40, 2))), ValueError, "targets"),
    (dict(y=np.full(40, 3)), ValueError, "label value of 3"),
    (dict(y=np.zeros(39, "int64")), ValueError, "cardinality"),
    (dict(class_weight={0: 1.0}, sample_weight=np.ones(40)), ValueError, "class_weight"),
    (dict(validation_data=(1,)), ValueError, "validation_data"),
    (dict(validation_data=(np.zeros((8, 3)), np.zeros(8, "int64"))), ValueError,
     "expected axis -1 of input shape to have value 4"),
    (dict(validation_freq=0), ValueError, "validation_freq=0"),
    (dict(validation_freq=2.0), ValueError, "validation_freq=2.0"),
    (dict(validation_freq=[1, "2"]), ValueError, "validation_freq"),
]


@pytest.mark.parametrize("args,error,match", BAD_FIT)
def test_bad_fit_input_leaves_weights(args, error, match):
    x, y = _data()
    model = _model()
    before = _weights(model)
    kwargs = dict(x=x, y=y, verbose=0)
    kwargs.update(args)
    with pytest.raises(error, match=match):
        model.fit(**kwargs)
    assert _same(before, model.get_weights())


def test_train_on_batch_checks_targets_every_call():
    # the target check is remembered per shapes after it passes (it runs every call):
    # labels out of range and targets of a new shape must still be refused
    x, y = _data()
    model = _model()
    model.train_on_batch(x[:8], y[:8])
    before = _weights(model)
    with pytest.raises(ValueError, match="label value of 3"):
        model.train_on_batch(x[:8], np.full(8, 3))
    with pytest.raises(ValueError, match="targets"):
        model.train_on_batch(x[:8], np.zeros((8, 2)))
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match="targets"):
        model.train_on_batch(x[:8], y[:8])  # sparse labels no longer fit the loss
    assert _same(before, model.get_weights())


def test_bad_inputs_leave_an_existing_log_file(tmp_path):
    x, y = _data()
    log = tmp_path / "log.csv"
    log.write_text("epoch,loss\n0,1.0\n")
    with pytest.raises(ValueError, match="expected axis -1"):
        _model().fit(x[:, :3], y, verbose=0, callbacks=[cb.CSVLogger(str(log))])
    assert log.read_text() == "epoch,loss\n0,1.0\n"


def test_fit_takes_a_single_callback_as_keras_does():
    x, y = _data()
    seen = []
    record = cb.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
    _model().fit(x, y, epochs=2, callbacks=record, verbose=0)
    assert seen == [0, 1]


def test_repeated_metric_names_kept_apart_as_keras():
    x, y = _data()
    w = np.linspace(0.0, 1.0, len(y))
    model = _model()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy", "acc"],
                  weighted_metrics=["accuracy"])
    logs = model.evaluate(x, y, sample_weight=w, verbose=0, return_dict=True)
    hits = np.argmax(model.predict(x, verbose=0), axis=-1) == y
    assert sorted(logs) == ["acc", "accuracy", "loss", "weighted_accuracy"]
    assert logs["accuracy"] == logs["acc"] == pytest.approx(np.mean(hits))
    assert logs["weighted_accuracy"] == pytest.approx(np.sum(hits * w) / np.sum(w))
    values = model.evaluate(x, y, sample_weight=w, verbose=0)
    assert values == [logs["loss"], logs["accuracy"], logs["acc"], logs["weighted_accuracy"]]


def test_one_output_loss_and_metrics_in_per_output_lists():
    x, y = _data()
    listed = _model(loss=["sparse_categorical_crossentropy"], metrics=[["accuracy"]])
    plain = _model()
    plain.set_weights(listed.get_weights())
    assert listed.evaluate(x, y, verbose=0) == plain.evaluate(x, y, verbose=0)
    with pytest.raises(NotImplementedError, match="2 entries"):
        _model(loss=["mse", "mae"])
    with pytest.raises(NotImplementedError, match="2 entries"):
        _model(metrics=[["accuracy"], ["mae"]])


def test_compile_errors():
    model = keras.Sequential([keras.Input((4,)), L.Dense(2)])
    with pytest.raises(ValueError, match="You must call `compile\\(\\)` before calling `fit"):
        model.fit(np.zeros((2, 4)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: adum"):
        model.compile(optimizer="adum", loss="mse")
    with pytest.raises(ValueError, match="Could not interpret loss identifier: mse2"):
        model.compile(loss="mse2")
    with pytest.raises(ValueError, match="Could not interpret metric identifier: acuracy"):
        model.compile(loss="mse", metrics=["acuracy"])
    with pytest.raises(ValueError, match="Received instead: metrics=mae"):
        model.compile(loss="mse", metrics="mae")  # a string, not a list of metrics
    with pytest.raises(ValueError, match="weighted_metrics=acc"):
        model.compile(loss="mse", weighted_metrics="acc")
    with pytest.raises(ValueError, match="steps_per_execution=0"):
        model.compile(loss="mse", steps_per_execution=0)
    model.compile(loss=None)
    with pytest.raises(ValueError, match="No loss to compute"):
        model.train_on_batch(np.zeros((2, 4)))


def test_regularization_penalty_joins_the_loss():
    x, y = _data(8)
    model = keras.Sequential([keras.Input((4,)), L.Dense(3, activation="softmax",
                                                            kernel_regularizer="l2")])
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    data_loss = keras.losses.SparseCategoricalCrossentropy()(y, model.predict(x, verbose=0))
    penalty = 0.01 * np.sum(np.square(model.get_weights()[0]))
    np.testing.assert_allclose(model.test_on_batch(x, y), data_loss + penalty, rtol=1e-5)


def test_callback_exception_keeps_last_completed_step():
    x, y = _data()
    model = _model()
    snapshots = []

    def on_batch_end(batch, logs):
        snapshots.append(_weights(model))
        if batch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False,
                  callbacks=[cb.LambdaCallback(on_train_batch_end=on_batch_end)])
    assert len(snapshots) == 3 and _same(snapshots[-1], model.get_weights())


def test_ctrl_c_during_a_step_finishes_that_step():
    x, y = _data()
    model = _model()
    calls = []
    original = model.optimizer.apply_gradients

    def interrupted(grads_and_vars):
        if not calls:
            os.kill(os.getpid(), signal.SIGINT)  # arrives mid-step
        calls.append(1)
        return original(grads_and_vars)

    model.optimizer.apply_gradients = interrupted
    before = _weights(model)
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, batch_size=8, verbose=0, shuffle=False)
    assert len(calls) == 1 and not _same(before, model.get_weights())
    assert int(model.optimizer.iterations.value) == 1  # the whole step, not half of it


def test_progress_display(capsys):
    x, y = _data(16)
    model = _model()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=2, batch_size=8, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[1].startswith("2/2 - ") and len(lines) == 4
    assert "ms/step" in lines[1] or "us/step" in lines[1]
    model.fit(x, y, epochs=2, batch_size=8, verbose="auto")  # not a terminal: no redraws
    out = capsys.readouterr().out
    assert "\r" not in out and out.count("2/2 ━") == 2 and "accuracy:" in out
    from kerasmini.callbacks.progbar_logger import Progbar

    class Terminal(io.StringIO):
        def isatty(self):
            return True
    stream = Terminal()
    bar = Progbar(4, verbose=1, stream=stream, interval=0.0)
    for step in range(1, 5):
        bar.update(step, {"loss": 0.5})
    bar.update(4, {"loss": 0.25}, finalize=True)
    assert stream.getvalue().count("\r") == 5 and stream.getvalue().endswith("\n")


def test_early_stopping_restores_best_weights():
    x, y = _data()
    model = _model()
    losses = iter([1.0, 0.5, 0.6, 0.7, 0.8, 0.9])
    best = {}

    class Fake(cb.Callback):  # a monitored value we control, set before EarlyStopping
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = next(losses)
            if logs["val_loss"] == 0.5:
                best["weights"] = _weights(self.model)
    stop = cb.EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=6, verbose=0, callbacks=[Fake(), stop])
    assert history.epoch == [0, 1, 2, 3] and stop.stopped_epoch == 3
    assert _same(best["weights"], model.get_weights())


def test_learning_rate_callbacks_and_nan():
    x, y = _data()
    model = _model(optimizer=keras.optimizers.SGD(learning_rate=0.1))
    scheduler = cb.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[scheduler])
    assert history.history["learning_rate"] == pytest.approx([0.05, 0.025])
    plateau = cb.ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5, min_delta=10)
    model.fit(x, y, epochs=2, verbose=0, callbacks=[plateau])
    assert float(model.optimizer.learning_rate) == pytest.approx(0.025 * 0.5)  # epoch 2
    with pytest.raises(ValueError, match="factor >= 1.0"):
        cb.ReduceLROnPlateau(factor=1.0)
    bad = np.array(x)
    bad[0, 0] = np.nan
    history = model.fit(bad, y, epochs=3, batch_size=8, verbose=0,
                        callbacks=[cb.TerminateOnNaN()])
    assert len(history.epoch) == 1


def test_csv_logger_and_checkpoints(tmp_path):
    x, y = _data()
    model = _model()
    csv_path = tmp_path / "log.csv"
    model.fit(x, y, epochs=2, validation_split=0.25, verbose=0, callbacks=[
        cb.CSVLogger(str(csv_path)),
        cb.ModelCheckpoint(str(tmp_path / "m-{epoch}.keras")),
        cb.ModelCheckpoint(str(tmp_path / "best.weights.h5"), save_weights_only=True,
                           save_best_only=True, monitor="val_accuracy")])
    rows = csv_path.read_text().splitlines()
    assert rows[0] == "epoch,accuracy,loss,val_accuracy,val_loss" and len(rows) == 3
    assert (tmp_path / "m-1.keras").exists() and (tmp_path / "m-2.keras").exists()
    loaded = keras.models.load_model(str(tmp_path / "m-2.keras"))
    assert _same(loaded.get_weights(), model.get_weights())
    assert int(loaded.optimizer.iterations.value) == int(model.optimizer.iterations.value)
    with pytest.raises(ValueError, match=".weights.h5"):
        cb.ModelCheckpoint(str(tmp_path / "x.keras"), save_weights_only=True)
    with pytest.raises(ValueError, match="Unrecognized save_freq: batch"):
        cb.ModelCheckpoint(str(tmp_path / "x.keras"), save_freq="batch")  # as tf.keras


def test_checkpoint_every_n_batches_counts_across_epochs(tmp_path):
    """save_freq=3 with 2 batches an epoch over 3 epochs (6 batches): saves after the
    3rd and 6th batches, named by epoch and batch (from 1) as Keras names them."""
    x, y = _data()
    model = _model()
    model.compile("sgd", "sparse_categorical_crossentropy")
    batch_size = -(-len(x) // 2)
    model.fit(x, y, batch_size=batch_size, epochs=3, shuffle=False, verbose=0,
              callbacks=[cb.ModelCheckpoint(str(tmp_path / "e{epoch}-b{batch}.weights.h5"),
                                            save_weights_only=True, save_freq=3)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e2-b1.weights.h5",
                                                          "e3-b2.weights.h5"]


def test_checkpoint_messages_as_keras(tmp_path, capsys):
    x, y = _data()
    model = _model()
    checkpoint = cb.ModelCheckpoint(str(tmp_path / "best.keras"), monitor="loss",
                                    save_best_only=True, verbose=1)
    model.fit(x, y, epochs=1, verbose=0, callbacks=[checkpoint])
    loss = model.history.history["loss"][0]
    assert capsys.readouterr().out == (f"\nEpoch 1: loss improved from None to {loss:.5f}, "
                                       f"saving model to {tmp_path / 'best.keras'}\n")
    checkpoint.best = -1.0  # nothing beats it
    model.fit(x, y, epochs=1, verbose=0, callbacks=[checkpoint])
    assert capsys.readouterr().out == "\nEpoch 1: loss did not improve from -1.00000\n"


def test_custom_loop_matches_fit():
    x, y = _data(16)
    one, two = _model(), _model()
    two.set_weights(one.get_weights())
    one.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    with keras.GradientTape() as tape:
        loss = loss_fn(y, two(x, training=True))
    grads = tape.gradient(loss, two.trainable_weights)
    two.optimizer.apply_gradients(zip(grads, two.trainable_weights))
    for a, b in zip(one.get_weights(), two.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("verbose", [7, 3, -1, None, "silent", 1.5])
def test_verbose_outside_0_1_2_prints_no_progress(capsys, verbose):
    """Keras refuses no `verbose`: only 1 and 2 draw progress; a true other value still
    gets fit's "Epoch i/n" headers (predict(verbose=7) printed a bar line)."""
    x, y = _data(16)
    model = _model()
    model.fit(x, y, epochs=2, batch_size=8, verbose=verbose)
    headers = "Epoch 1/2\nEpoch 2/2\n" if verbose else ""
    assert capsys.readouterr().out == headers
    model.evaluate(x, y, batch_size=8, verbose=verbose)
    model.predict(x, batch_size=8, verbose=verbose)
    assert capsys.readouterr().out == ""
    model.predict(x, batch_size=8, verbose=2)
    assert capsys.readouterr().out.startswith("2/2 - ")


def test_zero_steps_run_every_batch_and_steps_set_the_batch_size():
    """steps=0 is Keras's 'all batches' (it ran one); steps without batch_size spreads
    the samples over that many batches instead of taking `steps` batches of 32."""
    x, y = _data(100)
    model = _model()
    everything = model.predict(x, verbose=0)
    assert everything.shape == (100, 3)
    np.testing.assert_array_equal(model.predict(x, steps=0, verbose=0), everything)
    np.testing.assert_allclose(model.predict(x, steps=2, verbose=0), everything, rtol=1e-6)
    assert model.predict(x, steps=2, batch_size=10, verbose=0).shape == (20, 3)
    assert model.evaluate(x, y, steps=0, verbose=0) == model.evaluate(x, y, verbose=0)
    start = _weights(model)
    history = model.fit(x, y, steps_per_epoch=2, shuffle=False, verbose=0)
    assert history.params["steps"] == 2
    spread = model.get_weights()
    model.set_weights(start)
    model.fit(x, y, batch_size=50, shuffle=False, verbose=0)  # a fresh SGD: no state
    assert _same(spread, model.get_weights())
    history = model.fit(x, y, steps_per_epoch=0, verbose=0)
    assert history.params["steps"] == 4  # 100 samples, batches of 32
    with pytest.raises(ValueError, match="steps=-1"):
        model.predict(x, steps=-1)


def test_csv_logger_adds_validation_columns_as_keras(tmp_path):
    """Without validation, Keras 3's CSVLogger still writes val_ columns, as "NA"."""
    x, y = _data()
    model = _model()
    model.compile("sgd", "sparse_categorical_crossentropy")
    path = tmp_path / "log.csv"
    model.fit(x, y, epochs=1, verbose=0, callbacks=[cb.CSVLogger(str(path))])
    header, row = path.read_text().splitlines()
    assert header == "epoch,loss,val_loss" and row.endswith(",NA")


def test_every_hook_gets_a_logs_dict():
    """Keras's CallbackList hands {} (never None) to hooks called without logs."""
    x, y = _data()
    seen = []

    class Spy(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(logs)

        def on_epoch_begin(self, epoch, logs=None):
            seen.append(logs)

        def on_train_batch_begin(self, batch, logs=None):
            seen.append(logs)

    model = _model()
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=len(x), epochs=1, verbose=0, callbacks=[Spy()])
    assert seen == [{}, {}, {}]


@pytest.mark.parametrize("metrics, monitor, expected", [
    (["accuracy"], "val_accuracy", np.greater),
    (["mae"], "mae", np.less),
    ([keras.metrics.AUC(name="auc")], "val_auc", np.greater),
    ([keras.metrics.MeanMetricWrapper(keras.losses.mean_squared_error, name="m")], "m",
     np.less),
    ([], "val_loss", np.less),
    # several metrics of opposite directions: the one of the monitored name decides
    (["accuracy", "mae"], "val_accuracy", np.greater),
    (["mae", "accuracy"], "mae", np.less),
])
def test_monitor_direction_comes_from_the_compiled_metric(metrics, monitor, expected):
    x, labels = _data()
    y = np.eye(3, dtype="float32")[labels]
    model = _model()
    model.compile("sgd", "categorical_crossentropy", metrics=metrics)
    stopper = cb.EarlyStopping(monitor=monitor)
    model.fit(x, y, epochs=1, verbose=0, validation_split=0.25, callbacks=[stopper])
    assert stopper.monitor_op is expected


@pytest.mark.parametrize("callback", [
    lambda **k: cb.EarlyStopping(**k), lambda **k: cb.ReduceLROnPlateau(**k),
    lambda **k: cb.ModelCheckpoint("unused.keras", save_best_only=True, **k)],
    ids=["EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint"])
@pytest.mark.parametrize("monitor, mode, expected", [
    ("val_accuracy", "min", np.less), ("val_loss", "max", np.greater),
    ("val_accuracy", "max", np.greater), ("val_loss", "min", np.less),
    ("val_accuracy", "auto", np.greater), ("val_loss", "auto", np.less)])
def test_an_explicit_mode_overrides_the_metrics_direction(callback, monitor, mode,
                                                          expected):
    """mode='min' / 'max' are taken as given, whatever the metric's direction, and
    accepted without the unknown-mode warning; 'auto' reads the direction."""
    x, y = _data(8)
    model = _model()
    model.fit(x, y, epochs=1, verbose=0)  # builds the compiled metrics 'auto' reads
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "mode ... is unknown, fallback to auto"
        monitor_callback = callback(monitor=monitor, mode=mode)
    monitor_callback.set_model(model)
    monitor_callback._set_monitor_op()
    assert monitor_callback.monitor_op is expected


def test_monitor_of_a_metric_not_compiled_asks_for_a_mode():
    """Keras decides mode='auto' from the compiled metrics only: 'val_accuracy' without
    an accuracy compiled raises (kerasmini once guessed from the name)."""
    x, y = _data()
    model = _model()
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="monitor=val_accuracy.*mode='max'"):
        model.fit(x, y, epochs=1, verbose=0, validation_split=0.25,
                  callbacks=[cb.EarlyStopping(monitor="val_accuracy")])
