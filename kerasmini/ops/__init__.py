"""Stateless NumPy kernels with keras.ops-style signatures."""
from kerasmini.ops.average_pooling import average_pool
from kerasmini.ops.bias_activation import bias_add_activate
from kerasmini.ops.convolution import conv
from kerasmini.ops.linear import dense
from kerasmini.ops.max_pooling import max_pool
from kerasmini.ops.shapes import output_length, same_padding

__all__ = ["average_pool", "bias_add_activate", "conv", "dense", "max_pool", "output_length",
           "same_padding"]
