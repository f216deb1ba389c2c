"""TerminateOnNaN: stop training as soon as a batch's loss is NaN or infinite: gracefully
(stop_training, every callback's on_train_end runs) or, with raise_error=True, at once by
a RuntimeError (no cleanup runs: a backup is kept, as Keras)."""
import numpy as np

from kerasmini.callbacks.callback import Callback
from kerasmini.utils.io_utils import print_msg


class TerminateOnNaN(Callback):
    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            if self.raise_error:
                raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. "
                                   f"Loss value: {loss}. Terminating training immediately.")
            print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
