"""PReLU as Keras writes it, relu(x) - alpha * relu(-x), in fewer passes over memory.

relu(-x) = -min(x, 0) and negation is exact, so the formula is, rounding for rounding,
min(x, 0) * alpha + max(x, 0): computed in place in the output, a sample block at a time
so that the one temporary stays in cache, the blocks shared by threads (ops/threads.py).
"""
import numpy as np

from kerasmini.ops.threads import over_row_blocks

# Input bytes per block (whole samples, at least one).
BLOCK_BYTES = 2**20


def prelu(x, alpha):
    """x where x >= 0, alpha * x elsewhere; alpha broadcasts against one sample x[0]."""
    out = np.empty_like(x)

    def block(samples):
        target = out[samples]
        np.minimum(x[samples], 0, out=target)
        target *= alpha
        target += np.maximum(x[samples], 0)

    over_row_blocks(block, x.shape[0], x[:1].nbytes, BLOCK_BYTES)
    return out
