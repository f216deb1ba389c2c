"""Discretization: numbers -> the index of the bin they fall in (bucketizing)."""
import itertools

import numpy as np

from kerasmini import autodiff
from kerasmini.layers.arguments import is_int
from kerasmini.layers.layer import Layer
from kerasmini.layers.preprocessing import categorical

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


class Discretization(Layer):
    """x -> i with bin_boundaries[i-1] <= x < bin_boundaries[i] (0 below the first
    boundary, len(bin_boundaries) from the last one up), as int32; or that index
    one-hot / multi-hot / counted (output_mode, in the layer's float dtype).

    Args:
        bin_boundaries: the sorted boundaries; or
        num_bins: learn num_bins - 1 boundaries at the quantiles of `adapt(data)`,
            with Keras's approximate quantile summary of relative precision `epsilon`.
        output_mode: "int" (default), "one_hot", "multi_hot", "count".
        sparse: only False.

    The output has no gradient (it is a step function), as in Keras.
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01,
                 output_mode="int", sparse=False, dtype=None, name=None):
        if sparse:
            raise ValueError(f"Discretization(sparse={sparse!r}) is not supported by "
                             "kerasmini (it has no sparse arrays).")
        if output_mode not in OUTPUT_MODES:
            raise ValueError("Unknown value for `output_mode` argument of Discretization. "
                             f"Allowed values are: {OUTPUT_MODES}. Received: "
                             f"output_mode={output_mode}")
        if num_bins is not None and (not is_int(num_bins) or num_bins < 0):
            raise ValueError("`num_bins` must be greater than or equal to 0. Received: "
                             f"`num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError("Both `num_bins` and `bin_boundaries` should not be set. "
                             f"Received: `num_bins={num_bins}` and "
                             f"`bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("You need to set either `num_bins` or `bin_boundaries`.")
        super().__init__(dtype=dtype, name=name)
        self.bin_boundaries = None if bin_boundaries is None else \
            [float(b) for b in np.ravel(bin_boundaries)]
        self.num_bins, self.epsilon = num_bins, epsilon
        self.output_mode, self.sparse = output_mode, False
        self._build_at_init()

    def _convert_input(self, inputs):
        if autodiff.is_live(inputs):
            return categorical.integer_indices(self, inputs)  # raises: no gradient
        return super()._convert_input(inputs)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        return categorical.encoded_shape(input_shape, self.output_mode, self._depth())

    def _depth(self):
        return self.num_bins if self.bin_boundaries is None else len(self.bin_boundaries) + 1

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("You need to either pass the `bin_boundaries` argument at "
                             "construction time or call `adapt(dataset)` before you can "
                             "start using the `Discretization` layer.")
        boundaries = np.asarray(self.bin_boundaries, dtype=inputs.dtype)
        indices = np.digitize(inputs, boundaries).astype(np.int32)
        if self.output_mode == "int":
            return indices
        return categorical.encode(indices, self.output_mode, self._depth(), self.dtype)

    def adapt(self, data, steps=None):
        """Boundaries at the 1/num_bins, 2/num_bins, ... quantiles of `data` (an array,
        or a list of arrays: batches), by Keras's summary algorithm, so that both
        libraries find the same boundaries."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been "
                             "initialized with `bin_boundaries`, use `num_bins` instead.")
        batches = [data] if isinstance(data, np.ndarray) else \
            itertools.islice(data, steps)  # an iterable of batches, as Keras reads it
        summary = np.zeros((2, 0), np.float32)
        for batch in batches:
            batch_summary = quantile_summary(np.asarray(batch, np.float32), self.epsilon)
            merged = np.concatenate((batch_summary, summary), axis=1)
            summary = compressed(merged[:, np.argsort(merged[0])], self.epsilon)
        self.bin_boundaries = compressed(summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def get_config(self):  # Keras's keys, in Keras's order (no "trainable")
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode,
                "sparse": False, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        """An adapted layer's config holds both num_bins and the learned boundaries."""
        config = dict(config)
        learned = config.pop("bin_boundaries") if config.get("num_bins") is not None \
            else None
        layer = cls(**config)
        if learned is not None:
            layer.bin_boundaries = [float(b) for b in learned]
        return layer


def quantile_summary(values, epsilon):
    """[values; weights]: every step-th sorted value (step = size * epsilon, at least
    1), each standing for `step` values."""
    values = np.sort(values.ravel())
    step = max(values.size / (1.0 / epsilon), 1)
    picked = values[int(step - 1)::int(step)]
    return np.stack([picked, np.ones_like(picked) * step])


def compressed(summary, epsilon):
    """About 1/epsilon points of the cumulative distribution a summary describes,
    found by interpolating its cumulative weights at epsilon, 2 epsilon, ..., 1."""
    if summary.shape[1] * epsilon < 1:
        return summary
    targets = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    fractions = cumulative / cumulative[-1]
    values = np.interp(targets, fractions, summary[0])
    cumulative = np.interp(targets, fractions, cumulative)
    weights = np.diff(cumulative, prepend=0.0)
    return np.stack((values, weights)).astype(np.float32)
