"""Normalization: (x - mean) / sqrt(variance), with given or adapted statistics."""
import numpy as np

from kerasmini import config
from kerasmini.layers.arguments import is_int
from kerasmini.layers.layer import Layer


def _zeros(shape, dtype=None):
    return np.zeros(shape, dtype=dtype)


def _ones(shape, dtype=None):
    return np.ones(shape, dtype=dtype)


class Normalization(Layer):
    """`(x - mean) / max(sqrt(variance), epsilon)` with one mean and variance per
    position of the kept `axis` (default -1: per channel); `invert=True` undoes it.

    The statistics are either given (`mean=`, `variance=`: then they are part of the
    config and the layer has no weights) or learned by `adapt(data)` and stored as the
    weights mean, variance and count (as in Keras's files).

    Args:
        axis: int, list of ints or None (one scalar mean over everything) -- the axes
            that keep their own statistics.
        mean, variance: optional numbers or arrays broadcastable to the kept axes.
        invert: apply `x * sqrt(variance) + mean` instead.
    """

    supports_masking = True  # hands the mask on unchanged, as Keras's does

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        axis = () if axis is None else (axis,) if is_int(axis) else tuple(axis)
        if not all(is_int(a) for a in axis):
            raise TypeError(f"Argument `axis` must be an int, a list of ints or None. "
                            f"Received: axis={axis}")
        if (mean is None) != (variance is None):
            raise ValueError("When setting values directly, both `mean` and `variance` "
                             f"must be set. Received: mean={mean} and variance={variance}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError("When setting values directly, `mean` and `variance` "
                                 f"must have the same shape. Received: mean shape "
                                 f"{np.shape(mean)} and variance shape {np.shape(variance)}")
            if len(np.shape(mean)) > len(axis):
                raise ValueError("The rank of `mean` must be less than or equal to the "
                                 f"number of axes ({len(axis)}). Received: mean shape "
                                 f"{np.shape(mean)} for axis {axis}")
        super().__init__(**kwargs)
        self.axis = tuple(int(a) for a in axis)
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self.adapt_mean = self.adapt_variance = self.count = None

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError("All `axis` values must be in the range [-ndim, ndim). "
                             f"Received inputs with ndim={ndim}, while axis={self.axis}")
        return input_shape

    def _kept_shape(self, input_shape):
        """The shape the statistics broadcast from: kept axes their size, others 1."""
        ndim = len(input_shape)
        kept = sorted(a % ndim for a in self.axis)
        return kept, [input_shape[d] if d in kept else 1 for d in range(ndim)]

    def build(self, input_shape):
        kept, broadcast = self._kept_shape(input_shape)
        if any(input_shape[d] is None for d in kept):
            raise ValueError(f"All `axis` values to be kept must have a known shape. "
                             f"Received axis={self.axis}, inputs.shape={tuple(input_shape)}")
        if self.input_mean is None:
            shape = tuple(input_shape[d] for d in kept)
            self.adapt_mean = self.add_weight(shape, _zeros, "mean", trainable=False)
            self.adapt_variance = self.add_weight(shape, _ones, "variance", trainable=False)
            self.count = self.add_weight((), _zeros, "count", trainable=False,
                                         dtype="int64")
        else:  # the given statistics must broadcast to the kept axes
            np.broadcast_to(np.asarray(self.input_mean), [broadcast[d] for d in kept])
        self._build_shape = tuple(input_shape)
        self.built = True

    def _statistics(self, x):
        kept, broadcast = self._kept_shape(x.shape)
        if self.input_mean is None:
            mean, variance = self.adapt_mean.value, self.adapt_variance.value
        else:
            mean = np.asarray(self.input_mean, dtype=x.dtype)
            variance = np.asarray(self.input_variance, dtype=x.dtype)
        kept_sizes = [broadcast[d] for d in kept]
        mean = np.broadcast_to(mean, kept_sizes).reshape(broadcast).astype(x.dtype)
        variance = np.broadcast_to(variance, kept_sizes).reshape(broadcast).astype(x.dtype)
        return mean, np.maximum(np.sqrt(variance), np.asarray(config.epsilon(), x.dtype))

    def call(self, inputs):
        mean, scale = self._statistics(inputs)
        out = inputs * scale + mean if self.invert else (inputs - mean) / scale
        return out.astype(inputs.dtype, copy=False)

    def adapt(self, data):
        """Learn mean and variance from `data` (an array: samples along axis 0)."""
        data = np.asarray(data, dtype=self.dtype)
        if self.input_mean is not None:
            raise ValueError("Cannot adapt a Normalization layer that was given `mean` "
                             "and `variance`.")
        if not self.built:
            self._build_or_undo((None, *data.shape[1:]))
        kept, _ = self._kept_shape(data.shape)
        reduce = tuple(d for d in range(data.ndim) if d not in kept)
        self.adapt_mean.assign(data.mean(axis=reduce))
        self.adapt_variance.assign(data.var(axis=reduce))
        self.count.assign(np.prod([data.shape[d] for d in reduce], dtype=np.int64))

    def get_config(self):
        return {**super().get_config(), "axis": list(self.axis), "invert": self.invert,
                "mean": np.array(self.input_mean).tolist(),
                "variance": np.array(self.input_variance).tolist()}
