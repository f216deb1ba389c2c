"""Callbacks, as keras.callbacks: hooks into fit / evaluate / predict.

Each is imported on first use (kerasmini/lazy_exports.py).
"""
from kerasmini.lazy_exports import lazy_exports

_EXPORTS = {
    "BackupAndRestore": ".refused_callbacks",
    "CSVLogger": ".csv_logger",
    "Callback": ".callback",
    "CallbackList": ".callback_list",
    "EarlyStopping": ".early_stopping",
    "History": ".history",
    "LambdaCallback": ".lambda_callback",
    "LearningRateScheduler": ".learning_rate_scheduler",
    "ModelCheckpoint": ".model_checkpoint",
    "ProgbarLogger": ".progbar_logger",
    "ReduceLROnPlateau": ".reduce_lr_on_plateau",
    "RemoteMonitor": ".refused_callbacks",
    "SwapEMAWeights": ".swap_ema_weights",
    "TensorBoard": ".refused_callbacks",
    "TerminateOnNaN": ".terminate_on_nan",
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
