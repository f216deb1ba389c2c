"""Argument grids of the 3D layers (Conv3D, Conv3DTranspose, the 3D poolings,
UpSampling3D, ZeroPadding3D, Cropping3D), in grids_layers.py's form:
`(name, layer, args, shapes)`; grids_conv_layers.py runs them (values, float64 for
channels_last, float16 for some, API, gradients).

The grids cross the arguments that change the arithmetic (kernel, stride or dilation,
padding, output_padding) and cycle the others (data_format, use_bias, activation,
groups) by the case index. A share of each crossing is kept (`spread`), as 3D cases cost
tf.keras more (0.1-1.5 s each).
The volumes are small and uneven (each axis its own size) so that an axis mixed up with
another shows.
"""
import itertools

from conformance.grids import ACTIVATIONS, _name

FORMATS = ("channels_last", "channels_first")


def volume(batch, spatial, channels, data_format):
    return (batch, *spatial, channels) if data_format == "channels_last" else \
        (batch, channels, *spatial)


def _triple(v):
    return (v,) * 3 if isinstance(v, int) else tuple(v)


def _cycled(i):
    return FORMATS[i % 2], (i // 2) % 2 == 0, ACTIVATIONS[i % len(ACTIVATIONS)]


def spread(cases, every):
    """Every `every`-th case, shifted by one at each round so that the fastest-varying
    argument (the padding, last in each product) takes all its values."""
    return [c for j, c in enumerate(cases) if (j + j // every) % every == 0]


def _effective(kernel, dilation):
    return [(k - 1) * d + 1 for k, d in zip(_triple(kernel), _triple(dilation))]


KERNELS = [1, 2, 3, (3, 1, 2)]
STRIDE_DILATION = [(1, 1), (2, 1), ((1, 2, 3), 1), (1, 2), (1, (2, 1, 1))]
CONV_STRIDE_DILATION = [(1, 1), (2, 1), ((1, 2, 3), 1), (1, (2, 1, 1))]


def conv3d_configs():
    out = []
    grid = list(itertools.product(KERNELS[1:], CONV_STRIDE_DILATION, ("valid", "same")))
    for i, (k, (s, d), pad) in enumerate(spread(grid, 2)):
        _, bias, act = _cycled(i)
        fmt = FORMATS[(i // 2) % 2]  # the padding alternates with i: not in step with it
        groups = 2 if i % 5 == 1 else 1  # grouped: tf.keras compiles each call (slow)
        args = dict(filters=2 * groups + i % 2, kernel_size=k, strides=s, padding=pad,
                    data_format=fmt, dilation_rate=d, groups=groups, use_bias=bias,
                    activation=act)
        if (2 * groups + i % 2) % groups:
            args["filters"] = 2 * groups
        ed, eh, ew = _effective(k, d)
        shapes = [volume(2, (ed + 2, eh + 3 + i % 2, ew + 1), 2 * groups, fmt),
                  volume(1, (ed, eh, ew), 2 * groups, fmt)]
        out.append((_name("Conv3D", "k", k, "s", s, "d", d, pad, fmt[9:], "g", groups),
                    "Conv3D", args, shapes))
    return out


def _output_paddings(strides, padding, kernel, dilation):
    """None, and the legal output_padding < stride (an even dilated kernel with 'same'
    has no output for output_padding 0)."""
    s = _triple(strides)
    options = [None] + list(range(min(s)))
    if padding == "same" and any(e % 2 == 0 for e in _effective(kernel, dilation)):
        options = [op for op in options if op != 0]
    return options[:2] if max(s) > 1 else options[:1]


def conv3d_transpose_configs():
    out, i = [], 0
    for k, (s, d), pad in itertools.product(KERNELS, STRIDE_DILATION[:4], ("valid", "same")):
        for op in _output_paddings(s, pad, k, d):
            fmt, bias, act = _cycled(i)
            args = dict(filters=1 + i % 3, kernel_size=k, strides=s, padding=pad,
                        output_padding=op, data_format=fmt, dilation_rate=d,
                        use_bias=bias, activation=act)
            shapes = [volume(2, (2 + i % 2, 3, 2), 2, fmt), volume(1, (1, 1, 1), 2, fmt)]
            out.append((_name("Conv3DTranspose", "k", k, "s", s, "d", d, pad, "op", op,
                              fmt[9:]), "Conv3DTranspose", args, shapes))
            i += 1
    return spread(out, 4)


def pooling3d_configs():
    out = []
    grid = itertools.product(("MaxPooling3D", "AveragePooling3D"), (1, 2, 3, (2, 1, 3)),
                             (None, 1, (2, 1, 2)), ("valid", "same"))
    for i, (layer, p, s, pad) in enumerate(spread(list(grid), 4)):
        fmt = FORMATS[(i // 2) % 2]
        name = {0: layer, 1: layer.replace("Pooling", "Pool").replace("Average", "Avg")}[
            (i // 2) % 2]
        pd, ph, pw = _triple(p)
        shapes = [volume(2, (pd + 2, ph + 3, pw + 1 + i % 3), 2, fmt),
                  volume(1, (pd, ph, pw), 3, fmt)]
        if pad == "same":
            shapes.append(volume(1, (1, 1, 1), 1, fmt))
        out.append((_name(name, "p", p, "s", s, pad, fmt[9:]), name,
                    dict(pool_size=p, strides=s, padding=pad, data_format=fmt), shapes))
    return out


def global_pooling3d_configs():
    return [(_name(layer, "keep" if keepdims else "drop", fmt[9:]), layer,
             dict(keepdims=keepdims, data_format=fmt),
             [volume(2, (3, 4, 2), 3, fmt), volume(1, (1, 1, 1), 2, fmt)])
            for layer, keepdims, fmt in itertools.product(
                ("GlobalAveragePooling3D", "GlobalMaxPooling3D"), (False, True), FORMATS)]


def reshaping3d_configs():
    shapes = lambda fmt: [volume(2, (4, 5, 3), 2, fmt), volume(1, (3, 3, 4), 1, fmt)]
    out = [(_name("UpSampling3D", size, fmt[9:]), "UpSampling3D",
            dict(size=size, data_format=fmt), shapes(fmt))
           for size, fmt in zip((2, (1, 2, 3), [3, 1, 2]), FORMATS * 2)]
    out += [(_name("ZeroPadding3D", p, fmt[9:]), "ZeroPadding3D",
             dict(padding=p, data_format=fmt), shapes(fmt))
            for p, fmt in zip((1, (1, 0, 2), ((1, 0), (0, 2), (2, 1))), FORMATS * 2)]
    out += [(_name("Cropping3D", c, fmt[9:]), "Cropping3D",
             dict(cropping=c, data_format=fmt), shapes(fmt))
            for c, fmt in zip((1, (1, 0, 1), ((1, 0), (0, 2), (0, 1))), FORMATS * 2)]
    return out


SINGLE_INPUT = [conv3d_configs, conv3d_transpose_configs, pooling3d_configs,
                global_pooling3d_configs, reshaping3d_configs]
