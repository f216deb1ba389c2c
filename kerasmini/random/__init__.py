"""keras.random: seeded draws (NumPy's generators) and SeedGenerator."""
from kerasmini.random.random import (beta, binomial, categorical, dropout, gamma, normal,
                                     randint, shuffle, truncated_normal, uniform)
from kerasmini.random.seed_generator import SeedGenerator

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma",
           "normal", "randint", "shuffle", "truncated_normal", "uniform"]
