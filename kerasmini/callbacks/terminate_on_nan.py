"""TerminateOnNaN: stop training as soon as a batch's loss is NaN or infinite."""
import numpy as np

from kerasmini.callbacks.callback import Callback
from kerasmini.utils.io_utils import print_msg


class TerminateOnNaN(Callback):
    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print_msg(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
