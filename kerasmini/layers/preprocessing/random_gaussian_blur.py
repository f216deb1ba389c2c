"""RandomGaussianBlur: blurs images with a random Gaussian while training (not in
kerasmini yet: training raises); the identity at inference."""
from kerasmini.layers.preprocessing.random_augmentation import InferenceOnlyAugmentation
from kerasmini.layers.preprocessing.random_rotation import factor_range


class RandomGaussianBlur(InferenceOnlyAugmentation):
    """Args: factor: the probability range, a number f (meaning (0, f)) or a pair in
    [0, 1]; kernel_size: an odd number or a pair of odd numbers; sigma: a number
    (meaning (0, s)) or a pair in [0, 1]; value_range (kept as given); seed."""

    ARGUMENTS = ("factor", "kernel_size", "sigma", "value_range", "seed")

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        factor = factor_range(factor, "factor", (0, 1))
        kernel_size = odd_pair(kernel_size, "kernel_size")
        sigma = factor_range(sigma, "sigma", (0, 1))
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor, self.kernel_size, self.sigma = factor, kernel_size, sigma
        self.value_range = value_range


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
