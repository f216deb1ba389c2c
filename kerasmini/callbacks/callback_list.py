"""CallbackList: calls every callback's hook in order (a History and a progress bar added
as fit adds them)."""
from kerasmini.callbacks.callback import Callback
from kerasmini.callbacks.history import History
from kerasmini.callbacks.progbar_logger import ProgbarLogger

HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
         "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
         "on_predict_batch_end", "on_train_begin", "on_train_end", "on_test_begin",
         "on_test_end", "on_predict_begin", "on_predict_end")


class CallbackList(Callback):
    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        # one callback alone is taken as a list of one, as Keras's tree.flatten does
        callbacks = [callbacks] if isinstance(callbacks, Callback) else list(callbacks or [])
        for c in callbacks:
            if not isinstance(c, Callback):
                raise TypeError("Argument `callbacks` must be a list of "
                                f"keras.callbacks.Callback instances. Received: {c!r}")
        # a History among the callbacks is the one set as model.history, as in Keras
        self.history = next((c for c in callbacks if isinstance(c, History)), None)
        if add_history and self.history is None:
            self.history = History()
            callbacks.append(self.history)
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in callbacks):
            callbacks.append(ProgbarLogger())
        self.callbacks = callbacks
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        super().set_params(params)
        for c in self.callbacks:
            c.set_params(params)

    def set_model(self, model):
        """Also sets model.history at once (Keras does), so a fit that runs no epoch
        (epochs <= initial_epoch) still leaves its History there."""
        super().set_model(model)
        for c in self.callbacks:
            c.set_model(model)
        if self.history is not None:
            model.history = self.history


def _dispatch(name):
    takes_index = "epoch" in name or "batch" in name  # on_epoch_end(epoch, logs), ...

    def hook(self, *args, logs=None):
        if len(args) > takes_index:
            *args, logs = args
        # every callback gets a dict, {} when there are no logs yet (Keras's
        # pythonify_logs), and they share one copy: what one adds (ReduceLROnPlateau's
        # learning_rate) reaches the later ones but not the caller's dict
        logs = {} if logs is None else dict(logs)
        for c in self.callbacks:
            getattr(c, name)(*args, logs)
    hook.__name__ = name
    return hook


for _name in HOOKS:
    setattr(CallbackList, _name, _dispatch(_name))
