"""Random initializers: normal, uniform, truncated normal, variance scaling, orthogonal.

Seeds work as in Keras 3: an initializer made with an int seed gives the same values at
every call, and so does one made with seed=None, which picks its own seed once, when it
is made (from Python's `random`, as Keras does). Two initializers made with seed=None
give different values. The values are NumPy's (`default_rng`), not TensorFlow's.
"""
import math
import numbers
import random

import numpy as np

from kerasmini.initializers.initializer import (Initializer, standardize_dtype,
                                                standardize_shape)


class RandomInitializer(Initializer):
    """Base of the random initializers: holds the seed and draws from it."""

    def __init__(self, seed=None):
        if seed is not None and (
            not isinstance(seed, numbers.Integral) or isinstance(seed, bool)
        ):
            raise ValueError(
                f"`seed` argument should be an integer or None. Received: seed={seed}"
            )
        self.seed = seed
        self._seed_value = random.randint(1, int(1e9)) if seed is None else int(seed)

    def _rng(self):
        return np.random.default_rng(self._seed_value)

    def get_config(self):
        return {"seed": self.seed}


def _float_dtype(dtype):
    dtype = standardize_dtype(dtype)
    if not np.issubdtype(np.dtype(dtype), np.floating):
        raise ValueError(
            f"Random initializers can only make float arrays. Received: dtype={dtype}"
        )
    return dtype


def truncated_normal(rng, shape, mean=0.0, stddev=1.0):
    """Normal samples more than 2 stddev from the mean are drawn again (as TF does)."""
    z = rng.standard_normal(shape)
    outside = np.abs(z) > 2.0
    while outside.any():
        z[outside] = rng.standard_normal(int(outside.sum()))
        outside = np.abs(z) > 2.0
    return mean + stddev * z


class RandomNormal(RandomInitializer):
    """Samples of a normal distribution.

    Args:
        mean: mean of the distribution.
        stddev: standard deviation of the distribution.
        seed: int or None.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype)
        values = self._rng().normal(self.mean, self.stddev, standardize_shape(shape))
        return values.astype(dtype)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Samples of a normal distribution, redrawn when more than 2 stddev from the mean.

    Args:
        mean: mean of the normal distribution before truncation.
        stddev: standard deviation of the normal distribution before truncation.
        seed: int or None.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype)
        values = truncated_normal(self._rng(), standardize_shape(shape), self.mean, self.stddev)
        return values.astype(dtype)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Samples of a uniform distribution on [minval, maxval).

    Args:
        minval: lower bound (inclusive).
        maxval: upper bound (exclusive).
        seed: int or None.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype)
        values = self._rng().uniform(self.minval, self.maxval, standardize_shape(shape))
        return values.astype(dtype)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


def compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) of a weight shape, as Keras counts them.

    Dense (in, out): fan_in = in, fan_out = out. A conv kernel (*window, in, out): both
    are multiplied by the receptive field, the product of the window dims. A 1D shape
    (n,) gives n and n, a scalar 1 and 1. `input_axes` and `output_axes`, when both
    given, name the axes whose sizes multiply into fan_in and fan_out instead.
    """
    shape = standardize_shape(shape)
    if input_axes is not None and output_axes is not None:
        fan_in = math.prod(shape[axis] for axis in input_axes)
        fan_out = math.prod(shape[axis] for axis in output_axes)
    elif len(shape) == 0:
        fan_in = fan_out = 1
    elif len(shape) == 1:
        fan_in = fan_out = shape[0]
    else:
        receptive_field = math.prod(shape[:-2])
        fan_in = shape[-2] * receptive_field
        fan_out = shape[-1] * receptive_field
    return int(fan_in), int(fan_out)


# The standard deviation of a standard normal truncated to [-2, 2]. Dividing by it makes
# the truncated samples' standard deviation the one asked for.
TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


class VarianceScaling(RandomInitializer):
    """Samples whose variance is `scale / n`, n being the fan in, the fan out or their mean.

    'truncated_normal' (or 'normal'): stddev sqrt(scale / n) after truncation at 2 stddev;
    'untruncated_normal': stddev sqrt(scale / n); 'uniform': on [-limit, limit] with
    limit = sqrt(3 * scale / n).

    Args:
        scale: positive float.
        mode: 'fan_in', 'fan_out' or 'fan_avg'.
        distribution: 'truncated_normal', 'untruncated_normal' or 'uniform'.
        seed: int or None.
        input_axes, output_axes: optional axes that make up fan_in and fan_out.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal",
                 seed=None, input_axes=None, output_axes=None):
        if scale <= 0.0:
            raise ValueError(
                f"Argument `scale` must be positive float. Received: scale={scale}"
            )
        modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in modes:
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of {modes}")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        distributions = ("uniform", "truncated_normal", "untruncated_normal")
        if distribution not in distributions:
            raise ValueError(
                f"Invalid `distribution` argument: {distribution}. "
                f"Please use one of {distributions}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype)
        shape = standardize_shape(shape)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        variance = self.scale / max(1.0, n[self.mode])
        rng = self._rng()
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / TRUNCATED_NORMAL_STDDEV
            values = truncated_normal(rng, shape, 0.0, stddev)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(variance), shape)
        else:
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, shape)
        return values.astype(dtype)

    def get_config(self):
        return {
            **super().get_config(),
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling whose scale, mode and distribution are fixed by the class."""

    SCALE, MODE, DISTRIBUTION = 1.0, "fan_in", "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(scale=self.SCALE, mode=self.MODE, distribution=self.DISTRIBUTION,
                         seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class GlorotUniform(_FixedVarianceScaling):
    """Uniform on [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)) (Xavier uniform)."""

    SCALE, MODE, DISTRIBUTION = 1.0, "fan_avg", "uniform"


class GlorotNormal(_FixedVarianceScaling):
    """Truncated normal, stddev sqrt(2 / (fan_in + fan_out)) (Xavier normal)."""

    SCALE, MODE, DISTRIBUTION = 1.0, "fan_avg", "truncated_normal"


class LecunNormal(_FixedVarianceScaling):
    """Truncated normal, stddev sqrt(1 / fan_in)."""

    SCALE, MODE, DISTRIBUTION = 1.0, "fan_in", "truncated_normal"


class LecunUniform(_FixedVarianceScaling):
    """Uniform on [-limit, limit], limit = sqrt(3 / fan_in)."""

    SCALE, MODE, DISTRIBUTION = 1.0, "fan_in", "uniform"


class HeNormal(_FixedVarianceScaling):
    """Truncated normal, stddev sqrt(2 / fan_in)."""

    SCALE, MODE, DISTRIBUTION = 2.0, "fan_in", "truncated_normal"


class HeUniform(_FixedVarianceScaling):
    """Uniform on [-limit, limit], limit = sqrt(6 / fan_in)."""

    SCALE, MODE, DISTRIBUTION = 2.0, "fan_in", "uniform"


class Orthogonal(RandomInitializer):
    """An orthogonal matrix (times `gain`), from the QR decomposition of normal samples.

    A shape (..., n) is made as a (prod(...), n) matrix and reshaped: its columns are
    orthonormal if it has at least as many rows as columns, otherwise its rows are.

    Args:
        gain: multiplicative factor.
        seed: int or None.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        dtype = _float_dtype(dtype)
        shape = standardize_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q = q * np.where(np.diag(r) < 0, -1.0, 1.0)  # makes Q uniform over orthogonal matrices
        if rows < cols:
            q = q.T
        return (self.gain * q.reshape(shape)).astype(dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}
