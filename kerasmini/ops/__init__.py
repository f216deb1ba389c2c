"""Stateless NumPy kernels with keras.ops-style signatures.

The kernels exported here record themselves on an active GradientTape (see
kerasmini.autodiff): each is wrapped with its gradient rule, from the `*_vjp.py` file
beside it. `op.forward` is the bare kernel.
"""
from kerasmini.autodiff import differentiable
from kerasmini.ops import linear
from kerasmini.ops.average_pooling import average_pool
from kerasmini.ops.convolution import conv
from kerasmini.ops.linear_vjp import dense_vjp
from kerasmini.ops.math import (abs, absolute, add, cast, clip, concatenate, divide, exp,
                                expand_dims, expm1, log, log1p, log_softmax, logsumexp,
                                matmul, max, maximum, mean, min, minimum, multiply,
                                negative, one_hot, power, reshape, sigmoid, softmax, sqrt,
                                square, squeeze, subtract, sum, take_along_axis, tanh,
                                transpose, true_divide, where)
from kerasmini.ops.max_pooling import max_pool
from kerasmini.ops.shapes import output_length, same_padding

dense = differentiable(dense_vjp, inputs=3)(linear.dense)

__all__ = [
    "abs", "absolute", "add", "average_pool", "cast", "clip", "concatenate", "conv", "dense",
    "divide", "exp", "expand_dims", "expm1", "log", "log1p", "log_softmax", "logsumexp",
    "matmul", "max", "max_pool", "maximum", "mean", "min", "minimum", "multiply",
    "negative", "one_hot", "output_length", "power", "reshape", "same_padding", "sigmoid",
    "softmax", "sqrt", "square", "squeeze", "subtract", "sum", "take_along_axis", "tanh",
    "transpose", "true_divide", "where"]
