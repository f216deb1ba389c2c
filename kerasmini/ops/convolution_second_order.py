"""Conv's gradients as differentiable operations: what makes a Conv2D differentiable
twice (a gradient penalty through a convolutional critic).

conv(x, K) is bilinear, and so are its two gradients. With g = dL/dy,

    dx = conv_input_gradient(g, K)        (a transposed convolution)
    dK = conv_kernel_gradient(x, g)       (a correlation of x with g)

and the three maps are each other's transposes (<conv(x, K), g> = <x, dx> = <K, dK>),
so each one's gradient rule is made of the other two:

    conv_input_gradient(g, K), output gradient h:
        d/dg = conv(h, K),                    d/dK = conv_kernel_gradient(h, g)
    conv_kernel_gradient(x, g), output gradient h:
        d/dx = conv_input_gradient(g, h),     d/dg = conv(x, h)

Each is a recorded op whose rule calls recorded ops, so a gradient taken inside an outer
tape differentiates exactly, to any order, with the first-order kernels' speed
(convolution_vjp.conv_gradients does the work, asked for one gradient at a time).
"""
import numpy as np

from kerasmini.autodiff import differentiable
from kerasmini.ops.convolution_vjp import conv_gradients


def _stand_in(shape, dtype):
    """A zero-memory array of `shape`: conv_gradients reads only the shape and dtype of
    the operand whose gradient it is not asked for."""
    return np.broadcast_to(np.zeros((), dtype), tuple(shape))


def _options(strides, padding, data_format, dilation_rate):
    return dict(strides=strides, padding=padding, data_format=data_format,
                dilation_rate=dilation_rate)


def _conv(x, kernel, options):
    from kerasmini.ops.differentiable_kernels import conv  # (it imports this module)
    return conv(x, kernel, **options)


def _input_gradient_rule(h, out, g, kernel, input_shape, strides=1, padding="valid",
                         data_format=None, dilation_rate=1):
    options = _options(strides, padding, data_format, dilation_rate)
    return (_conv(h, kernel, options),
            conv_kernel_gradient(h, g, np.shape(kernel), **options))


def _kernel_gradient_rule(h, out, inputs, g, kernel_shape, strides=1, padding="valid",
                          data_format=None, dilation_rate=1):
    options = _options(strides, padding, data_format, dilation_rate)
    return (conv_input_gradient(g, h, np.shape(inputs), **options),
            _conv(inputs, h, options))


@differentiable(_input_gradient_rule, inputs=2, recorded=True)
def conv_input_gradient(g, kernel, input_shape, strides=1, padding="valid",
                        data_format=None, dilation_rate=1):
    """dL/dx of conv(x, kernel, ...) for an x of `input_shape`, g = dL/dy."""
    stand_in = _stand_in(input_shape, np.result_type(g, kernel))
    return conv_gradients(g, stand_in, kernel, strides, padding, data_format,
                          dilation_rate, kernel_gradient=False)[0]


@differentiable(_kernel_gradient_rule, inputs=2, recorded=True)
def conv_kernel_gradient(inputs, g, kernel_shape, strides=1, padding="valid",
                         data_format=None, dilation_rate=1):
    """dL/dkernel of conv(inputs, kernel, ...) for a kernel of `kernel_shape`."""
    stand_in = _stand_in(kernel_shape, np.result_type(inputs, g))
    return conv_gradients(g, inputs, stand_in, strides, padding, data_format,
                          dilation_rate, input_gradient=False)[1]


def conv_vjp_recorded(g, out, inputs, kernel, strides=1, padding="valid",
                      data_format=None, dilation_rate=1):
    """conv's rule for a gradient taken inside an outer tape: its two gradients as the
    recorded ops above (conv_vjp's numbers, differentiable again)."""
    options = _options(strides, padding, data_format, dilation_rate)
    return (conv_input_gradient(g, kernel, np.shape(inputs), **options),
            conv_kernel_gradient(inputs, g, np.shape(kernel), **options))
