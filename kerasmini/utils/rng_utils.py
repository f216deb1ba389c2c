"""set_random_seed, and the NumPy generators that it makes reproducible.

Keras draws every unseeded seed (initializers, dropout, fit's shuffling) from Python's
`random`, so `set_random_seed(n)` fixes a whole script. kerasmini's initializers already
do; everything else that needs a generator without a seed of its own takes one from
`numpy_generator(seed)`, which draws its seed from `random` in the same way.
"""
import random

import numpy as np


def set_random_seed(seed):
    """Seed Python's `random` and NumPy's global generator (as Keras, without TF)."""
    if not isinstance(seed, int):
        raise ValueError("Expected `seed` argument to be an integer. "
                         f"Received: seed={seed} (of type {type(seed)})")
    random.seed(seed)
    np.random.seed(seed)


def numpy_generator(seed=None):
    """A NumPy Generator: from `seed`, or from Python's `random` when seed is None."""
    return np.random.default_rng(random.getrandbits(64) if seed is None else seed)
