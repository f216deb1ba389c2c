"""dropout_apply: x * keep / (1 - rate), training's Dropout as one recorded op.

Written as NumPy arithmetic on the recorded input, the same expression put two ops on
the tape (a multiply, whose rule also computed the unused gradient of the mask, and a
divide), each through the TapeArray ufunc dispatch; as one op it is one entry, and its
rule is the two rules' composition, operation for operation (the same bits).
"""
import numpy as np

from kerasmini import autodiff


def dropout_apply_vjp(g, out, x, keep, scale):
    """d/dx of x * keep / scale: (g / scale) * keep (the divide's rule, then the
    multiply's), in g's dtype."""
    return np.multiply(g / scale, keep)


@autodiff.differentiable(dropout_apply_vjp, inputs=1, recorded=True)  # linear in g
def dropout_apply(x, keep, scale):
    """x * keep / scale: `keep` a boolean mask broadcasting against x, `scale` the
    Python float 1 - rate."""
    y = np.multiply(x, keep)
    y /= scale
    return y
