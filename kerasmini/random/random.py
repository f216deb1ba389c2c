"""keras.random: draws from NumPy Generators seeded as Keras seeds its draws.

`seed` is an int (the same values on every call), a SeedGenerator (new values per call,
reproducible from its seed) or None (the global generator). The distributions are
Keras's; the values are not TensorFlow's (its Philox streams are not NumPy's).
A draw is a constant for a GradientTape: inside a layer's call during fit
(a VAE's sampling), gradients flow through what the draw is combined with, not into it.
"""
import numpy as np

from kerasmini import config
from kerasmini.random.seed_generator import numpy_rng


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    dtype = _float_dtype(dtype, "normal", TypeError)
    rng = numpy_rng(seed)
    return rng.normal(mean, stddev, size=_shape(shape)).astype(dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Values in [minval, maxval)."""
    dtype = _float_dtype(dtype, "uniform", ValueError)
    rng = numpy_rng(seed)
    values = rng.uniform(minval, maxval, size=_shape(shape)).astype(dtype)
    # rounding to float32 can reach maxval itself; keep the interval half-open
    return np.where(values < maxval, values, np.nextafter(np.asarray(maxval, dtype),
                                                          np.asarray(minval, dtype)))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values redrawn until within 2 standard deviations of the mean."""
    dtype = _float_dtype(dtype, "truncated_normal", TypeError)
    rng = numpy_rng(seed)
    values = rng.standard_normal(size=_shape(shape))
    outside = np.abs(values) > 2.0
    while outside.any():  # each round keeps ~95% of what it redraws
        values[outside] = rng.standard_normal(size=int(outside.sum()))
        outside = np.abs(values) > 2.0
    return (mean + stddev * values).astype(dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers in [minval, maxval)."""
    if dtype is not None and np.dtype(dtype).kind not in "iu":
        raise ValueError("`keras.random.randint` requires an integer `dtype`. "
                         f"Received: dtype={dtype} ")
    rng = numpy_rng(seed)
    return rng.integers(minval, maxval, size=_shape(shape)).astype(dtype or "int32")


def categorical(logits, num_samples, dtype="int32", seed=None):
    """(batch, num_samples) class indices, class j of row i with probability
    softmax(logits[i])[j]."""
    logits = np.asarray(logits, dtype="float64")
    if logits.ndim != 2:
        raise ValueError("`logits` should be a 2-D tensor with shape [batch_size, "
                         f"num_classes]. Received: logits={logits}")
    rng = numpy_rng(seed)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    cumulative = np.cumsum(shifted / shifted.sum(axis=1, keepdims=True), axis=1)
    draws = rng.uniform(size=(logits.shape[0], int(num_samples), 1))
    # the first class whose cumulative probability exceeds the draw
    indices = (draws >= cumulative[:, None, :]).sum(axis=-1)
    return np.minimum(indices, logits.shape[1] - 1).astype(dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each entry with probability `rate`, scale the others by 1 / (1 - rate)
    (recorded on a tape: the gradient is the same mask and scale)."""
    if not (isinstance(rate, (int, float, np.floating)) and 0 <= rate <= 1):
        raise ValueError("`rate` must be a scalar tensor or a float in the range "
                         f"[0, 1). Received: rate={rate}")
    x = inputs if isinstance(inputs, np.ndarray) else np.asarray(inputs)
    shape = x.shape if noise_shape is None else tuple(
        dim if dim is not None else size for dim, size in zip(noise_shape, x.shape))
    rng = numpy_rng(seed)
    keep = rng.uniform(size=shape) >= rate
    dtype = x.dtype if x.dtype.kind == "f" else config.floatx()
    # rate 1 (which tf.keras accepts) drops everything: zeros, not 0 * inf
    scale = (keep / (1.0 - rate) if rate < 1 else np.zeros(shape)).astype(dtype)
    from kerasmini.ops import multiply  # recorded on a tape; imported on first use
    return multiply(x, scale)


def shuffle(x, axis=0, seed=None):
    """`x` with its entries along `axis` in a random order."""
    x = np.asarray(x)
    rng = numpy_rng(seed)
    return np.take(x, rng.permutation(x.shape[axis]), axis=axis)


def gamma(shape, alpha, dtype=None, seed=None):
    dtype = _float_dtype(dtype, "gamma", TypeError)
    return numpy_rng(seed).gamma(alpha, size=_shape(shape)).astype(dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    dtype = _float_dtype(dtype, "binomial", TypeError)
    rng = numpy_rng(seed)
    return rng.binomial(counts, probabilities, size=_shape(shape)).astype(dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    dtype = _float_dtype(dtype, "beta", TypeError)
    return numpy_rng(seed).beta(alpha, beta, size=_shape(shape)).astype(dtype)


def _float_dtype(dtype, function, error):
    name = np.dtype(dtype or config.floatx()).name
    if name not in ("float16", "float32", "float64"):
        if error is ValueError:
            raise ValueError(f"`keras.random.{function}` requires a floating point "
                             f"`dtype`. Received: dtype={dtype} ")
        raise TypeError(f"`keras.random.{function}` draws floating point values: "
                        f"Received: dtype={dtype}")
    return name


def _shape(shape):
    """A tuple of sizes >= 0 (ints, NumPy ints, or a 0-d integer array)."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    sizes = tuple(shape)
    if not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0
               for s in sizes):
        raise ValueError("Argument `shape` must be a tuple of integers >= 0. "
                         f"Received: shape={shape}")
    return tuple(int(s) for s in sizes)
