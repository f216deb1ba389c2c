"""Shapes in words: how each layer turns its input shape into its output shape.

Every number comes from `kerasmini.ops.shapes` (output_length, same_padding,
effective_kernel_size) -- the functions the layers themselves use -- so the words always
agree with `compute_output_shape`. Only the unrounded quotient shown before rounding
("(16 - 3) / 2 + 1 = 7.5") is computed here, for display.

An impossible configuration is explained, not raised: the Explanation's `problem` says
why there is no output, in words.
"""
from fractions import Fraction

from kerasmini import layers
from kerasmini.applications.convnext import LayerScale, StochasticDepth
from kerasmini.explain.explanation import Explanation, format_number, shape_as_tuple
from kerasmini.layers.convolutional.base_conv import BaseConv
from kerasmini.layers.convolutional.base_conv_transpose import BaseConvTranspose
from kerasmini.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv
from kerasmini.layers.convolutional.base_separable_conv import BaseSeparableConv
from kerasmini.layers.core.dense import Dense
from kerasmini.layers.core.input_layer import InputLayer
from kerasmini.layers.merging.add import Add
from kerasmini.layers.merging.average import Average
from kerasmini.layers.merging.base_merge import Merge
from kerasmini.layers.merging.concatenate import Concatenate
from kerasmini.layers.merging.maximum import Maximum
from kerasmini.layers.merging.minimum import Minimum
from kerasmini.layers.merging.multiply import Multiply
from kerasmini.layers.merging.subtract import Subtract
from kerasmini.layers.operation import Operation
from kerasmini.layers.pooling.base_pooling import BasePooling
from kerasmini.layers.preprocessing.random_augmentation import RandomAugmentation
from kerasmini.ops.layout import join_channels, split_channels
from kerasmini.ops.shapes import (conv_transpose_crop, conv_transpose_length,
                                  effective_kernel_size, output_length, same_padding)

AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}
SIDES = {"depth": ("front", "back"), "height": ("top", "bottom"),
         "width": ("left", "right")}
# The pooling layers whose 'same' pads with -inf, and those that divide by real pixels only.
MAX_POOLING = (layers.MaxPooling1D, layers.MaxPooling2D, layers.MaxPooling3D)
AVERAGE_POOLING = (layers.AveragePooling2D, layers.AveragePooling3D)


def explain_layer(layer, input_shape):
    """The derivation for one layer, chosen by what the layer is (see EXPLAINERS).

    A merge layer (Add, Concatenate) takes a list of shapes, one per input.
    """
    input_shape = ([tuple(s) for s in input_shape] if is_shape_list(input_shape)
                   else tuple(input_shape))
    # a merge layer (Add, Dot, ...) or a tensor operation takes a list of shapes
    merges = isinstance(layer, (Merge, Operation)) or getattr(layer, "TAKES_SHAPE_LIST", False)
    if merges != isinstance(input_shape, list):  # one shape for a merge, or a list for one
        name = type(layer).__name__
        return _invalid(Explanation(name, input_shape),
                        f"{name} takes a list of input shapes, one per input"
                        if merges else f"{name} takes one input shape, not a list")
    for base, explainer in EXPLAINERS + _more_explainers():
        if isinstance(layer, base):
            return explainer(layer, input_shape)
    return explain_other(layer, input_shape)


# ----- sliding windows: Conv2D and the pooling layers -----------------------------------
def explain_conv(layer, input_shape):
    extras = "".join(f", {name}={value}" for name, value, default in (
        ("dilation_rate", layer.dilation_rate, (1,) * layer.rank),
        ("groups", layer.groups, 1), ("use_bias", layer.use_bias, True))
        if value != default)
    title = (f"{type(layer).__name__}(filters={layer.filters}, "
             f"kernel_size={layer.kernel_size}, strides={layer.strides}, "
             f"padding='{layer.padding}'{extras}, data_format='{layer.data_format}')")
    explanation, spatial, channels = _check_kernel_input(layer, title, input_shape)
    if explanation.problem:
        return explanation
    lines = explanation.lines
    if channels % layer.groups:
        return _invalid(explanation, f"{channels} input channels cannot be split evenly "
                        f"into groups={layer.groups}")
    out, problem, summaries = _window_axes(lines, spatial, layer.kernel_size,
                                           layer.strides, layer.padding, layer.dilation_rate,
                                           "kernel")
    if problem:
        return _invalid(explanation, problem)
    per_group = channels // layer.groups
    if layer.groups == 1:
        lines.append(f"channels: {channels} in -> {layer.filters} out "
                     "(each filter sees all input channels and makes one output channel)")
    else:
        lines.append(f"channels: {channels} in, split into groups={layer.groups} of "
                     f"{per_group}; each group has {layer.filters // layer.groups} of the "
                     f"{layer.filters} filters -> {layer.filters} out")
    kernel_terms = " * ".join(map(str, layer.kernel_size))
    kernel_names = " * ".join(("k" + n[0]) if n != "length" else "k"
                              for n in _axis_names(layer.rank))
    params = _product(layer.kernel_size) * per_group * layer.filters
    formula = f"{kernel_names} * (in / groups) * filters"
    numbers = f"{kernel_terms} * ({channels} / {layer.groups}) * {layer.filters}"
    if layer.use_bias:
        params += layer.filters
        formula, numbers = formula + " + filters", numbers + f" + {layer.filters}"
    lines.append(f"parameters: {formula} = {numbers} = {params}"
                 + ("" if layer.use_bias else " (use_bias=False)"))
    lines.extend(_activation_line(layer))
    explanation.output_shape = join_channels(input_shape[0], out, layer.filters,
                                              layer.data_format)
    explanation.params = params
    explanation.summary = "; ".join(summaries) + f"; {layer.filters} filters"
    return explanation


def explain_pooling(layer, input_shape):
    title = (f"{type(layer).__name__}(pool_size={layer.pool_size}, "
             f"strides={layer.strides}, padding='{layer.padding}', "
             f"data_format='{layer.data_format}')")
    explanation, spatial, channels = _check_rank(layer, title, input_shape)
    if explanation.problem:
        return explanation
    lines = explanation.lines
    if tuple(layer.strides) == tuple(layer.pool_size):
        lines.append(f"strides {layer.strides} = pool_size: windows tile the input without "
                     "overlapping (strides=None means strides = pool_size)")
    out, problem, summaries = _window_axes(lines, spatial, layer.pool_size, layer.strides,
                                           layer.padding, (1,) * layer.rank, "window")
    if problem:
        return _invalid(explanation, problem)
    if layer.padding == "same" and isinstance(layer, MAX_POOLING):
        lines.append("max pooling pads with -inf, so a padded pixel never wins")
    if layer.padding == "same" and isinstance(layer, AVERAGE_POOLING):
        lines.append("average pooling divides by the real pixels in each window: the "
                     "padding is not counted")
    lines.append(f"channels: {channels} in -> {channels} out (each channel is pooled "
                 "on its own)")
    lines.append("parameters: 0 (pooling has no weights)")
    explanation.output_shape = join_channels(input_shape[0], out, channels,
                                              layer.data_format)
    explanation.params = 0
    explanation.summary = "; ".join(summaries)
    return explanation


def _check_kernel_input(layer, title, input_shape):
    """_check_rank, and a known channel count (a kernel's shape needs it)."""
    explanation, spatial, channels = _check_rank(layer, title, input_shape)
    if not explanation.problem and channels is None:
        _invalid(explanation, "the channel axis is None: the number of input channels "
                 "must be known to make the kernel")
    return explanation, spatial, channels


def _check_rank(layer, title, input_shape):
    """Explanation with the layout lines, the spatial sizes and the channel count."""
    explanation = Explanation(title, input_shape)
    names = _axis_names(layer.rank)
    if layer.data_format == "channels_last":
        layout = ("batch", *names, "channels")
        where = "channels_last: the channels are the last axis"
    else:
        layout = ("batch", "channels", *names)
        where = "channels_first: the channels are axis 1, right after the batch"
    expected = layer.rank + 2
    if len(input_shape) != expected:
        hint = (" (is the batch axis missing? a single example needs shape (1, ...))"
                if len(input_shape) == expected - 1 else "")
        return _invalid(explanation, f"{type(layer).__name__} takes rank-{expected} input "
                        f"({', '.join(layout)}); {shape_as_tuple(input_shape)} has rank "
                        f"{len(input_shape)}{hint}"), (), None
    explanation.lines.append(f"input {shape_as_tuple(input_shape)} = ({', '.join(layout)}); "
                             f"{where}")
    spatial, channels = split_channels(input_shape, layer.data_format)
    explanation.lines.append(f"batch: {input_shape[0]} passes through unchanged")
    return explanation, spatial, channels


def _window_axes(lines, spatial, kernel_size, strides, padding, dilation, what):
    """Append each spatial axis's derivation; (output sizes, problem or None, summaries)."""
    out, summaries = [], []
    for name, n, k, s, d in zip(_axis_names(len(spatial)), spatial, kernel_size, strides,
                                dilation):
        axis_lines, size, problem, summary = explain_axis(name, n, k, s, padding, d, what)
        lines.extend(axis_lines)
        if problem:
            return None, problem, None
        out.append(size)
        summaries.append(summary)
    return tuple(out), None, summaries


def explain_axis(name, length, kernel, stride, padding, dilation=1, what="kernel"):
    """One spatial axis: (lines, output length, problem or None, one-line summary).

    'valid': windows must fit inside the input, so the count of positions
             (in - k) / s + 1 -- the same number as (in - k + s) / s -- is rounded down.
    'same':  zeros are added so that ceil(in / s) windows fit, the odd pixel after.
    """
    k_eff = effective_kernel_size(kernel, dilation)
    lines = [f"{name}: {length} in, {what} {kernel}, stride {stride}, padding '{padding}'"]
    if dilation > 1:
        lines.append(f"  dilation {dilation}: the {kernel} taps are {dilation} apart, so the "
                     f"{what} spans (k - 1) * d + 1 = ({kernel} - 1) * {dilation} + 1 = "
                     f"{k_eff} pixels")
    if length is None:
        lines.append(f"  unknown size (None): the {name} stays None")
        return lines, None, None, f"{name} None"
    if padding == "causal":
        size = output_length(length, kernel, stride, "same", dilation)
        lines.append(f"  'causal': (k - 1) * d = {k_eff - 1} zeros before the first step, "
                     "none after, so output step t sees only inputs up to t")
        lines.append(f"  positions = ceil(in / s) = ceil({length} / {stride}) = {size}")
        return lines, size, None, f"{name} causal ceil({length}/{stride}) = {size}"
    explain = _explain_valid_axis if padding == "valid" else _explain_same_axis
    size, problem, summary = explain(lines, name, length, kernel, stride, dilation, what)
    return lines, size, problem, summary


def _kernel_words(kernel, dilation, what):
    """(effective size, its words, its symbol): 'dilated kernel 5' and 'k_eff' if dilated."""
    k_eff = effective_kernel_size(kernel, dilation)
    if dilation > 1:
        return k_eff, f"dilated {what} {k_eff}", "k_eff"
    return k_eff, f"{what} {k_eff}", "k"


def _explain_valid_axis(lines, name, length, kernel, stride, dilation, what):
    """'valid' along one axis: appends its lines; (output length, problem, summary)."""
    k_eff, k_word, k_sym = _kernel_words(kernel, dilation, what)
    size = output_length(length, kernel, stride, "valid", dilation)
    valid_text, valid_value = _valid_quotient(length, k_eff, stride, k_sym)
    if size <= 0:
        problem = (f"{k_word} is larger than input {length} with padding='valid': "
                   f"no output position fits (along the {name})")
        lines.append(f"  {problem}")
        return size, problem, ""
    lines.append(f"  positions = {valid_text}")
    if valid_value != size:
        lines.append(f"  'valid' rounds {format_number(valid_value)} down to {size}: "
                     "a window must fit entirely inside the input")
    same_size = output_length(length, kernel, stride, "same", dilation)
    lines.append(f"  (padding='same' would give ceil({length} / {stride}) = {same_size})")
    summary = (f"{name} ({length} - {k_eff}) / {stride} + 1 = {format_number(valid_value)}"
               + ("" if valid_value == size else f" -> {size}"))
    return size, None, summary


def _explain_same_axis(lines, name, length, kernel, stride, dilation, what):
    """'same' along one axis: appends its lines; (output length, None, summary)."""
    k_eff, k_word, k_sym = _kernel_words(kernel, dilation, what)
    size = output_length(length, kernel, stride, "same", dilation)
    before, after = same_padding(length, kernel, stride, dilation)
    total = (size - 1) * stride + k_eff - length
    lines.append(f"  positions = ceil(in / s) = ceil({length} / {stride}) = {size} "
                 "('same' keeps one window per stride step)")
    pad_text = (f"  padding = (out - 1) * s + {k_sym} - in = ({size} - 1) * {stride} + "
                f"{k_eff} - {length} = {total}")
    if total <= 0:
        lines.append(pad_text + (" -> no padding needed" if total < 0 else ""))
    else:
        first, second = SIDES.get(name, ("before", "after"))
        odd = (f"; the odd pixel goes {second}, as in TensorFlow" if total % 2 else "")
        lines.append(pad_text + f": {before} {first}, {after} {second}{odd}")
    _, valid_value = _valid_quotient(length, k_eff, stride, k_sym)
    valid_size = output_length(length, kernel, stride, "valid", dilation)
    if valid_size > 0:
        rounded = "" if valid_value == valid_size else f" -> {valid_size}"
        lines.append(f"  (padding='valid' would give {format_number(valid_value)}{rounded})")
    else:
        lines.append(f"  (padding='valid' would give no output: {k_word} > input {length})")
    return size, None, f"{name} ceil({length}/{stride}) = {size}, pad {before}+{after}"


def _valid_quotient(length, k_eff, stride, k_sym):
    """'(in - k) / s + 1 = (16 - 3) / 2 + 1 = (16 - 3 + 2) / 2 = 7.5' and its value."""
    value = Fraction(length - k_eff, stride) + 1
    if stride == 1:
        text = f"(in - {k_sym}) / s + 1 = ({length} - {k_eff}) / 1 + 1"
    else:
        text = (f"(in - {k_sym}) / s + 1 = ({length} - {k_eff}) / {stride} + 1 = "
                f"({length} - {k_eff} + {stride}) / {stride}")
    return f"{text} = {format_number(value)}", value


# ----- depthwise, separable and transposed convolutions ----------------------------------
def _window_title(layer, first, extra=""):
    dilation = ("" if layer.dilation_rate == (1,) * layer.rank
                else f", dilation_rate={layer.dilation_rate}")
    return (f"{type(layer).__name__}({first}kernel_size={layer.kernel_size}, "
            f"strides={layer.strides}, padding='{layer.padding}'{extra}{dilation}, "
            f"data_format='{layer.data_format}')")


def _depthwise_step(layer, input_shape, title):
    """The explanation so far, the output spatial sizes, the channels and the summaries
    of the depthwise step (shared by DepthwiseConv and SeparableConv), or a problem."""
    explanation, spatial, channels = _check_kernel_input(layer, title, input_shape)
    if explanation.problem:
        return explanation, None, None, None
    out, problem, summaries = _window_axes(explanation.lines, spatial, layer.kernel_size,
                                           layer.strides, layer.padding, layer.dilation_rate,
                                           "kernel")
    if problem:
        return _invalid(explanation, problem), None, None, None
    m = layer.depth_multiplier
    explanation.lines.append(
        f"depthwise: each of the {channels} input channels is convolved on its own with "
        f"depth_multiplier={m} filter{'s' if m > 1 else ''} (channels are never mixed): "
        f"{channels} * {m} = {channels * m} channels")
    return explanation, out, channels, summaries


def explain_depthwise_conv(layer, input_shape):
    title = _window_title(layer, "", f", depth_multiplier={layer.depth_multiplier}")
    explanation, out, channels, summaries = _depthwise_step(layer, input_shape, title)
    if explanation.problem:
        return explanation
    m, taps = layer.depth_multiplier, _product(layer.kernel_size)
    kernel = " * ".join(map(str, layer.kernel_size))
    params = taps * channels * m + (channels * m if layer.use_bias else 0)
    bias = f" + {channels * m}" if layer.use_bias else ""
    explanation.lines.append(f"parameters: kernel * in * depth_multiplier"
                             f"{' + bias' if layer.use_bias else ''} = {kernel} * "
                             f"{channels} * {m}{bias} = {params}")
    dense = taps * channels * channels * m + (channels * m if layer.use_bias else 0)
    explanation.lines.append(f"(a {type(layer).__name__[9:]} with {channels * m} filters "
                             f"mixing all channels would have {dense})")
    explanation.lines.extend(_activation_line(layer))
    explanation.output_shape = join_channels(input_shape[0], out, channels * m,
                                             layer.data_format)
    explanation.params = params
    explanation.summary = "; ".join(summaries) + f"; {channels} channels x {m}"
    return explanation


def explain_separable_conv(layer, input_shape):
    title = _window_title(layer, f"filters={layer.filters}, ",
                          f", depth_multiplier={layer.depth_multiplier}")
    explanation, out, channels, summaries = _depthwise_step(layer, input_shape, title)
    if explanation.problem:
        return explanation
    m, f, taps = layer.depth_multiplier, layer.filters, _product(layer.kernel_size)
    kernel = " * ".join(map(str, layer.kernel_size))
    bias = f if layer.use_bias else 0
    depthwise, pointwise = taps * channels * m, channels * m * f
    params = depthwise + pointwise + bias
    lines = explanation.lines
    lines.append(f"pointwise: a 1x1 convolution mixes the {channels * m} channels into "
                 f"filters={f} -> {f} out")
    lines.append(f"parameters: depthwise {kernel} * {channels} * {m} = {depthwise}, "
                 f"pointwise {channels * m} * {f} = {pointwise}"
                 + (f", bias {f}" if layer.use_bias else "") + f": {params} in all")
    conv = taps * channels * f + bias
    conv_name = type(layer).__name__.replace("Separable", "")
    lines.append(f"saving: a {conv_name} with the same kernel and filters has {kernel} * "
                 f"{channels} * {f}{f' + {f}' if layer.use_bias else ''} = {conv}; the "
                 f"separable one needs {params} ({100 * params / conv:.1f}% of it, "
                 f"{conv / params:.1f}x fewer)")
    lines.extend(_activation_line(layer))
    explanation.output_shape = join_channels(input_shape[0], out, f, layer.data_format)
    explanation.params = params
    explanation.summary = "; ".join(summaries) + f"; depthwise x{m}, then 1x1 to {f}"
    return explanation


def explain_conv_transpose(layer, input_shape):
    op = "" if layer.output_padding is None else f", output_padding={layer.output_padding}"
    title = _window_title(layer, f"filters={layer.filters}, ", op)
    explanation, spatial, channels = _check_kernel_input(layer, title, input_shape)
    if explanation.problem:
        return explanation
    lines = explanation.lines
    lines.append("a transposed convolution runs a convolution backwards: each input pixel "
                 "adds kernel * pixel to a kernel-sized patch of the output, and "
                 "neighbouring input pixels land `strides` apart")
    output_padding = layer.output_padding or (None,) * layer.rank
    out, summaries = [], []
    for name, n, k, s, op, d in zip(_axis_names(layer.rank), spatial, layer.kernel_size,
                                    layer.strides, output_padding, layer.dilation_rate):
        axis_lines, size, problem = explain_transpose_axis(name, n, k, s, layer.padding, op, d)
        lines.extend(axis_lines)
        if problem:
            return _invalid(explanation, problem)
        out.append(size)
        summaries.append(f"{name} {n} -> {size}")
    params = _product(layer.kernel_size) * channels * layer.filters + (
        layer.filters if layer.use_bias else 0)
    lines.append(f"parameters: {' * '.join(map(str, layer.kernel_size))} * {layer.filters} "
                 f"* {channels}{f' + {layer.filters}' if layer.use_bias else ''} = {params} "
                 "(kernel (*kernel_size, filters, in): outputs before inputs)")
    lines.extend(_activation_line(layer))
    explanation.output_shape = join_channels(input_shape[0], tuple(out), layer.filters,
                                             layer.data_format)
    explanation.params = params
    explanation.summary = "; ".join(summaries) + f"; {layer.filters} filters"
    return explanation


def explain_transpose_axis(name, length, kernel, stride, padding, output_padding, dilation):
    """One axis of a transposed convolution: (lines, output length, problem or None)."""
    k_eff = effective_kernel_size(kernel, dilation)
    lines = [f"{name}: {length} in, kernel {kernel}, stride {stride}, padding '{padding}', "
             f"output_padding {output_padding}"]
    if dilation > 1:
        lines.append(f"  dilation {dilation}: the kernel spans (k - 1) * d + 1 = {k_eff}")
    if length is None:
        lines.append(f"  unknown size (None): the {name} stays None")
        return lines, None, None
    if padding == "same" and output_padding == 0 and k_eff % 2 == 0:
        problem = (f"padding='same' with output_padding=0 and an even kernel ({k_eff}) "
                   f"would give (in - 1) * s = {(length - 1) * stride}, one pixel short of "
                   "what the convolution it reverses maps back to the input")
        return lines + [f"  {problem}"], None, problem
    size = conv_transpose_length(length, kernel, stride, padding, output_padding, dilation)
    if output_padding is None and padding == "valid":
        formula = (f"(in - 1) * s + max(k, s) = ({length} - 1) * {stride} + "
                   f"max({k_eff}, {stride}) = {size}")
    elif output_padding is None:
        formula = f"in * s = {length} * {stride} = {size}"
    elif padding == "valid":
        formula = (f"(in - 1) * s + k + output_padding = ({length} - 1) * {stride} + "
                   f"{k_eff} + {output_padding} = {size}")
    else:
        formula = (f"(in - 1) * s + (k % 2) + output_padding = ({length} - 1) * {stride} + "
                   f"{k_eff % 2} + {output_padding} = {size}")
    lines.append(f"  out = {formula}")
    cut = conv_transpose_crop(length, size, kernel, stride, padding, dilation)
    full = (length - 1) * stride + k_eff
    if padding == "same":
        lines.append(f"  (the patches cover (in - 1) * s + k = {full} pixels; 'same' keeps "
                     f"{size}, cutting {cut} at the start and {full - size - cut} at the end, "
                     f"so that a Conv with padding='same' and these strides maps {size} back "
                     f"to {length})")
    elif size != full:
        lines.append(f"  (the patches cover (in - 1) * s + k = {full} pixels; the other "
                     f"{size - full} hold only the bias)")
    if output_padding is None:
        lines.append("  output_padding picks among the output sizes that a convolution with "
                     "these strides maps back to the same input size (each < strides)")
    return lines, size, None


# ----- Dense ------------------------------------------------------------------------------
def explain_dense(layer, input_shape):
    title = f"Dense(units={layer.units}, use_bias={layer.use_bias})"
    explanation = Explanation(title, input_shape)
    lines = explanation.lines
    if not input_shape:
        return _invalid(explanation, "Dense needs at least one axis to act on")
    fan_in, rest = input_shape[-1], input_shape[:-1]
    lines.append(f"Dense acts on the last axis only: {fan_in} in -> {layer.units} out "
                 f"(inputs @ kernel{' + bias' if layer.use_bias else ''})")
    if len(input_shape) > 2:
        lines.append(f"the other axes {shape_as_tuple(rest)} pass through: the same kernel is "
                     f"applied at each of their positions")
    elif len(input_shape) == 2:
        lines.append(f"batch: {input_shape[0]} passes through unchanged")
    else:
        lines.append("note: calling the layer needs rank >= 2 (batch, ..., features)")
    if fan_in is None:
        lines.append("parameters: unknown until the last axis is defined "
                     f"(kernel (None, {layer.units}))")
        params = None
    else:
        params = fan_in * layer.units + (layer.units if layer.use_bias else 0)
        bias = " + units" if layer.use_bias else ""
        numbers = f"{fan_in} * {layer.units}" + (f" + {layer.units}" if layer.use_bias else "")
        lines.append(f"parameters: in * units{bias} = {numbers} = {params} "
                     f"(kernel ({fan_in}, {layer.units})"
                     + (f", bias ({layer.units},))" if layer.use_bias else ")"))
    lines.extend(_activation_line(layer))
    explanation.output_shape = (*rest, layer.units)
    explanation.params = params
    explanation.summary = f"last axis {fan_in} -> {layer.units} units"
    return explanation


# ----- the model's input and the merge layers (Add, Concatenate) ----------------------
def explain_input(layer, input_shape):
    """An InputLayer fed `input_shape`: it must fit the declared shape (None fits all)."""
    explanation = Explanation("InputLayer", input_shape)
    declared = tuple(layer.batch_shape)
    explanation.lines.append(WORDS[InputLayer])
    explanation.lines.append(f"declared {shape_as_tuple(declared)}; a None size takes any "
                             "size, the batch axis takes the one given")
    misfit = _misfit(declared, input_shape)
    if misfit:
        return _invalid(explanation, f"input {shape_as_tuple(input_shape)} does not fit "
                                     f"'{layer.name}' {shape_as_tuple(declared)}: {misfit}")
    explanation.output_shape = input_shape
    explanation.params = 0
    explanation.summary = WORDS[InputLayer]
    return explanation


def _misfit(declared, given):
    """Why `given` cannot feed an Input declared as `declared`, or None."""
    if len(declared) != len(given):
        return f"rank {len(given)}, but the Input has rank {len(declared)}"
    for axis, (want, got) in enumerate(zip(declared[1:], given[1:]), start=1):
        if None not in (want, got) and want != got:
            return f"axis {axis} is {got}, but the Input declares {want}"
    return None


# what each elementwise merge does to its inputs: (verb, past participle)
ELEMENTWISE_VERBS = {"Add": ("sums", "summed"), "Multiply": ("multiplies", "multiplied"),
                     "Average": ("averages", "averaged"),
                     "Maximum": ("takes the maximum of", "compared"),
                     "Minimum": ("takes the minimum of", "compared"),
                     "Subtract": ("subtracts (first minus second)", "subtracted")}


def explain_add(layer, input_shapes):
    """Add and the other elementwise merges (Multiply, Average, ...): broadcasting."""
    name = type(layer).__name__
    explanation = Explanation(f"{name}()", input_shapes)
    verb, done = ELEMENTWISE_VERBS.get(name, ("combines", "combined"))
    explanation.lines.append(f"{name} {verb} its {len(input_shapes)} inputs element by "
                             "element: their shapes must be equal (a size of 1 is broadcast)")
    ndim = max(len(s) for s in input_shapes)
    padded = [(1,) * (ndim - len(s)) + tuple(s) for s in input_shapes]
    for axis, sizes in enumerate(zip(*padded)):
        if len({d for d in sizes if d not in (None, 1)}) > 1:
            return _invalid(explanation, f"axis {axis}: sizes {_sizes(sizes)} differ and "
                                         f"are not 1, so they cannot be {'added' if name == 'Add' else 'combined'}")
    output_shape = _merge_output(layer, explanation, input_shapes)
    if output_shape is None:
        return explanation
    differ = [(axis, sizes) for axis, sizes in enumerate(zip(*padded))
              if len(set(sizes)) > 1]
    for axis, sizes in differ:
        explanation.lines.append(f"axis {axis}: {_sizes(sizes)} -> {output_shape[axis]} "
                                 "(1 is broadcast; None is known only when run)")
    if not differ:
        explanation.lines.append(f"shapes equal: {shape_as_tuple(output_shape)} -> the same "
                                 "shape")
    explanation.summary = ("; ".join(f"axis {axis}: {_sizes(sizes)} broadcast -> "
                                     f"{output_shape[axis]}" for axis, sizes in differ)
                           or f"{len(input_shapes)} equal shapes {done} -> same shape")
    return explanation


def explain_concatenate(layer, input_shapes):
    explanation = Explanation(f"Concatenate(axis={layer.axis})", input_shapes)
    ranks = sorted({len(s) for s in input_shapes})
    if len(ranks) > 1:
        return _invalid(explanation, f"inputs have ranks {_sizes(ranks)}: Concatenate "
                                     "needs inputs of one rank")
    ndim = ranks[0]
    if not -ndim <= layer.axis < ndim:
        return _invalid(explanation, f"axis={layer.axis} is not an axis of rank-{ndim} "
                                     "inputs")
    axis = layer.axis % ndim
    name = _concat_axis_name(axis, ndim)
    where = f"axis {layer.axis}" + ("" if name.startswith("axis") else f" ({name})")
    explanation.lines.append(f"Concatenate joins its inputs along {where}: the sizes "
                             "there add up; every other axis must match")
    for other, sizes in enumerate(zip(*input_shapes)):
        known = {d for d in sizes if d is not None}
        if other != axis and len(known) > 1:
            return _invalid(explanation, f"axis {other}: sizes {_sizes(sizes)} differ; "
                                         f"only {where} may differ")
    output_shape = _merge_output(layer, explanation, input_shapes)
    if output_shape is None:
        return explanation
    sizes = [s[axis] for s in input_shapes]
    total = " + ".join(map(str, sizes)) + f" = {output_shape[axis]}"
    explanation.lines.append(f"{name}: {total}"
                             + (" (None: unknown until run)" if None in sizes else ""))
    explanation.summary = f"{name} {total}"
    return explanation


def _merge_output(layer, explanation, input_shapes):
    """The layer's own compute_output_shape (so the words agree), or None and a problem."""
    try:
        output_shape = tuple(layer.compute_output_shape(input_shapes))
    except ValueError as error:
        _invalid(explanation, str(error))
        return None
    explanation.output_shape, explanation.params = output_shape, 0
    return output_shape


def _concat_axis_name(axis, ndim):
    if axis == ndim - 1 and ndim >= 3:
        return "channels"
    return "features" if axis == ndim - 1 and ndim == 2 else f"axis {axis}"


def _sizes(sizes):
    return ", ".join(map(str, sizes[:-1])) + f" and {sizes[-1]}" if len(sizes) > 1 else (
        str(sizes[0]))


def is_shape_list(value):
    """[(None, 4), (None, 4)]: a list of shapes (a merge's input), not one shape."""
    return isinstance(value, (list, tuple)) and len(value) > 0 and all(
        isinstance(item, (list, tuple)) for item in value)


# ----- any other layer: its own compute_output_shape, with words for the common ones ---
WORDS = {
    layers.Flatten: "Flatten keeps the batch axis and lays every other axis out in one row",
    layers.Dropout: "Dropout zeroes a random fraction of values while training; shape unchanged",
    layers.Activation: "an activation works element by element; shape unchanged",
    layers.ReLU: "an activation works element by element; shape unchanged",
    layers.Softmax: "softmax normalizes along an axis; shape unchanged",
    layers.InputLayer: "the model's input: the shape every later layer starts from",
    layers.GlobalAveragePooling2D: "the mean over all positions: one value per channel",
    layers.GlobalMaxPooling2D: "the max over all positions: one value per channel",
    layers.GlobalAveragePooling1D: "the mean over all steps: one value per channel",
    layers.GlobalMaxPooling1D: "the max over all steps: one value per channel",
    layers.GlobalAveragePooling3D: "the mean over a whole volume: one value per channel",
    layers.GlobalMaxPooling3D: "the max over a whole volume: one value per channel",
    layers.UpSampling1D: "UpSampling1D repeats each step `size` times: steps * size",
    layers.UpSampling3D: "UpSampling3D repeats each voxel `size` times along depth, rows "
                         "and columns: each size * its factor",
    layers.ZeroPadding3D: "ZeroPadding3D adds zero planes, rows and columns: each size + "
                          "before + after",
    layers.Cropping3D: "Cropping3D cuts planes, rows and columns at both ends: each size - "
                       "before - after",
    layers.UpSampling2D: "UpSampling2D multiplies rows and columns by `size` ('nearest' "
                         "repeats pixels, 'bilinear' interpolates)",
    layers.ZeroPadding1D: "ZeroPadding1D adds zero steps before and after: steps + before "
                          "+ after",
    layers.Cropping1D: "Cropping1D cuts steps at the start and end: steps - before - after",
    layers.Resizing: "Resizing resamples every image to (height, width)",
    layers.CenterCrop: "CenterCrop keeps the central (height, width) region (an image "
                       "smaller than that is cropped to its aspect ratio and resized)",
    layers.LayerNormalization: "each sample is normalized over its `axis` values (its own "
                               "mean and variance); gamma and beta have the size of those "
                               "axes; shape unchanged",
    layers.GroupNormalization: "the channels are split into groups; each sample is "
                               "normalized over every position of each group; shape unchanged",
    layers.UnitNormalization: "each sample is divided by its L2 norm along `axis`; shape "
                              "unchanged",
    layers.Normalization: "(x - mean) / sqrt(variance) per position of the kept `axis`; "
                          "shape unchanged",
    layers.PReLU: "x where x >= 0, alpha * x below, alpha learned per position (shared "
                  "along shared_axes); shape unchanged",
    layers.Identity: "the output is the input",
    layers.SpatialDropout1D: "Dropout of whole channels while training; shape unchanged",
    layers.SpatialDropout2D: "Dropout of whole channels while training; shape unchanged",
    layers.SpatialDropout3D: "Dropout of whole channels while training; shape unchanged",
    layers.GaussianNoise: "adds Gaussian noise while training; shape unchanged",
    layers.GaussianDropout: "multiplies by Gaussian noise around 1 while training; shape "
                            "unchanged",
    layers.ActivityRegularization: "the identity, adding a penalty on the output to the "
                                   "losses",
    RandomAugmentation: "a random image change while training, the identity at inference; "
                        "shape unchanged",
    LayerScale: "multiplies every channel by its own learned scale; shape unchanged",
    StochasticDepth: "drops the residual branch of random samples while training; shape "
                     "unchanged",
    Operation: "a tensor operation (x + y, x * 0.5) recorded in the graph, element by "
               "element with broadcasting",
}


def explain_other(layer, input_shape):
    name = type(layer).__name__
    explanation = Explanation(name, input_shape)
    words = next((WORDS[c] for c in type(layer).__mro__ if c in WORDS), None)
    try:
        output_shape = tuple(layer.compute_output_shape(input_shape))
    except NotImplementedError:
        return _invalid(explanation, f"{name} has no compute_output_shape to explain")
    except (ValueError, TypeError) as error:
        return _invalid(explanation, str(error))
    if words:
        explanation.lines.append(words)
    if isinstance(layer, layers.Flatten) and len(input_shape) > 1:
        rest = input_shape[1:]
        if None not in rest:
            product = " * ".join(map(str, rest)) + f" = {_product(rest)}"
            explanation.lines.append(f"{product} values per example")
            words = f"{product} values per example"
    explanation.lines.append(f"compute_output_shape gives {shape_as_tuple(output_shape)}")
    explanation.output_shape = output_shape
    explanation.params = _built_params(layer)
    explanation.summary = words.split(";")[0] if words else ""
    return explanation


def _built_params(layer):
    """A layer without weights has 0 (built, or a class that never makes any: its build
    is Layer's, e.g. Flatten); a built layer counts its own."""
    never_has_weights = type(layer).build is layers.Layer.build
    if not getattr(layer, "weights", None) and (getattr(layer, "built", False)
                                               or never_has_weights):
        return 0
    try:
        return layer.count_params()
    except Exception:  # not built, or no count_params: unknown
        return None


# ----- small helpers ------------------------------------------------------------------------
def _axis_names(rank):
    return AXIS_NAMES.get(rank, tuple(f"axis {i + 1}" for i in range(rank)))


def _invalid(explanation, problem):
    explanation.problem = problem
    explanation.output_shape = None
    explanation.summary = problem
    return explanation


def _activation_line(layer):
    name = getattr(getattr(layer, "activation", None), "__name__", "linear")
    if name == "linear":
        return []
    return [f"activation '{name}' is applied element by element: shape unchanged"]


def _product(values):
    result = 1
    for value in values:
        result *= value
    return result


def _more_explainers():
    from kerasmini.explain import (attention_layers, recurrent_layers,  # import this
                                   tensor_layers)                      # file
    return (tensor_layers.EXPLAINERS + recurrent_layers.EXPLAINERS
            + attention_layers.EXPLAINERS)


EXPLAINERS = ((BaseSeparableConv, explain_separable_conv),
              (BaseDepthwiseConv, explain_depthwise_conv),
              (BaseConvTranspose, explain_conv_transpose), (BaseConv, explain_conv),
              (BasePooling, explain_pooling),
              (Dense, explain_dense), (InputLayer, explain_input),
              ((Add, Multiply, Average, Maximum, Minimum, Subtract), explain_add),
              (Concatenate, explain_concatenate))


def padding_comparison(label, length, kernel, stride, dilation=1):
    """'width:  16 -> (16 - 3) / 2 + 1 = 7.5 -> 7 with 'valid' (rounded down), 8 with ...'."""
    k_eff = effective_kernel_size(kernel, dilation)
    _, value = _valid_quotient(length, k_eff, stride, "k")
    valid = output_length(length, kernel, stride, "valid", dilation)
    same = output_length(length, kernel, stride, "same", dilation)
    return (f"{label} -> ({length} - {k_eff}) / {stride} + 1 = {format_number(value)} -> "
            f"{valid} with 'valid' (rounded down), {same} with 'same' "
            f"(ceil({length} / {stride}))")
