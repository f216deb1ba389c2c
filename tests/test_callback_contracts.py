"""What every callback promises beyond its own decisions (those are checked against
tf.keras in conformance/test_callbacks.py): the base class's state and aliases, the
stop flag of TerminateOnNaN, CSVLogger's missing keys, BackupAndRestore's save_freq,
SwapEMAWeights around predict, the progress bar's length."""
import csv
import io
import json

import numpy as np
import pytest

import kerasmini as keras
from kerasmini.callbacks.progbar_logger import BAR_WIDTH, Progbar

cb = keras.callbacks


def _every_callback(tmp_path):
    """One of each public callback class, made with its required arguments only."""
    return [cb.Callback(), cb.History(), cb.LambdaCallback(),
            cb.LearningRateScheduler(lambda epoch, lr: lr), cb.EarlyStopping(),
            cb.ReduceLROnPlateau(), cb.CSVLogger(str(tmp_path / "log.csv")),
            cb.ModelCheckpoint(str(tmp_path / "m.keras")), cb.TerminateOnNaN(),
            cb.BackupAndRestore(str(tmp_path / "backup")), cb.ProgbarLogger(),
            cb.SwapEMAWeights()]


def test_every_callback_starts_without_model_or_params(tmp_path):
    """Keras's Callback.__init__ sets both to None; a subclass that skips it has neither."""
    for callback in _every_callback(tmp_path):
        name = type(callback).__name__
        assert callback.model is None, name
        assert callback.params is None, name
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        callback.set_model(model)
        callback.set_params({"epochs": 1, "steps": 1, "verbose": 0})
        assert callback.model is model and callback.params["epochs"] == 1, name


def test_train_batch_hooks_call_the_old_names_with_the_same_arguments():
    seen = []

    class Old(cb.Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch, logs))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, logs))
    Old().on_train_batch_begin(3, logs={"a": 1})
    Old().on_train_batch_end(4, logs={"loss": 2.0})
    assert seen == [("begin", 3, {"a": 1}), ("end", 4, {"loss": 2.0})]
    seen.clear()
    x = np.zeros((6, 2), "float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(x, x[:, :1], batch_size=2, epochs=1, verbose=0, callbacks=[Old()])
    assert [(when, batch) for when, batch, _ in seen] == [
        ("begin", 0), ("end", 0), ("begin", 1), ("end", 1), ("begin", 2), ("end", 2)]
    assert all("loss" in logs for when, _, logs in seen if when == "end")


@pytest.mark.parametrize("logs,stops", [({"loss": 1.5}, False), ({"loss": np.nan}, True),
                                        ({"loss": -np.inf}, True), ({}, False), (None, False),
                                        ({"loss": np.float32(0.0)}, False)])
def test_terminate_on_nan_stops_only_on_a_loss_not_finite(logs, stops):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.stop_training = False
    callback = cb.TerminateOnNaN()
    callback.set_model(model)
    callback.on_train_batch_end(0, logs)
    assert model.stop_training is stops


def test_terminate_on_nan_raise_error_raises_at_once_and_skips_cleanup():
    x = np.ones((4, 2), "float32")
    ended = []
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(1e30), "mse")  # the second batch's loss is inf
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1"), \
            np.errstate(over="ignore", invalid="ignore"):
        model.fit(x, x[:, :1] + 1, batch_size=2, epochs=1, verbose=0, callbacks=[
            cb.TerminateOnNaN(raise_error=True),
            cb.LambdaCallback(on_train_end=lambda logs: ended.append(1))])
    assert ended == []
    callback = cb.TerminateOnNaN(raise_error=True)
    callback.on_batch_end(0, {"loss": 1.0})  # finite: nothing


def test_csv_logger_writes_na_for_a_key_missing_from_a_later_epoch(tmp_path):
    path = tmp_path / "log.csv"
    logger = cb.CSVLogger(str(path))
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.75})
    logger.on_epoch_end(1, {"loss": 0.25})
    logger.on_train_end()
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows == [{"epoch": "0", "loss": "0.5", "val_loss": "0.75"},
                    {"epoch": "1", "loss": "0.25", "val_loss": "NA"}]


class _FailAt(cb.Callback):
    """Raises after the given batch of the given epoch (a crash mid-epoch)."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at, self.epoch = (epoch, batch), 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise RuntimeError("crash")


def _small_model():
    keras.utils.set_random_seed(5)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    return model


@pytest.mark.parametrize("save_freq,expected_epochs", [("epoch", 1), (2, None)])
def test_backup_by_epoch_holds_the_last_epoch_end_after_a_crash_mid_epoch(
        tmp_path, save_freq, expected_epochs):
    x = np.linspace(-1, 1, 24, dtype="float32").reshape(8, 3)
    y = x[:, :2] * 2
    args = dict(batch_size=2, shuffle=False, verbose=0)
    one_epoch = _small_model()
    one_epoch.fit(x, y, epochs=1, **args)
    model = _small_model()
    backup = cb.BackupAndRestore(str(tmp_path), save_freq=save_freq)
    with pytest.raises(RuntimeError, match="crash"):
        model.fit(x, y, epochs=3, callbacks=[backup, _FailAt(1, 2)], **args)
    metadata = json.loads((tmp_path / "training_metadata.json").read_text())
    saved = _small_model()
    saved.load_weights(str(tmp_path / "latest.weights.h5"))
    if save_freq == "epoch":  # the end of epoch 0, not batch 2 of epoch 1
        assert metadata == {"epoch": expected_epochs, "batch": 0}
        for a, b in zip(saved.get_weights(), one_epoch.get_weights()):
            np.testing.assert_array_equal(a, b)
    else:  # every 2 batches: the last at batch 1 of epoch 1 (6 batches seen)
        assert metadata == {"epoch": 1, "batch": 1}
        assert not all(np.array_equal(a, b) for a, b in
                       zip(saved.get_weights(), one_epoch.get_weights()))


def test_swap_ema_weights_predicts_with_the_averages_and_trains_on_the_raw():
    x = np.random.default_rng(1).normal(size=(8, 2)).astype("float32")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    optimizer = keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5)
    model.compile(optimizer, "mse")
    model.fit(x, x[:, :1], batch_size=2, epochs=1, verbose=0)  # ends holding the averages
    raw = [np.full((2, 1), 0.5, "float32"), np.full(1, -1.0, "float32")]
    model.set_weights(raw)
    averages = [a.numpy().copy() for a in optimizer._averages]
    assert not all(np.array_equal(a, b) for a, b in zip(raw, averages))
    swap = cb.SwapEMAWeights()  # predict takes no callbacks here: its hooks, directly
    swap.set_model(model)
    for begin, end in ((swap.on_predict_begin, swap.on_predict_end),
                       (swap.on_test_begin, swap.on_test_end)):
        begin()
        for a, b in zip(model.get_weights(), averages):
            np.testing.assert_array_equal(a, b)
        end()
        for a, b in zip(model.get_weights(), raw):  # back to the raw weights after
            np.testing.assert_array_equal(a, b)
    evaluated = model.evaluate(x, x[:, :1], verbose=0, callbacks=[cb.SwapEMAWeights()])
    expected = np.mean((x @ averages[0] + averages[1] - x[:, :1]) ** 2)
    np.testing.assert_allclose(evaluated, expected, rtol=1e-5)


class _Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("target", [4, 7])
def test_progress_bar_fills_in_proportion_to_the_steps_done(target):
    stream = _Terminal()
    bar = Progbar(target, verbose=1, stream=stream, interval=0.0)
    for step in range(1, target + 1):
        bar.update(step)
        line = stream.getvalue().rsplit("\r", 1)[-1]
        assert line.split(" ")[1].count("━") == BAR_WIDTH * step // target, line


def test_checkpoint_driven_by_batch_hooks_alone_saves_under_epoch_1(tmp_path):
    """A custom loop that calls only on_train_batch_end (no epoch hooks): every
    save_freq batches a file, named for epoch 1 (Keras's epoch counter starts at 0) and
    the batches counted from the first."""
    model = _small_model()
    checkpoint = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "m_{epoch}_{batch}.weights.h5"), save_weights_only=True,
        save_freq=2)
    checkpoint.set_model(model)
    for batch in range(5):
        checkpoint.on_train_batch_end(batch, {"loss": 1.0})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m_1_2.weights.h5",
                                                          "m_1_4.weights.h5"]
