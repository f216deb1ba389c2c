"""The batches of each epoch, as Keras's EpochIterator hands them to fit and evaluate:
from arrays (sliced by batches.py), from a keras.utils.PyDataset (or Sequence), or from a
Python generator.

With `steps_per_epoch` an epoch takes that many batches and the next epoch continues the
same pass over the data; when a pass runs out early, the epoch ends there with Keras's
warning and the next epoch starts a new pass (a generator is never restarted: it is
simply asked for more).
"""
import warnings

from kerasmini.models import batches as data

RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your "
           "dataset or generator can generate at least `steps_per_epoch * epochs` batches.")


def is_dataset(x):
    """A PyDataset / Sequence (indexed batches with a length) or a generator / iterator;
    not an array, nor a list, tuple or dict of arrays."""
    if x is None or isinstance(x, (list, tuple, dict)) or hasattr(x, "shape"):
        return False
    return hasattr(x, "__next__") or (hasattr(x, "__getitem__") and hasattr(x, "__len__"))


def unpack(batch):
    """(x, y, sample_weight) from a batch a dataset yields, as Keras unpacks it."""
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple):
        return batch, None, None
    if not 1 <= len(batch) <= 3:
        raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                         f"`(x, y, sample_weight)`, found a tuple of {len(batch)} items.")
    return batch + (None,) * (3 - len(batch))


class ArrayBatches:
    """Batches of arrays already checked by fit; a fresh permutation for each pass."""

    def __init__(self, x, y, sample_weight, batch_size, shuffle, rng):
        self.arrays = (x, y, sample_weight)
        self.count = data.sample_count(x, y, sample_weight)
        self.batch_size, self.shuffle, self.rng = batch_size, shuffle, rng
        self.num_batches = data.batch_count(self.count, batch_size)
        self._pending = []

    def epoch(self, steps=None):
        if not self._pending:
            self._pending = data.batch_indices(self.count, self.batch_size, self.shuffle,
                                               self.rng)
        steps = steps or self.num_batches
        indices, self._pending = self._pending[:steps], self._pending[steps:]
        if len(indices) < steps:
            warnings.warn(RAN_OUT, stacklevel=3)
        for index in indices:
            yield tuple(data.take(a, index) for a in self.arrays)


class DatasetBatches:
    """Batches from a PyDataset (`len(ds)` batches a pass, `ds[i]` each, in a random
    order when fit shuffles, as Keras) or a generator (read as it comes), each passed
    through `prepare` (fit's checks).

    A PyDataset's hooks run when Keras's EpochIterator runs them: `on_epoch_end()` once
    when fit or evaluate starts (`reset=True`: Keras resets its iterator, so a dataset
    that reshuffles there starts reshuffled), then `on_epoch_begin()` and
    `on_epoch_end()` around every epoch, a partial pass (steps_per_epoch) included."""

    def __init__(self, dataset, prepare, shuffle=False, rng=None, reset=False):
        self.dataset, self.prepare = dataset, prepare
        # what stands for a tf.data.Dataset keeps its order, as fit's shuffle leaves one
        self.shuffle = shuffle and not getattr(dataset, "fixed_order", False)
        self.rng = rng
        self.indexed = not hasattr(dataset, "__next__")
        self.num_batches = len(dataset) if self.indexed else None
        self._pending = []
        if not self.indexed:
            self._iterator = iter(dataset)
        elif reset:
            self._hook("on_epoch_end")

    def _hook(self, name):
        hook = getattr(self.dataset, name, None)
        if hook is not None:
            hook()

    def epoch(self, steps=None):
        if not self.indexed:
            return self._from_generator(steps)
        return self._from_indexed(steps)

    def _from_indexed(self, steps):
        self._hook("on_epoch_begin")
        if not self._pending:
            self._pending = (list(self.rng.permutation(self.num_batches)) if self.shuffle
                             else list(range(self.num_batches)))
        steps = steps or self.num_batches
        indices, self._pending = self._pending[:steps], self._pending[steps:]
        if len(indices) < steps:
            warnings.warn(RAN_OUT, stacklevel=3)
        for index in indices:
            yield self.prepare(*unpack(self.dataset[index]))
        self._hook("on_epoch_end")

    def _from_generator(self, steps):
        taken = 0
        while steps is None or taken < steps:
            try:
                batch = next(self._iterator)
            except StopIteration:
                if steps is not None:
                    warnings.warn(RAN_OUT, stacklevel=3)
                return
            taken += 1
            yield self.prepare(*unpack(batch))
