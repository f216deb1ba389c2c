"""keras.utils.PyDataset (and its old name, Sequence): batches by index, for fit,
evaluate and predict.

Subclass it with `__len__` (batches per epoch) and `__getitem__(index)` returning
`x`, `(x, y)` or `(x, y, sample_weight)`; `on_epoch_end` runs after each pass.
kerasmini reads the batches in order in the calling thread: `workers`,
`use_multiprocessing` and `max_queue_size` other than Keras's defaults raise.
"""


class PyDataset:
    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        for name, value, default in (("workers", workers, 1),
                                     ("use_multiprocessing", use_multiprocessing, False),
                                     ("max_queue_size", max_queue_size, 10)):
            if value != default:
                raise NotImplementedError(
                    f"kerasmini reads a PyDataset's batches in the calling thread: "
                    f"{name}={value!r} is not supported (only {default!r}).")
        self.workers, self.use_multiprocessing = workers, use_multiprocessing
        self.max_queue_size = max_queue_size

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def on_epoch_begin(self):
        pass

    def on_epoch_end(self):
        pass


Sequence = PyDataset
