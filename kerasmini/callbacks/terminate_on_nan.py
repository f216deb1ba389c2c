"""TerminateOnNaN: stop training as soon as a batch's loss is NaN or infinite."""
import numpy as np

from kerasmini.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True
