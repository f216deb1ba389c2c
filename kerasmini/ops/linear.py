"""dense: the linear map of a Dense layer, a matmul on the last axis."""
import numpy as np

from kerasmini.ops.products import matmul_into


def dense(inputs, kernel, bias=None):
    """inputs (..., in) @ kernel (in, units) [+ bias], as one 2D matmul."""
    x = np.asarray(inputs)
    rows = x.reshape(-1, x.shape[-1])
    dtype = np.result_type(rows, kernel)
    flat = matmul_into(rows.astype(dtype, copy=False), kernel.astype(dtype, copy=False),
                  np.empty((rows.shape[0], kernel.shape[-1]), dtype=dtype))
    if bias is not None:
        flat += bias
    return flat.reshape(*x.shape[:-1], kernel.shape[-1])
