"""Stateless NumPy kernels, and keras.ops by Keras 3's names, signatures and dtypes.

The layer kernels exported here record themselves on an active GradientTape (see
kerasmini.autodiff): each is wrapped with its gradient rule, from the `*_vjp.py` file
beside it. `op.forward` is the bare kernel.

keras.ops's functions come from one file per family (elementwise, reductions, arrays,
creation, contractions, nn, core, linalg, math, image); each is NumPy on tensors the
tape follows, so it is differentiated by the rules of the NumPy operations it is made
of (autodiff/numpy_rules.py) or by its own rule beside it (linalg). Called on
KerasTensors, a function declared with its Keras class (ops/symbolic.py) records a node
of the functional graph instead, saved and loaded as Keras saves it.
"""
from kerasmini.autodiff import differentiable
from kerasmini.ops import (average_pooling, convolution, depthwise_convolution, image,
                           linalg, linear, max_pooling, nn, resizing,
                           transposed_convolution, volume_convolution,
                           volume_transposed_convolution)
from kerasmini.ops import products
from kerasmini.ops.arrays import (append, broadcast_to, concatenate, copy, diag, diagonal,
                                  expand_dims, flip, fliplr, flipud, get_item, hstack, moveaxis, pad, ravel, repeat,
                                  reshape, roll, split, squeeze, stack, swapaxes, take,
                                  take_along_axis, tile, trace, transpose, tril, triu,
                                  unstack, vstack)
from kerasmini.ops.average_pooling_vjp import average_pool_vjp
from kerasmini.ops.batch_product_vjp import batch_product_vjp
from kerasmini.ops.bias_activation import bias_add_activate
from kerasmini.ops.contractions import dot, einsum, inner, outer, tensordot, vdot
from kerasmini.ops.convolution_vjp import conv_vjp
from kerasmini.ops.core import (cast, cond, convert_to_numpy, convert_to_tensor,
                                custom_gradient, dtype, fori_loop, is_tensor, scatter,
                                scatter_update, shape, slice, slice_update, stop_gradient,
                                switch, while_loop)
from kerasmini.ops.creation import (arange, eye, full, full_like, identity, linspace,
                                    meshgrid, ones, ones_like, tri, zeros, zeros_like)
from kerasmini.ops.depthwise_convolution_vjp import depthwise_conv_vjp
from kerasmini.ops.elementwise import (abs, absolute, add, allclose, arccos, arccosh, arcsin, arcsinh,
                                       arctan, arctan2, arctanh, cbrt, ceil, clip, cos, cosh,
                                       deg2rad, divide, equal, exp, exp2, expm1, floor,
                                       floor_divide, greater, greater_equal, hypot, isclose,
                                       isfinite, isinf, isnan, less, less_equal, log,
                                       log10, log1p, log2, logaddexp, logical_and,
                                       logical_not, logical_or, logical_xor, matmul,
                                       maximum, minimum, mod, multiply, nan_to_num,
                                       negative, not_equal, power, rad2deg, reciprocal,
                                       round, sign, sin, sinh, sqrt, square, subtract, tan,
                                       tanh, true_divide, trunc, where)
from kerasmini.ops.image import rgb_to_grayscale
from kerasmini.ops.image_transform import affine_transform as _affine_transform
from kerasmini.ops.image_transform_vjp import affine_transform_vjp
from kerasmini.ops.linalg import (cholesky, det, eig, eigh, inv, norm, qr, slogdet, solve,
                                  svd)
from kerasmini.ops.linear_vjp import dense_vjp
from kerasmini.ops.math import (erf, in_top_k, logdet, logsumexp, rsqrt, segment_max,
                                segment_sum, top_k)
from kerasmini.ops.max_pooling_vjp import max_pool_of_relu_vjp, max_pool_vjp
from kerasmini.ops.nn import (binary_crossentropy, categorical_crossentropy, celu,
                              dot_product_attention, elu, gelu, glu, hard_shrink,
                              hard_sigmoid, hard_silu, hard_swish, hard_tanh, leaky_relu, log_sigmoid,
                              log_softmax, moments, multi_hot, normalize, one_hot, relu,
                              relu6, selu, sigmoid, silu, soft_shrink, softmax, softplus,
                              softsign, sparse_categorical_crossentropy, sparse_plus,
                              sparse_sigmoid, sparsemax, squareplus, swish, tanh_shrink)
from kerasmini.ops.normalization import batch_normalization
from kerasmini.ops.reductions import (all, amax, amin, any, argmax, argmin, argsort,
                                      count_nonzero, cumprod, cumsum, max, mean, median,
                                      min, nanmax, nanmean, nanmin, nansum, percentile,
                                      prod, ptp, quantile, sort, std, sum, var)
from kerasmini.ops.resizing_vjp import resize_vjp
from kerasmini.ops.shapes import output_length, same_padding
from kerasmini.ops.transposed_convolution_vjp import conv_transpose_vjp
from kerasmini.ops.volume_convolution_vjp import conv3d_vjp
from kerasmini.ops.volume_transposed_convolution_vjp import conv3d_transpose_vjp

dense = differentiable(dense_vjp, inputs=3)(linear.dense)
batch_product = differentiable(batch_product_vjp, inputs=2)(products.batch_product)
conv = differentiable(conv_vjp, inputs=2)(convolution.conv)
depthwise_conv = differentiable(depthwise_conv_vjp, inputs=2)(
    depthwise_convolution.depthwise_conv)
conv_transpose = differentiable(conv_transpose_vjp, inputs=2)(
    transposed_convolution.conv_transpose)
conv3d = differentiable(conv3d_vjp, inputs=2)(volume_convolution.conv3d)
conv3d_transpose = differentiable(conv3d_transpose_vjp, inputs=2)(
    volume_transposed_convolution.conv3d_transpose)
# max pooling of a Conv2D's relu(x + bias): both rules in one (max_pool_of_relu_vjp)
max_pool = differentiable(max_pool_vjp, through={"bias_add_relu": max_pool_of_relu_vjp})(
    max_pooling.max_pool)
average_pool = differentiable(average_pool_vjp)(average_pooling.average_pool)
resize = differentiable(resize_vjp)(resizing.resize)
affine_transform = differentiable(affine_transform_vjp)(_affine_transform)

KERNELS = ["affine_transform", "average_pool", "batch_normalization", "batch_product",
           "bias_add_activate", "conv", "conv3d", "conv3d_transpose", "conv_transpose",
           "dense", "depthwise_conv", "max_pool", "output_length", "resize",
           "same_padding"]
__all__ = sorted(KERNELS + [name for name, value in list(globals().items())
                            if callable(value) and not name.startswith("_")
                            and getattr(value, "__module__", "").startswith(
                                "kerasmini.ops.") and name not in KERNELS
                            and not name.endswith("_vjp") and name != "differentiable"])
