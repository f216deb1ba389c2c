"""Stateless NumPy kernels with keras.ops-style signatures."""
from kerasmini.ops.convolution import conv
from kerasmini.ops.nn import dense
from kerasmini.ops.pooling import max_pool
from kerasmini.ops.shapes import output_length, same_padding

__all__ = ["conv", "dense", "max_pool", "output_length", "same_padding"]
