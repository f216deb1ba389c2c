"""Permute: reorder the non-batch axes."""
import numpy as np

from kerasmini import autodiff
from kerasmini.layers.layer import Layer
from kerasmini.ops.layout import transposed_copy


class Permute(Layer):
    """`dims` is a permutation of 1..rank-1 (the batch axis 0 stays first): e.g.
    Permute((2, 1)) turns (batch, 10, 64) into (batch, 64, 10).
    """

    def __init__(self, dims, **kwargs):
        dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The "
                             "set of indices in `dims` must be consecutive and start from "
                             f"1. Received dims={dims}")
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != len(self.dims) + 1:
            raise ValueError(f"Permute(dims={self.dims}) expects inputs of rank "
                             f"{len(self.dims) + 1}. Received input_shape={input_shape}")
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def call(self, inputs):
        if autodiff.is_recording():  # the tape follows NumPy's own transpose
            return np.transpose(inputs, (0, *self.dims)).copy()  # not a strided view
        return transposed_copy(inputs, (0, *self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}
