"""CSVLogger: one CSV row per epoch (epoch, then the logs' keys in sorted order, and
"val_" columns of "NA" when the first epoch logged none, as Keras 3)."""
import csv
import os

import numpy as np

from kerasmini.callbacks.callback import Callback


class CSVLogger(Callback):
    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.csv_file = None

    def on_train_begin(self, logs=None):
        append_header = not (self.append and os.path.exists(self.filename)
                             and os.path.getsize(self.filename) > 0)
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        self._append_header = append_header

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            # as Keras 3: without validation keys, columns for them anyway (filled with
            # "NA"), so that epochs validated later (validation_freq) have a place
            if self.keys and not any(k.startswith("val_") for k in self.keys):
                self.keys += [f"val_{k}" for k in self.keys]
            fields = ["epoch"] + self.keys
            self.writer = csv.DictWriter(self.csv_file, fieldnames=fields,
                                         delimiter=self.sep)
            if self._append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update({k: _cell(logs.get(k, "NA")) for k in self.keys})
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
        self.writer = None


def _cell(value):
    """What Keras writes: a sequence as "[a, b]" (quotes included), anything else as
    csv writes it (a NumPy scalar by its own str: float32 0.33333334, not the float64
    digits of its value)."""
    if isinstance(value, str) or np.ndim(value) == 0:
        return value
    return f'"[{", ".join(map(str, value))}]"'
