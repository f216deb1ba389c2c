"""BackupAndRestore: a fit that was interrupted (a crash, a kill, an exception in a
callback) resumes where its last backup left it when run again with the same backup_dir.

Files, as Keras writes them (so a backup from tf.keras resumes here and the other way):
- `latest.weights.h5`: the model's weights and the optimizer's state, written and read
  by kerasmini's saving code (links, external storage, shapes and sizes checked before
  anything is assigned; a file that does not fit changes nothing);
- `training_metadata.json`: {"epoch": epochs completed, "batch": last batch seen}, read
  only when small and only as a JSON object whose epoch is a non-negative integer;
- with double_checkpoint, the previous pair as `*.bkp`, used when the latest is corrupt.
The next fit starts at the saved epoch (Keras restarts that epoch from its first batch
even when it was saved mid-epoch with an integer save_freq; so does kerasmini). With
delete_checkpoint, a fit that ends normally removes backup_dir.
"""
import json
import os
import shutil

from kerasmini.callbacks.callback import Callback
from kerasmini.saving import safe_reading as safe

MAX_METADATA_BYTES = 4096  # {"epoch": ..., "batch": ...} is a few dozen bytes


class BackupAndRestore(Callback):
    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen = 0
        self._current_epoch = 0
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        self.backup_dir = os.fspath(backup_dir)
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._training_metadata_path = os.path.join(self.backup_dir,
                                                    "training_metadata.json")
        self._prev_weights_path = f"{self._weights_path}.bkp"
        self._prev_training_metadata_path = f"{self._training_metadata_path}.bkp"
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError("Invalid value for argument `save_freq`. Received: "
                             f"save_freq={save_freq}. Expected either 'epoch' or an "
                             "integer value.")

    # ----- restoring ---------------------------------------------------------------
    def on_train_begin(self, logs=None):
        """Load the latest backup; if it is unreadable, the previous one (as Keras)."""
        try:
            self._load_model()
        except (OSError, safe.FileFormatError):
            if not os.path.exists(self._prev_weights_path):
                raise
            shutil.copyfile(self._prev_weights_path, self._weights_path)
            if os.path.exists(self._prev_training_metadata_path):
                shutil.copyfile(self._prev_training_metadata_path,
                                self._training_metadata_path)
            elif os.path.exists(self._training_metadata_path):
                os.remove(self._training_metadata_path)
            self._load_model()

    def _load_model(self):
        if not self.model.built:
            raise ValueError("To use the BackupAndRestore callback, you model must be "
                             f"built before you call `fit()`. Model {self.model} is "
                             "unbuilt. You can build it beforehand by calling it on a "
                             "batch of data.")
        epoch = (_read_epoch(self._training_metadata_path)
                 if os.path.exists(self._training_metadata_path) else None)
        if os.path.exists(self._weights_path):
            _refuse_link(self._weights_path)
            optimizer = getattr(self.model, "optimizer", None)
            if optimizer is not None and not optimizer.built:
                optimizer.build(self.model.trainable_variables)
            self.model.load_weights(self._weights_path)
        if epoch is not None:
            self.model._initial_epoch = epoch

    # ----- backing up --------------------------------------------------------------
    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save_model()

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model()

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path, previous in ((self._weights_path, self._prev_weights_path),
                                   (self._training_metadata_path,
                                    self._prev_training_metadata_path)):
                if os.path.exists(path):
                    shutil.copyfile(path, previous)
        self.model.save_weights(self._weights_path, overwrite=True)
        with open(self._training_metadata_path, "w") as f:
            f.write(json.dumps({"epoch": self._current_epoch,
                                "batch": self._last_batch_seen}))

    def _should_save_on_batch(self, batch):
        """Every `save_freq` batches, counted across epochs (a batch index that starts
        again counts from 0)."""
        if self.save_freq == "epoch":
            return False
        if batch <= self._last_batch_seen:
            added = batch + 1
        else:
            added = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += added
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            return True
        return False

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)


def _refuse_link(path):
    if os.path.islink(path):
        raise safe.FileFormatError(f"{path} is a symbolic link; a backup is read only "
                                   "from a regular file.")


def _read_epoch(path):
    """The completed epochs a training_metadata.json records, checked as data."""
    _refuse_link(path)
    size = os.path.getsize(path)
    if size > MAX_METADATA_BYTES:
        raise safe.FileFormatError(f"{path} holds {size} bytes; training metadata is a "
                                   f"few dozen (at most {MAX_METADATA_BYTES} are read).")
    with open(path, "rb") as f:
        metadata = safe.parse_json_object(f.read(), path)
    epoch = metadata.get("epoch")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise safe.FileFormatError(f"{path} must record the completed epochs as a "
                                   f"non-negative integer. Received: epoch={epoch!r}")
    return epoch
