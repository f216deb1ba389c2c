"""MonitorCallback: what EarlyStopping, ReduceLROnPlateau and ModelCheckpoint share: a
monitored log entry, its direction, and what counts as an improvement."""
import warnings

import numpy as np

from kerasmini.callbacks.callback import Callback


class MonitorCallback(Callback):
    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to "
                          "auto mode.", stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        """min / max as asked; in mode 'auto', down for the loss, else the direction of
        the compiled metric of that name (Keras's rule: nothing guessed from a name)."""
        direction = {"min": "down", "max": "up"}.get(self.mode) or _direction(
            self.monitor.removeprefix("val_"), self.model)
        if direction in ("down", "up"):
            self.monitor_op = np.less if direction == "down" else np.greater
        else:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor}, but "
                "Keras isn't able to automatically determine whether that metric should "
                "be maximized or minimized. Pass `mode='max'` in order to monitor based "
                "on the highest metric value, or pass `mode='min'` in order to use the "
                "lowest value.")
        if self.monitor_op is np.less:
            self.min_delta = -abs(self.min_delta)

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        return bool(self.monitor_op(value - self.min_delta, reference))


def _direction(name, model):
    """'down' for the loss, else the `_direction` of the compiled metric named `name`."""
    if name == "loss":
        return "down"
    found = None
    for metric in getattr(model, "_compiled_metrics", None) or []:
        if metric.name == name and getattr(metric, "_direction", None):
            found = metric._direction  # the last of that name, as Keras's loop
    return found
