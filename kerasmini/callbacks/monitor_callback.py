"""MonitorCallback: what EarlyStopping, ReduceLROnPlateau and ModelCheckpoint share: a
monitored log entry, its direction, and what counts as an improvement."""
import warnings

import numpy as np

from kerasmini.callbacks.callback import Callback
from kerasmini.metrics.reduction_metrics import MeanMetricWrapper

_UP = ("accuracy", "acc", "auc", "precision", "recall")


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
        name = self.monitor.removeprefix("val_")
        if self.mode == "min" or self.mode == "auto" and (name == "loss" or name in
                                                          _loss_like_metrics(self.model)):
            self.monitor_op = np.less
        elif self.mode == "max" or name.endswith(_UP):
            self.monitor_op = np.greater
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


def _loss_like_metrics(model):
    names = []
    for metric in getattr(model, "_compiled_metrics", None) or []:
        if isinstance(metric, MeanMetricWrapper) and "error" in type(metric).__name__.lower():
            names.append(metric.name)
    return names
