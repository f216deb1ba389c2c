"""The shapes of a layer's gradients, derived in words (backpropagation, one layer).

    >>> from kerasmini import layers
    >>> print(explain_gradients(layers.Conv2D(5, 3, strides=2), (10, 8, 16, 3)))

Every gradient has the shape of what it differentiates: one number per input element,
per weight entry. The lines say *why* each has that shape, and for a convolution how
stride and padding turn the input gradient into a transposed convolution.
"""
from kerasmini.explain.derivations import explain_layer
from kerasmini.explain.explanation import Explanation, shape_as_tuple
from kerasmini.layers.convolutional.base_conv import BaseConv
from kerasmini.layers.convolutional.base_conv_transpose import BaseConvTranspose
from kerasmini.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv
from kerasmini.layers.convolutional.base_separable_conv import BaseSeparableConv
from kerasmini.layers.core.dense import Dense
from kerasmini.layers.pooling.base_pooling import BasePooling
from kerasmini.ops.layout import split_channels
from kerasmini.ops.shapes import effective_kernel_size, spatial_padding


def explain_gradients(layer, input_shape):
    """An Explanation whose lines derive dL/doutput, each weight's and the input's
    gradient shapes for `layer` on `input_shape` (batch axis included)."""
    forward = explain_layer(layer, input_shape)
    title = f"gradients of {forward.title}"
    if not forward.ok:
        return Explanation(title, input_shape, problem=forward.problem)
    out = forward.output_shape
    lines = [f"dL/doutput: {shape_as_tuple(out)}, the output's shape: one number per "
             "output element, how much the loss L changes with it"]
    if isinstance(layer, BaseConvTranspose):
        lines += _conv_transpose_lines(layer, tuple(input_shape))
    elif isinstance(layer, BaseConv):
        lines += _conv_lines(layer, tuple(input_shape), out)
    elif isinstance(layer, Dense):
        lines += _dense_lines(layer, tuple(input_shape))
    elif isinstance(layer, BasePooling):
        lines += _pooling_lines(layer, tuple(input_shape))
    else:
        lines.append(f"dL/dinput: {shape_as_tuple(input_shape)}, the input's shape: each "
                     "input element collects the output gradient of every output it "
                     "reached, through the layer's derivative")
    return Explanation(title, input_shape, forward.output_shape, lines, forward.params)


def _dense_lines(layer, input_shape):
    n_in, units = input_shape[-1], layer.units
    lines = [f"dL/dkernel: ({n_in}, {units}), the kernel's shape: kernel[i, u] links input "
             f"feature i to unit u in every row, so its gradient sums x[row, i] * "
             f"dL/doutput[row, u] over the rows: x.T @ dL/doutput, ({n_in}, rows) @ "
             f"(rows, {units})"]
    if layer.use_bias:
        lines.append(f"dL/dbias: ({units},): dL/doutput summed over the rows (every row "
                     "adds the bias once)")
    lines.append(f"dL/dinput: {shape_as_tuple(input_shape)}: dL/doutput @ kernel.T, "
                 f"(rows, {units}) @ ({units}, {n_in}): each input feature sends back "
                 "what each unit it feeds received, weighted as in the forward pass")
    return lines


def _conv_lines(layer, input_shape, out_shape):
    spatial, channels = split_channels(input_shape, layer.data_format)
    out_spatial, out_channels = split_channels(out_shape, layer.data_format)
    windows = " * ".join(["batch", *map(str, out_spatial)])
    offsets = ", ".join("abcd"[:layer.rank])
    if isinstance(layer, BaseDepthwiseConv):
        lines = _depthwise_kernel_lines(layer, channels, offsets, windows)
    else:
        kernel = (*layer.kernel_size, channels // layer.groups, layer.filters)
        lines = [f"dL/dkernel: {shape_as_tuple(kernel)}, the kernel's shape: entry "
                 f"[{offsets}, c, f] multiplies input channel c at that offset of every "
                 f"window ({windows} windows) and feeds output channel f; its gradient "
                 "sums those products: patches.T @ dL/doutput, one matmul"]
    if layer.use_bias:
        lines.append(f"dL/dbias: ({out_channels},): dL/doutput summed over the batch and "
                     "every output position")
    lines.append(f"dL/dinput: {shape_as_tuple(input_shape)}: each window's gradient "
                 "(dL/doutput times the kernel) is added back onto the pixels it read: a "
                 "transposed convolution")
    pads = spatial_padding(spatial, layer.kernel_size, layer.strides, layer.padding,
                           layer.dilation_rate) if None not in spatial else None
    for axis, (n, n_out, k, s, d) in enumerate(zip(
            spatial, out_spatial, layer.kernel_size, layer.strides, layer.dilation_rate)):
        if n is None or n_out is None:
            continue
        lines.append("  " + _transposed_axis(n, n_out, effective_kernel_size(k, d), s,
                                             pads[axis], _axis_name(layer.rank, axis)))
    return lines


def _depthwise_kernel_lines(layer, channels, offsets, windows):
    multiplier = layer.depth_multiplier
    name = "depthwise_kernel" if isinstance(layer, BaseSeparableConv) else "kernel"
    kernel = (*layer.kernel_size, channels, multiplier)
    lines = []
    if isinstance(layer, BaseSeparableConv):
        pointwise = (1,) * layer.rank + (channels * multiplier, layer.filters)
        lines.append(
            f"dL/dpointwise_kernel: {shape_as_tuple(pointwise)}: the 1x1 convolution's "
            "kernel gradient, depthwise output.T @ dL/doutput; dL/d(depthwise output) = "
            "dL/doutput @ pointwise_kernel.T, from which the depthwise step continues")
    lines.append(
        f"dL/d{name}: {shape_as_tuple(kernel)}, the kernel's shape: entry [{offsets}, c, m] "
        f"multiplies input channel c at that offset of every window ({windows} windows) "
        f"and feeds output channel c * {multiplier} + m only (no sum over channels); its "
        "gradient sums those products per channel: one einsum")
    return lines


def _conv_transpose_lines(layer, input_shape):
    spatial, channels = split_channels(input_shape, layer.data_format)
    kernel = (*layer.kernel_size, layer.filters, channels)
    lines = [f"dL/dkernel: {shape_as_tuple(kernel)}, the kernel's shape (outputs before "
             "inputs, as Keras): the layer is the transpose of the convolution that maps "
             "its output back to its input, so its kernel gradient is that convolution's, "
             "with dL/doutput as the convolution's input and the layer's input as its "
             "output gradient"]
    if layer.use_bias:
        lines.append(f"dL/dbias: ({layer.filters},): dL/doutput summed over the batch and "
                     "every output position")
    strides = " x ".join(map(str, layer.strides))
    lines.append(f"dL/dinput: {shape_as_tuple(input_shape)}: the ordinary convolution of "
                 f"dL/doutput (cut pixels back in as zeros) with the same kernel, stride "
                 f"{strides}: the transpose of a transposed convolution is the convolution")
    return lines


def _transposed_axis(n, n_out, k_eff, stride, pad, name):
    """One spatial axis of the input gradient as a transposed convolution, in numbers."""
    dilated = (n_out - 1) * stride + 1
    full = dilated + k_eff - 1
    words = [f"{name}: the {n_out} output-gradient positions"]
    if stride > 1:
        words.append(f"spread {stride} apart ({stride - 1} zeros between: {dilated})")
    words.append(f"convolved in full with the flipped {k_eff}-tap kernel give {full}")
    before, after = pad
    unread = before + n + after - full
    if unread:
        words.append(f"plus {unread} last position(s) no window read (gradient 0)")
    if before or after:
        words.append(f"minus the {before} + {after} padding positions (their gradient "
                     "is dropped)")
    return ", ".join(words) + f" = {n}"


def _pooling_lines(layer, input_shape):
    if "Max" in type(layer).__name__:
        rule = ("each window sends its output gradient to its maximum (ties: the first "
                "maximum in row-major order, as TensorFlow); other pixels get 0")
    else:
        rule = ("each window spreads its output gradient evenly over the pixels it "
                "averaged")
    return [f"no weights; dL/dinput: {shape_as_tuple(input_shape)}: {rule}; where windows "
            "overlap, their gradients add up"]


def _axis_name(rank, axis):
    return ("rows", "cols")[axis] if rank == 2 else "steps"
