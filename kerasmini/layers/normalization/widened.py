"""Normalizations compute in float32 at least, as Keras's BatchNormalization,
LayerNormalization and GroupNormalization do: in float16 a sum of squares overflows at
65504 and a mean keeps 11 bits. A float16 input is widened to float32, the weights (made
with autocast=False, so a mixed_float16 layer reads them in float32) are taken in the
input's dtype, and the output is cast to the layer's compute dtype."""
import numpy as np


def widened(x):
    """x in float32 if it is narrower (float16), else as it is."""
    return x.astype(np.float32) if x.dtype.itemsize < 4 else x


def weight_in(variable, dtype):
    """A weight's value in `dtype` (None stays None): a float16 layer's weights meet a
    widened float32 input."""
    return None if variable is None else variable.value.astype(dtype, copy=False)
