"""BackupAndRestore: an interrupted fit resumed from its backup ends with the weights and
optimizer state of a fit never interrupted; backups by epoch and by batch, the previous
backup used when the latest is corrupt, hostile metadata refused with nothing changed."""
import json
import os

import numpy as np
import pytest

import kerasmini as keras
from kerasmini.saving.safe_reading import FileFormatError

X = np.linspace(-1, 1, 48, dtype="float32").reshape(16, 3)
Y = np.stack([np.sin(X.sum(1)), X[:, 0] * X[:, 1]], 1).astype("float32")
ARGS = dict(batch_size=4, shuffle=False, verbose=0)


def _model():
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(2)])
    model.compile(keras.optimizers.Adam(learning_rate=0.05), "mse")
    return model


class _Interrupt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("interrupted")


@pytest.mark.parametrize("save_freq", ["epoch", 3])
def test_interrupted_fit_resumes_as_if_never_interrupted(tmp_path, save_freq):
    whole = _model()
    whole.fit(X, Y, epochs=5, **ARGS)
    model = _model()
    backup = keras.callbacks.BackupAndRestore(tmp_path / "b", save_freq=save_freq)
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(X, Y, epochs=5, callbacks=[backup, _Interrupt(2)], **ARGS)
    metadata = json.loads((tmp_path / "b" / "training_metadata.json").read_text())
    # by epoch: 3 completed (the backup runs before the interrupting callback); every 3
    # batches (4 per epoch), counted across epochs: the last at batch 3 of the third
    assert metadata == ({"epoch": 3, "batch": 0} if save_freq == "epoch"
                        else {"epoch": 2, "batch": 3})
    fresh = _model()  # a new process: new weights, the backup brings them back
    history = fresh.fit(X, Y, epochs=5, callbacks=[
        keras.callbacks.BackupAndRestore(tmp_path / "b", save_freq=save_freq)], **ARGS)
    if save_freq == "epoch":
        assert len(history.history["loss"]) == 2  # epochs 4 and 5
        for a, b in zip(fresh.get_weights(), whole.get_weights()):
            np.testing.assert_array_equal(a, b)
        assert int(np.asarray(fresh.optimizer.iterations)) == 20
    assert not (tmp_path / "b").exists()  # delete_checkpoint after a finished fit
    later = fresh.fit(X, Y, epochs=1, **ARGS)  # the restored epoch served one fit only
    assert len(later.history["loss"]) == 1


def test_kept_backups_and_the_previous_one(tmp_path):
    model = _model()
    backup = keras.callbacks.BackupAndRestore(tmp_path, double_checkpoint=True,
                                              delete_checkpoint=False)
    model.fit(X, Y, epochs=3, callbacks=[backup], **ARGS)
    names = sorted(os.listdir(tmp_path))
    assert names == ["latest.weights.h5", "latest.weights.h5.bkp",
                     "training_metadata.json", "training_metadata.json.bkp"]
    assert json.loads((tmp_path / "training_metadata.json.bkp").read_text())["epoch"] == 2
    (tmp_path / "latest.weights.h5").write_bytes(b"not hdf5")  # a crash mid-write
    fresh = _model()
    history = fresh.fit(X, Y, epochs=4, callbacks=[keras.callbacks.BackupAndRestore(
        tmp_path, delete_checkpoint=False)], **ARGS)
    assert len(history.history["loss"]) == 2  # resumed from the previous backup: epoch 2


@pytest.mark.parametrize("metadata", ['{"epoch": -1}', '[2]', '{"epoch": "2"}',
                                      '{"epoch": true}', "x" * 5000, "{"])
def test_hostile_metadata_is_refused_and_changes_nothing(tmp_path, metadata):
    _model().fit(X, Y, epochs=1, callbacks=[keras.callbacks.BackupAndRestore(
        tmp_path, delete_checkpoint=False)], **ARGS)
    (tmp_path / "training_metadata.json").write_text(metadata)
    model = _model()
    model.optimizer.build(model.trainable_variables)
    before = model.get_weights()
    with pytest.raises(FileFormatError):
        model.fit(X, Y, epochs=2, callbacks=[keras.callbacks.BackupAndRestore(tmp_path)],
                  **ARGS)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert int(np.asarray(model.optimizer.iterations)) == 0


def test_linked_backup_is_refused(tmp_path):
    _model().fit(X, Y, epochs=1, callbacks=[keras.callbacks.BackupAndRestore(
        tmp_path / "real", delete_checkpoint=False)], **ARGS)
    (tmp_path / "b").mkdir()
    os.symlink(tmp_path / "real" / "latest.weights.h5", tmp_path / "b" / "latest.weights.h5")
    with pytest.raises(FileFormatError, match="symbolic link"):
        _model().fit(X, Y, epochs=1, callbacks=[keras.callbacks.BackupAndRestore(
            tmp_path / "b")], **ARGS)


def test_arguments_and_a_model_fit_builds(tmp_path):
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        keras.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq=batch"):
        keras.callbacks.BackupAndRestore(tmp_path, save_freq="batch")
    model = keras.Sequential([keras.layers.Dense(2)])  # built by fit before the callbacks
    model.compile("sgd", "mse")
    model.fit(X, Y, callbacks=[keras.callbacks.BackupAndRestore(tmp_path)], **ARGS)
    assert not tmp_path.exists()
