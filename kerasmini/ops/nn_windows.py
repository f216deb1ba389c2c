"""keras.ops.nn's sliding-window ops (conv, conv_transpose, depthwise_conv,
separable_conv, max_pool, average_pool, adaptive pools) by Keras's signatures, for 1,
2 and 3 spatial axes, on KerasTensors too.

Each dispatches on the input's rank to the layers' kernels and their gradient rules
(differentiable_kernels.py), so there is one convolution and one pooling: 2D calls
them as they are; 1D runs them on a one-row image (the row axis added to the input and
every kernel, a window of height 1), recorded as reshapes the tape follows; 3D calls
the volume convolutions, and pools as a 2D pooling of each depth plane followed by one
over depth (pool_volumes).
"""
import numpy as np

from kerasmini.ops import differentiable_kernels as kernels
from kerasmini.ops.arguments import tensor
from kerasmini.ops.layout import join_channels, split_channels, standardize_data_format
from kerasmini.ops.shapes import int_tuple
from kerasmini.ops.symbolic import NN, keras_operation

WINDOW = ("strides", "padding", "data_format", "dilation_rate")
POOL = ("pool_size", "strides", "padding", "data_format")


def spatial_rank(inputs, allowed=(1, 2, 3), name="inputs"):
    """Number of spatial axes of a (batch, *spatial, channels) tensor, if allowed."""
    rank = np.ndim(inputs) - 2
    if rank not in allowed:
        ranks = " or ".join(str(r + 2) for r in allowed)
        raise ValueError(f"`{name}` must be of rank {ranks} ({allowed} spatial axes). "
                         f"Received: {name}.shape={np.shape(inputs)}")
    return rank


def kernel_rank(inputs, *kernels):
    """Every kernel has the inputs' rank: (*window, in, out) for (batch, *spatial, c)."""
    for name, kernel in kernels:
        if kernel.ndim != inputs.ndim:
            raise ValueError(f"`{name}` must have the rank of `inputs` ({inputs.ndim}). "
                             f"Received: inputs.shape={inputs.shape}, "
                             f"{name}.shape={kernel.shape}")


def kernel_channels(inputs, kernel, data_format, axis=-2):
    """The kernel's input-channel size (kernel.shape[axis]) is the inputs' channel
    count under data_format, checked before any work, as Keras does."""
    data_format = standardize_data_format(data_format)
    channels = inputs.shape[-1 if data_format == "channels_last" else 1]
    if kernel.shape[axis] != channels:
        raise ValueError("The number of input channels must match the kernel's input "
                         f"channels. Received: input channels={channels}, kernel input "
                         f"channels={kernel.shape[axis]}, data_format='{data_format}'.")


def as_image(op, inputs, kernel_args, data_format, sizes, **options):
    """op on a 1D input as a one-row image: the row axis added to `inputs` and to each
    kernel in `kernel_args`, each of `sizes` (name -> int or 1-tuple) given height 1 (output_padding 0);
    `options` passed as they are."""
    row_axis = 1 if standardize_data_format(data_format) == "channels_last" else 2
    sizes = {name: None if value is None else
             (0 if name == "output_padding" else 1,
              *int_tuple(value, 1, name, allow_zero=name == "output_padding"))
             for name, value in sizes.items()}
    out = op(np.expand_dims(inputs, row_axis), *(k[None] for k in kernel_args),
             data_format=data_format, **sizes, **options)
    return np.squeeze(out, row_axis)


@keras_operation("Conv", config=WINDOW, module=NN)
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (cross-correlation): inputs (N, *spatial, C) (or channels
    first), kernel (*kernel_size, C / groups, F) -> (N, *out_spatial, F)."""
    inputs, kernel = tensor(inputs), tensor(kernel)
    rank = spatial_rank(inputs)
    kernel_rank(inputs, ("kernel", kernel))
    if rank == 1:
        return as_image(kernels.conv, inputs, [kernel], data_format,
                        {"strides": strides, "dilation_rate": dilation_rate},
                        padding=padding)
    op = kernels.conv if rank == 2 else kernels.conv3d
    return op(inputs, kernel, strides=strides, padding=padding, data_format=data_format,
              dilation_rate=dilation_rate)


@keras_operation("DepthwiseConv", config=WINDOW, module=NN)
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Each input channel convolved with its own `multiplier` filters: kernel
    (*kernel_size, C, multiplier) -> (N, *out_spatial, C * multiplier); 1D or 2D."""
    inputs, kernel = tensor(inputs), tensor(kernel)
    rank = spatial_rank(inputs, (1, 2))
    kernel_rank(inputs, ("kernel", kernel))
    kernel_channels(inputs, kernel, data_format)
    if rank == 1:
        return as_image(kernels.depthwise_conv, inputs, [kernel], data_format,
                        {"strides": strides, "dilation_rate": dilation_rate},
                        padding=padding)
    return kernels.depthwise_conv(inputs, kernel, strides=strides, padding=padding,
                                  data_format=data_format, dilation_rate=dilation_rate)


@keras_operation("SeparableConv", config=WINDOW, module=NN)
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """depthwise_conv, then a 1x1 conv mixing its channels: pointwise_kernel
    (*ones, C * multiplier, F); 1D or 2D."""
    mixed = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format,
                           dilation_rate)
    return conv(mixed, pointwise_kernel, data_format=data_format)


@keras_operation("ConvTranspose", config=("strides", "padding", "output_padding",
                                          "data_format", "dilation_rate"), module=NN)
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """The transposed (fractionally strided) convolution: kernel (*kernel_size, F, C)
    -> (N, *out_spatial, F), sizes by ops.shapes.conv_transpose_length."""
    inputs, kernel = tensor(inputs), tensor(kernel)
    rank = spatial_rank(inputs)
    kernel_rank(inputs, ("kernel", kernel))
    if rank == 1:
        return as_image(kernels.conv_transpose, inputs, [kernel], data_format,
                        {"strides": strides, "dilation_rate": dilation_rate,
                         "output_padding": output_padding}, padding=padding)
    op = kernels.conv_transpose if rank == 2 else kernels.conv3d_transpose
    return op(inputs, kernel, strides=strides, padding=padding,
              output_padding=output_padding, data_format=data_format,
              dilation_rate=dilation_rate)


def _pool(pool2d, inputs, pool_size, strides, padding, data_format):
    """A 2D pooling kernel run on 1, 2 or 3 spatial axes."""
    inputs = tensor(inputs)
    rank = spatial_rank(inputs)
    pool_size = int_tuple(pool_size, rank, "pool_size")
    strides = pool_size if strides is None else int_tuple(strides, rank, "strides")
    if rank == 1:
        return as_image(pool2d, inputs, [], data_format,
                        {"pool_size": pool_size, "strides": strides}, padding=padding)
    if rank == 3:
        return pool_volumes(pool2d, inputs, pool_size, strides, padding, data_format)
    return pool2d(inputs, pool_size, strides=strides, padding=padding,
                  data_format=data_format)


def pool_volumes(pool2d, inputs, pool_size, strides, padding, data_format):
    """A 3D pooling as two 2D poolings: over (rows, cols) of every depth plane, then
    over depth with a (pool depth, 1) window on those results laid out as (depth,
    rows * cols) images. Max and mean split this way ('same' counts multiply per
    axis), and the tape records each 2D pooling and reshape, so the gradient follows;
    max pooling's tie rule survives: depth's gradient goes to the first plane holding
    the window's maximum, then within that plane to the first pixel in row-major
    order, the first in (depth, row, col)."""
    data_format = standardize_data_format(data_format)
    first = data_format == "channels_first"
    (depth, rows, cols), channels = split_channels(inputs.shape, data_format)
    batch = inputs.shape[0]
    # channels_last: depth joins the batch; channels_first: it joins the channels
    planes = inputs.reshape((batch, channels * depth, rows, cols) if first else
                            (batch * depth, rows, cols, channels))
    planes = pool2d(planes, pool_size[1:], strides=strides[1:], padding=padding,
                    data_format=data_format)
    out_rows, out_cols = split_channels(planes.shape, data_format)[0]
    columns = planes.reshape(join_channels(batch, (depth, out_rows * out_cols), channels,
                                           data_format))
    out = pool2d(columns, (pool_size[0], 1), strides=(strides[0], 1), padding=padding,
                 data_format=data_format)
    out_depth = split_channels(out.shape, data_format)[0][0]
    return out.reshape(join_channels(batch, (out_depth, out_rows, out_cols), channels,
                                     data_format))


@keras_operation("MaxPool", config=POOL, module=NN)
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The maximum of each window (1, 2 or 3 spatial axes); 'same' pads with -inf."""
    return _pool(kernels.max_pool, inputs, pool_size, strides, padding, data_format)


@keras_operation("AveragePool", config=POOL, module=NN)
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The mean of each window; 'same' averages only the pixels inside (as TF)."""
    return _pool(kernels.average_pool, inputs, pool_size, strides, padding, data_format)


@keras_operation("AdaptiveAveragePool", config=("output_size", "data_format"), module=NN)
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Each spatial axis averaged down (or up) to `output_size` bins."""
    return kernels.adaptive_average_pool(tensor(inputs), output_size,
                                         data_format=data_format)


@keras_operation("AdaptiveMaxPool", config=("output_size", "data_format"), module=NN)
def adaptive_max_pool(inputs, output_size, data_format=None):
    """The largest value of each of `output_size` bins per spatial axis."""
    return kernels.adaptive_max_pool(tensor(inputs), output_size, data_format=data_format)
