"""The layers' kernels, each wrapped with its gradient rule from the `*_vjp.py` file
beside it (kerasmini.autodiff.differentiable): called while a GradientTape records, they
record themselves. `op.forward` is the bare kernel."""
from kerasmini.autodiff import differentiable
from kerasmini.ops import (adaptive_pooling, average_pooling, convolution,
                           depthwise_convolution, linear, max_pooling, products, resizing,
                           transposed_convolution, volume_convolution,
                           volume_transposed_convolution)
from kerasmini.ops.adaptive_pooling_vjp import (adaptive_average_pool_vjp,
                                                adaptive_max_pool_vjp,
                                                adaptive_max_pool_vjp_recorded)
from kerasmini.ops.average_pooling_vjp import average_pool_vjp
from kerasmini.ops.batch_product_vjp import batch_product_vjp
from kerasmini.ops.convolution_vjp import conv_vjp
from kerasmini.ops.depthwise_convolution_vjp import depthwise_conv_vjp
from kerasmini.ops.image_transform import affine_transform as _affine_transform
from kerasmini.ops.image_transform_vjp import affine_transform_vjp
from kerasmini.ops.linear_second_order import differentiable_bilinear, differentiable_linear
from kerasmini.ops.linear_vjp import dense_vjp, dense_vjp_recorded
from kerasmini.ops.max_pooling_second_order import max_pool_vjp_recorded
from kerasmini.ops.max_pooling_vjp import max_pool_of_relu_vjp, max_pool_vjp
from kerasmini.ops.resizing_vjp import resize_vjp
from kerasmini.ops.transposed_convolution_vjp import conv_transpose_vjp
from kerasmini.ops.volume_convolution_vjp import conv3d_vjp
from kerasmini.ops.volume_transposed_convolution_vjp import conv3d_transpose_vjp

dense = differentiable(dense_vjp, inputs=3, recorded=dense_vjp_recorded)(linear.dense)
# bilinear kernels (convolutions, attention's products) and linear ones (average
# pools, resize): their gradients are recorded ops too, so they differentiate twice
# (linear_second_order.py)
conv = differentiable_bilinear(conv_vjp)(convolution.conv)
batch_product = differentiable_bilinear(batch_product_vjp)(products.batch_product)
depthwise_conv = differentiable_bilinear(depthwise_conv_vjp)(
    depthwise_convolution.depthwise_conv)
conv_transpose = differentiable_bilinear(conv_transpose_vjp)(
    transposed_convolution.conv_transpose)
conv3d = differentiable_bilinear(conv3d_vjp)(volume_convolution.conv3d)
conv3d_transpose = differentiable_bilinear(conv3d_transpose_vjp)(
    volume_transposed_convolution.conv3d_transpose)
# max pooling of a Conv2D's relu(x + bias): both rules in one (max_pool_of_relu_vjp)
max_pool = differentiable(max_pool_vjp, through={"bias_add_relu": max_pool_of_relu_vjp},
                          recorded=max_pool_vjp_recorded)(max_pooling.max_pool)
average_pool = differentiable_linear(average_pool_vjp)(average_pooling.average_pool)
resize = differentiable_linear(resize_vjp)(resizing.resize)
# an image transform is affine in the images: A x + the constant fill outside them
affine_transform = differentiable_linear(affine_transform_vjp,
                                         linear_part={"fill_value": 0.0})(_affine_transform)
adaptive_average_pool = differentiable_linear(adaptive_average_pool_vjp)(
    adaptive_pooling.adaptive_average_pool)
adaptive_max_pool = differentiable(adaptive_max_pool_vjp,
                                   recorded=adaptive_max_pool_vjp_recorded)(
    adaptive_pooling.adaptive_max_pool)
