"""Argument grids of the issue-11 convolution, pooling and resizing layers (depthwise,
separable and transposed convolutions, Conv1D 'causal', 1D pooling, up-sampling,
1D padding and cropping, Resizing, CenterCrop), in grids_layers.py's form:
`(name, layer, args, shapes)`.

Each grid crosses the arguments that change the arithmetic (kernel, stride/dilation,
padding, output_padding, ...) and cycles the others (data_format, depth_multiplier,
use_bias, activation) by the case index, so that every value of every argument appears
while the grids stay small (tf.keras takes ~0.1 s per call).
"""
import itertools

from conformance import grids_volume_layers
from conformance.grids import ACTIVATIONS, _name, _pair, nhwc_or_nchw, tiered

FORMATS = ("channels_last", "channels_first")


def _ncl(batch, length, channels, data_format):
    return (batch, length, channels) if data_format == "channels_last" else \
        (batch, channels, length)


def _cycled(i):
    """data_format, use_bias and activation chosen by the case index."""
    return FORMATS[i % 2], (i // 2) % 2 == 0, ACTIVATIONS[i % len(ACTIVATIONS)]


# ----- depthwise and separable convolutions -------------------------------------------
KERNELS_2D = [1, 3, (2, 3)]
STRIDE_DILATION = [(1, 1), (2, 1), (1, 2), (2, 2)]


def _window_sizes(k, d, padding, index):
    """(H, W) sizes: odd and even, exactly the dilated kernel, and 1x1 where legal."""
    eh, ew = [(kk - 1) * d + 1 for kk in _pair(k)]
    sizes = [(eh + 3 + index % 2, ew + 2 + (index // 2) % 2), (eh, ew)]
    if padding == "same":
        sizes.append((1, 1))
    return sizes


def depthwise_conv2d_configs():
    out = []
    grid = itertools.product(KERNELS_2D, STRIDE_DILATION, ("valid", "same"))
    for i, (k, (s, d), pad) in enumerate(grid):
        fmt, bias, act = _cycled(i)
        args = dict(kernel_size=k, strides=s, padding=pad, depth_multiplier=1 + i % 3,
                    data_format=fmt, dilation_rate=d, use_bias=bias, activation=act)
        channels = 1 + (i // 3) % 3
        out.append((_name("DepthwiseConv2D", "k", k, "s", s, "d", d, pad, fmt[9:],
                          "m", 1 + i % 3), "DepthwiseConv2D", args,
                    [nhwc_or_nchw(2, h, w, channels, fmt)
                     for h, w in _window_sizes(k, d, pad, i)]))
    return out


def separable_conv2d_configs():
    out = []
    grid = itertools.product(KERNELS_2D, STRIDE_DILATION[:3], ("valid", "same"))
    for i, (k, (s, d), pad) in enumerate(grid):
        fmt, bias, act = _cycled(i + 1)
        args = dict(filters=1 + i % 4, kernel_size=k, strides=s, padding=pad,
                    data_format=fmt, dilation_rate=d, depth_multiplier=1 + i % 2,
                    use_bias=bias, activation=act)
        out.append((_name("SeparableConv2D", "k", k, "s", s, "d", d, pad, fmt[9:],
                          "f", 1 + i % 4), "SeparableConv2D", args,
                    [nhwc_or_nchw(2, h, w, 2 + i % 2, fmt)
                     for h, w in _window_sizes(k, d, pad, i)[:2]]))
    return out


def _conv1d_family(layer, extra, strides_dilations, kernels=(1, 3)):
    out = []
    grid = itertools.product(kernels, strides_dilations, ("valid", "same"))
    for i, (k, (s, d), pad) in enumerate(grid):
        fmt, bias, act = _cycled(i)
        args = dict(kernel_size=k, strides=s, padding=pad, data_format=fmt,
                    dilation_rate=d, use_bias=bias, activation=act, **extra(i))
        eff = (k - 1) * d + 1
        lengths = [eff + 4 + i % 2, eff] + ([1] if pad == "same" else [])
        out.append((_name(layer, "k", k, "s", s, "d", d, pad, fmt[9:]), layer, args,
                    [_ncl(2, n, 2 + i % 2, fmt) for n in lengths]))
    return out


def depthwise_conv1d_configs():
    return _conv1d_family("DepthwiseConv1D", lambda i: dict(depth_multiplier=1 + i % 2),
                          [(1, 1), (2, 1), (1, 2), (2, 2)])


def separable_conv1d_configs():
    return _conv1d_family("SeparableConv1D",
                          lambda i: dict(filters=1 + i % 3, depth_multiplier=2 - i % 2),
                          [(1, 1), (2, 1), (1, 2)])


def conv1d_causal_configs():
    """Conv1D padding='causal': output[t] sees inputs[:t + 1] (pad (k - 1) * d before)."""
    out = []
    for i, (k, (s, d)) in enumerate(itertools.product((1, 2, 3), [(1, 1), (2, 1), (1, 3)])):
        fmt, bias, act = _cycled(i)
        args = dict(filters=2 + i % 2, kernel_size=k, strides=s, padding="causal",
                    data_format=fmt, dilation_rate=d, use_bias=bias, activation=act)
        out.append((_name("Conv1D_causal", "k", k, "s", s, "d", d, fmt[9:]), "Conv1D", args,
                    [_ncl(2, n, 3, fmt) for n in (7 + i % 2, 1)]))
    return out


# ----- transposed convolutions -------------------------------------------------------------
TRANSPOSE_STRIDE_DILATION = [(1, 1), (2, 1), (3, 1), ((2, 1), 1), (1, 2)]


def _output_paddings(strides, padding, kernel, dilation):
    """None, and each output_padding < stride that gives an output (an even dilated
    kernel with 'same' and output_padding 0 has none: an error case)."""
    s = max(_pair(strides))
    options = [None] + list(range(min(_pair(strides))))
    k_eff = [(kk - 1) * dilation + 1 for kk in _pair(kernel)]
    if padding == "same" and any(e % 2 == 0 for e in k_eff):
        options = [op for op in options if op != 0]
    return options[:2] if s > 1 else options[:1]


def _transpose_configs(layer, kernels, strides_dilations, shapes):
    """kernel x (stride, dilation) x padding x output_padding (None and the legal values),
    every 2nd; `shapes(i, data_format)` gives the input shapes of case i."""
    out, i = [], 0
    for k, (s, d), pad in itertools.product(kernels, strides_dilations, ("valid", "same")):
        for op in _output_paddings(s, pad, k, d):
            fmt, bias, act = _cycled(i)
            args = dict(filters=1 + i % 3, kernel_size=k, strides=s, padding=pad,
                        output_padding=op, data_format=fmt, dilation_rate=d,
                        use_bias=bias, activation=act)
            out.append((_name(layer, "k", k, "s", s, "d", d, pad, "op", op, fmt[9:]), layer,
                        args, shapes(i, fmt)))
            i += 1
    return out[::2]


def conv2d_transpose_configs():
    return _transpose_configs(
        "Conv2DTranspose", [1, 2, 3, (3, 2)], TRANSPOSE_STRIDE_DILATION,
        lambda i, fmt: [nhwc_or_nchw(2, 3 + i % 2, 4, 2 + i % 2, fmt),
                        nhwc_or_nchw(1, 1, 1, 2 + i % 2, fmt)])


def conv1d_transpose_configs():
    return _transpose_configs(
        "Conv1DTranspose", [1, 2, 3], [(1, 1), (2, 1), (3, 1), (1, 2)],
        lambda i, fmt: [_ncl(2, 4 + i % 2, 2, fmt), _ncl(1, 1, 2, fmt)])


# ----- pooling -------------------------------------------------------------------------------
def average_pooling1d_configs():
    out = []
    for i, (p, s, pad) in enumerate(itertools.product((1, 2, 3), (None, 1, 2),
                                                      ("valid", "same"))):
        fmt = FORMATS[i % 2]
        layer = "AveragePooling1D" if i % 3 else "AvgPool1D"
        lengths = [6 + p + i % 2, p] + ([1] if pad == "same" else [])
        out.append((_name(layer, "p", p, "s", s, pad, fmt[9:]), layer,
                    dict(pool_size=p, strides=s, padding=pad, data_format=fmt),
                    [_ncl(2, n, 1 + i % 3, fmt) for n in lengths]))
    return out


def global_pooling1d_configs():
    out = []
    for layer, keepdims, fmt in itertools.product(
            ("GlobalAveragePooling1D", "GlobalMaxPooling1D"), (False, True), FORMATS):
        out.append((_name(layer, "keep" if keepdims else "drop", fmt[9:]), layer,
                    dict(keepdims=keepdims, data_format=fmt),
                    [_ncl(2, 5, 3, fmt), _ncl(1, 1, 4, fmt)]))
    return out


# ----- reshaping and resizing ------------------------------------------------------------
def up_sampling_configs():
    out = []
    for i, (size, interpolation) in enumerate(itertools.product(
            (2, (1, 3), (3, 2)), ("nearest", "bilinear"))):
        fmt = FORMATS[i % 2]
        out.append((_name("UpSampling2D", size, interpolation, fmt[9:]), "UpSampling2D",
                    dict(size=size, interpolation=interpolation, data_format=fmt),
                    [nhwc_or_nchw(2, 3, 4, 2, fmt), nhwc_or_nchw(1, 1, 1, 1, fmt)]))
    for size in (1, 2, 3):
        out.append((_name("UpSampling1D", size), "UpSampling1D", dict(size=size),
                    [(2, 4, 3), (1, 1, 2)]))
    return out


def padding_cropping_1d_configs():
    out = [(_name("ZeroPadding1D", p, fmt[9:]), "ZeroPadding1D",
            dict(padding=p, data_format=fmt), [_ncl(2, 4, 3, fmt), _ncl(1, 1, 1, fmt)])
           for p, fmt in zip((0, 1, (2, 0), [1, 3]), FORMATS * 2)]
    out += [(_name("Cropping1D", c), "Cropping1D", dict(cropping=c), [(2, 7, 3), (1, 5, 1)])
            for c in (0, 1, (2, 0), [1, 3])]
    return out


def resizing_configs():
    out = []
    grid = itertools.product(((5, 7), (3, 2), (4, 4)), ("bilinear", "nearest"), (False, True))
    for i, ((h, w), interpolation, crop) in enumerate(grid):
        fmt = FORMATS[i % 2]
        out.append((_name("Resizing", h, w, interpolation, "crop" if crop else "stretch",
                          fmt[9:]), "Resizing",
                    dict(height=h, width=w, interpolation=interpolation,
                         crop_to_aspect_ratio=crop, data_format=fmt),
                    [nhwc_or_nchw(2, 6, 5, 2, fmt), nhwc_or_nchw(1, 1, 3, 1, fmt)]))
    return out


def center_crop_configs():
    """Crops (inputs larger than the target) and the smart resize of an input smaller
    than the target on one axis."""
    crops = [(_name("CenterCrop", h, w, fmt[9:]), "CenterCrop",
              dict(height=h, width=w, data_format=fmt),
              [nhwc_or_nchw(2, 7, 6, 2, fmt), nhwc_or_nchw(1, 5, 9, 1, fmt)])
             for (h, w), fmt in zip(((3, 4), (5, 5), (4, 6)), FORMATS * 2)]
    resizes = [(_name("CenterCrop_resize", h, w, fmt[9:]), "CenterCrop",
                dict(height=h, width=w, data_format=fmt), [nhwc_or_nchw(2, 7, 6, 2, fmt)])
               for (h, w), fmt in zip(((8, 4), (2, 10)), FORMATS)]
    return crops + resizes


SINGLE_INPUT = [depthwise_conv2d_configs, depthwise_conv1d_configs, separable_conv2d_configs,
                separable_conv1d_configs, conv2d_transpose_configs, conv1d_transpose_configs,
                conv1d_causal_configs, average_pooling1d_configs, global_pooling1d_configs,
                up_sampling_configs, padding_cropping_1d_configs, resizing_configs,
                center_crop_configs] + grids_volume_layers.SINGLE_INPUT


def value_cases():
    """(name, layer, args, dtype, shapes): float32 for every configuration, float64 for
    every 2nd (channels_last where the layer has a data_format: TensorFlow has no float64
    channels_first convolution on CPU), float16 for every 4th."""
    cases = []
    for make in SINGLE_INPUT:
        for i, (name, layer, args, shapes) in enumerate(make()):
            cases.append((f"{name}_float32", layer, args, "float32", shapes))
            if layer == "CenterCrop" and _smaller_than_target(args, shapes):
                continue  # tf.keras returns float32 there, whatever the dtype (README)
            if i % 2 == 0 and args.get("data_format", "channels_last") == "channels_last" \
                    or i % 2 == 1 and "data_format" not in args:
                cases.append((f"{name}_float64", layer, args, "float64", shapes))
            if i % 4 == 1:
                cases.append((f"{name}_float16", layer, args, "float16", shapes))
    return tiered(cases)


def _smaller_than_target(args, shapes):
    """Does CenterCrop get an input smaller than its target (its smart-resize path)?"""
    return any(min(h - args["height"], w - args["width"]) < 0
               for h, w in (s[1:3] if args["data_format"] == "channels_last" else s[2:]
                            for s in shapes))


def api_configs():
    """Every 3rd configuration of each grid (the configs and weights do not depend on the
    window arithmetic the value grids sweep)."""
    return tiered([c for make in SINGLE_INPUT for c in make()[::3]])
