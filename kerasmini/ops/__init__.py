"""Stateless NumPy kernels with keras.ops-style signatures."""
from kerasmini.ops.average_pooling import average_pool
from kerasmini.ops.bias_activation import bias_add_activate
from kerasmini.ops.convolution import conv
from kerasmini.ops.depthwise_convolution import depthwise_conv
from kerasmini.ops.linear import dense
from kerasmini.ops.max_pooling import max_pool
from kerasmini.ops.resizing import resize
from kerasmini.ops.shapes import output_length, same_padding
from kerasmini.ops.transposed_convolution import conv_transpose

__all__ = ["average_pool", "bias_add_activate", "conv", "conv_transpose", "dense",
           "depthwise_conv", "max_pool", "output_length", "resize", "same_padding"]
