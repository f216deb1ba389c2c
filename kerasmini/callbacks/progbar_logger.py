"""The progress display of fit/evaluate/predict, as Keras prints it.

verbose=1: "Epoch 3/10", then one bar per epoch, "12/47 ━━━━━━━━━━━━━━━━━━━━ 1s 21ms/step
- accuracy: 0.9141 - loss: 0.2710" redrawn in place on a terminal; when stdout is not a
terminal (a log file, CI) only the finished line is written, once per epoch, so logs do
not fill with redraws. verbose=2: one line per epoch, "47/47 - 1s - 21ms/step - ...".
With interactive logging off (keras.config.disable_interactive_logging()) the finished
lines go to the `kerasmini` logger instead (utils/io_utils.py), never redrawn.
"""
import sys
import time

import numpy as np

from kerasmini.callbacks.callback import Callback
from kerasmini.utils import io_utils

BAR_WIDTH = 20


def format_value(value):
    value = float(np.mean(value))  # several thresholds: their mean, as Keras shows
    return f"{value:.4f}" if abs(value) > 1e-3 or value == 0 else f"{value:.4e}"


def format_time_per_step(seconds):
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


class Progbar:
    def __init__(self, target, verbose=1, stream=None, interval=0.05):
        self.target = target
        self.verbose = verbose
        self.stream = stream  # None: io_utils.print_msg (stdout or the logger)
        self.interval = interval
        shown_on = stream or sys.stdout
        self.dynamic = (io_utils.is_interactive_logging_enabled() or stream is not None) \
            and hasattr(shown_on, "isatty") and shown_on.isatty()
        self.start = time.perf_counter()
        self.last_draw = 0.0

    def _line(self, step, logs, finalize):
        elapsed = time.perf_counter() - self.start
        per_step = elapsed / max(step, 1)
        metrics = "".join(f" - {k}: {format_value(v)}" for k, v in (logs or {}).items())
        total = self.target if self.target is not None else "Unknown"
        if self.verbose == 2:
            return f"{step}/{total} - {elapsed:.0f}s - {format_time_per_step(per_step)}{metrics}"
        if self.target:
            done = int(BAR_WIDTH * step / self.target)
            bar = "━" * done + ("━" * (BAR_WIDTH - done) if finalize else " " *
                                (BAR_WIDTH - done))
        else:
            bar = ""
        shown = elapsed if finalize else per_step * ((self.target or step) - step)
        return f"{step}/{total} {bar} {shown:.0f}s {format_time_per_step(per_step)}{metrics}"

    def update(self, step, logs=None, finalize=False):
        if self.verbose == 1 and self.dynamic:
            now = time.perf_counter()
            if finalize or now - self.last_draw >= self.interval:
                stream = self.stream or sys.stdout
                stream.write("\r" + self._line(step, logs, finalize) + "\x1b[K")
                self.last_draw = now
                if finalize:
                    stream.write("\n")
                stream.flush()
        elif finalize and self.verbose in (1, 2):
            self._write_line(self._line(step, logs, finalize))

    def _write_line(self, line):
        if self.stream is None:
            io_utils.print_msg(line)
        else:
            self.stream.write(line + "\n")
            self.stream.flush()


class ProgbarLogger(Callback):
    def __init__(self):
        super().__init__()
        self.progbar = None
        self.step = 0

    def set_params(self, params):
        super().set_params(params)
        self.verbose = params.get("verbose", 1)
        self.epochs = params.get("epochs", 1)
        self.steps = params.get("steps")

    def _start(self, target):
        self.step = 0
        self.progbar = Progbar(target, verbose=self.verbose)

    def on_train_begin(self, logs=None):
        self._training = True

    def on_train_end(self, logs=None):
        self._training = False

    def on_epoch_begin(self, epoch, logs=None):
        if self.verbose and self.epochs > 1:
            io_utils.print_msg(f"Epoch {epoch + 1}/{self.epochs}")
        self._start(self.steps)

    def on_train_batch_end(self, batch, logs=None):
        self.step = batch + 1
        self.progbar.update(self.step, logs)

    def _finalize(self, logs):
        """The last line shows the target (as Keras's), not the last step named: with
        steps_per_execution a short last execution is named past the end."""
        self.progbar.update(self.progbar.target or self.step, logs, finalize=True)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_begin(self, logs=None):
        if not getattr(self, "_training", False):
            self._start(self.steps)

    def on_test_batch_end(self, batch, logs=None):
        if not getattr(self, "_training", False):
            self.step = batch + 1
            self.progbar.update(self.step, logs)

    def on_test_end(self, logs=None):
        if not getattr(self, "_training", False):
            self._finalize(logs)
