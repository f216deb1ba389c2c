"""ModelCheckpoint: save the model (`.keras`) or its weights (`.weights.h5`) at the end of
each epoch, or every `save_freq` batches (counted across epochs, as Keras counts them),
or only when the monitored value improves, through kerasmini's saving code. `filepath`
may hold format fields: "ckpt-{epoch:02d}-{val_loss:.2f}.keras", and "{batch}" (from
1) when saving by batches."""
import os
import warnings

from kerasmini.callbacks.monitor_callback import MonitorCallback
from kerasmini.utils.io_utils import print_msg


class ModelCheckpoint(MonitorCallback):
    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are "
                             "'epoch' or integer values")
        self.save_freq = save_freq
        self._batches_since_saving, self._last_batch, self._current_epoch = 0, None, 0
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, "
                             "the filepath provided must end in `.weights.h5` (Keras "
                             f"weights format). Received: filepath={self.filepath}")
        if not save_weights_only and not self.filepath.endswith(".keras"):
            raise ValueError("The filepath provided must end in `.keras` (Keras model "
                             f"format). Received: filepath={self.filepath}")

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _save_on_batch(self, batch):
        """Every save_freq batches; a batch index not above the last one starts a new
        epoch (with steps_per_execution, `batch` jumps by that many)."""
        if self.save_freq == "epoch":
            return False
        new_epoch = self._last_batch is None or batch <= self._last_batch
        self._batches_since_saving += batch + 1 if new_epoch else batch - self._last_batch
        self._last_batch = batch
        if self._batches_since_saving >= self.save_freq:
            self._batches_since_saving = 0
            return True
        return False

    def _save_model(self, epoch, batch, logs):
        logs = logs or {}
        if self.save_best_only:
            if self.monitor_op is None:
                self._set_monitor_op()
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available.",
                              stacklevel=2)
                return
            best = "None" if self.best is None else f"{self.best:.5f}"
            if not self._is_improvement(current, self.best):
                if self.verbose > 0:
                    print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
                return
            self.best = current
        fields = {} if batch is None or "batch" in logs else {"batch": batch + 1}
        path = self.filepath.format(epoch=epoch + 1, **fields, **logs)
        if self.verbose > 0 and self.save_best_only:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                      f"{current:.5f}, saving model to {path}")
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)
        if self.verbose > 0 and not self.save_best_only:
            print_msg(f"\nEpoch {epoch + 1}: saving model to {path}")
