"""RandomGaussianBlur: blurs images with a random Gaussian while training; the
identity at inference."""
import numpy as np

from kerasmini.layers.preprocessing.random_augmentation import (ChangesValuesOnly,
                                                                RandomAugmentation,
                                                                chosen_by_factor)
from kerasmini.layers.preprocessing.random_rotation import factor_range
from kerasmini.layers.preprocessing.separable_filter import separable_filter


class RandomGaussianBlur(ChangesValuesOnly, RandomAugmentation):
    """Args: factor: the probability range, a number f (meaning (0, f)) or a pair in
    [0, 1]; kernel_size: an odd number or a pair of odd numbers; sigma: a number
    (meaning (0, s)) or a pair in [0, 1]; value_range (kept as given); seed.

    Each image is blurred with probability p, p uniform in factor; the batch shares one
    pair of sigmas (uniform in sigma, plus 1e-6). The kernel is Keras's outer product
    of two normalized Gaussians, zero padding: kernel_size[1] taps of sigma[1] along
    the rows, kernel_size[0] taps of sigma[0] along the columns (as Keras's JAX, NumPy
    and torch backends lay it out: kernel_size is (width, height)). Then every image is
    clipped to value_range, as Keras. For two different sizes, Keras 3.15's TensorFlow
    backend reshapes that (rows, columns) product to (kernel_size[0], kernel_size[1]),
    a kernel that is no longer a Gaussian; kerasmini does not copy it (conformance
    records the divergence).
    """

    ARGUMENTS = ("factor", "kernel_size", "sigma", "value_range", "seed")

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        kernel_size = odd_pair(kernel_size, "kernel_size")
        sigma = factor_range(sigma, "sigma", (0, 1))
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor, self.kernel_size, self.sigma = factor, kernel_size, sigma
        self.value_range = value_range

    def get_random_transformation(self, data, training=True, seed=None):
        if not training:
            return None
        rng, n = self.generator(seed), len(data)
        return {"should_apply_blur": chosen_by_factor(rng, self.factor, n),
                "blur_factor": rng.uniform(*self.sigma, size=2) + 1e-6}

    def transform_batch(self, images, transformation):
        sigma = np.asarray(transformation["blur_factor"]).astype(images.dtype)
        columns, rows = self.kernel_size
        first = self.data_format == "channels_first"
        x = np.moveaxis(images, 1, -1) if first else images
        blurred = separable_filter(x, gaussian_taps(rows, sigma[1]),
                                   gaussian_taps(columns, sigma[0]))
        blurred = np.moveaxis(blurred, -1, 1) if first else blurred
        apply = np.asarray(transformation["should_apply_blur"], bool).reshape(-1, 1, 1, 1)
        out = np.clip(np.where(apply, blurred, images), *self.value_range)
        return out.astype(images.dtype, copy=False)


def gaussian_taps(size, sigma):
    """`size` samples of exp(-x^2 / (2 sigma^2)) about the centre, summing to 1."""
    x = np.arange(size, dtype=sigma.dtype) - sigma.dtype.type((size - 1) / 2)
    taps = np.exp(sigma.dtype.type(-0.5) * (x / sigma) ** 2)
    return taps / taps.sum()


def odd_pair(size, name):
    """Keras's rule: an odd number n -> (n, n); a pair of odd numbers as given."""
    if isinstance(size, (tuple, list)):
        if len(size) != 2:
            raise ValueError(f"The `{name}` argument should be a number (or a list of two "
                             f"numbers) Received: {name}={size}")
        ends = tuple(size)
    elif isinstance(size, (int, float)) and not isinstance(size, bool):
        ends = (size, size)
    else:
        raise ValueError(f"{name} must be an odd number. Received: {name}={size}")
    if any(end % 2 == 0 for end in ends):
        raise ValueError(f"{name} must be an odd number. Received: {name}={size}")
    return ends
