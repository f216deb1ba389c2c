"""dense: the linear map of a Dense layer, a matmul on the last axis."""
import numpy as np


def dense(inputs, kernel, bias=None):
    """inputs (..., in) @ kernel (in, units) [+ bias], as one 2D matmul."""
    x = np.asarray(inputs)
    flat = x.reshape(-1, x.shape[-1]) @ kernel
    if bias is not None:
        flat += bias
    return flat.reshape(*x.shape[:-1], kernel.shape[-1])
