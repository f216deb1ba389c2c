"""SwapEMAWeights: evaluate (and optionally checkpoint) with the optimizer's moving
averages of the weights (`use_ema=True`), then train on from the raw weights.

The model's weights and the optimizer's averages trade places before evaluation and back
after it; with `swap_on_epoch=True` also at each epoch's end and begin, so that callbacks
after this one (ModelCheckpoint) see the averages, and after the last epoch the model
keeps them. Keras's TensorFlow backend swaps by a + b, a - b, a - b, which rounds; here
the arrays themselves trade places, exactly.
"""
from kerasmini.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _optimizer(self):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "_averages"):
            raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on "
                             "the optimizer. Received: "
                             f"use_ema={getattr(optimizer, 'use_ema', None)}")
        return optimizer

    def _swap(self, in_model):
        if self._ema_weights_in_model == in_model:
            return
        optimizer = self._optimizer()
        for variable, average in zip(optimizer._trainable_variables, optimizer._averages):
            weights = variable.value
            variable.assign(average.value)
            average.assign(weights)
        self._ema_weights_in_model = in_model

    def _keep_averages(self):
        """After the last epoch: both copies hold the averages (Keras's finalize)."""
        optimizer = self._optimizer()
        for variable, average in zip(optimizer._trainable_variables, optimizer._averages):
            average.assign(variable.value)

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._swap(in_model=False)

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap(in_model=True)
            if epoch == self.params["epochs"] - 1:
                self._keep_averages()

    def on_test_begin(self, logs=None):
        self._swap(in_model=True)

    def on_test_end(self, logs=None):
        self._swap(in_model=False)

    def on_predict_begin(self, logs=None):
        self._swap(in_model=True)

    def on_predict_end(self, logs=None):
        self._swap(in_model=False)
