"""Callbacks, as keras.callbacks: hooks into fit / evaluate / predict."""
from kerasmini.callbacks.callback import Callback
from kerasmini.callbacks.callback_list import CallbackList
from kerasmini.callbacks.csv_logger import CSVLogger
from kerasmini.callbacks.early_stopping import EarlyStopping
from kerasmini.callbacks.history import History
from kerasmini.callbacks.lambda_callback import LambdaCallback
from kerasmini.callbacks.learning_rate_scheduler import LearningRateScheduler
from kerasmini.callbacks.model_checkpoint import ModelCheckpoint
from kerasmini.callbacks.progbar_logger import ProgbarLogger
from kerasmini.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from kerasmini.callbacks.refused_callbacks import BackupAndRestore, RemoteMonitor, TensorBoard
from kerasmini.callbacks.swap_ema_weights import SwapEMAWeights
from kerasmini.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = ["BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping",
           "History", "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint",
           "ProgbarLogger", "ReduceLROnPlateau", "RemoteMonitor", "SwapEMAWeights",
           "TensorBoard", "TerminateOnNaN"]
