"""Argument grids of the model-building layers (Flatten ... Conv1D, MaxPooling1D).

Every grid is a list of configurations `(name, layer, args, shapes)`: `shapes` are the
input shapes run through one pair of twin layers (for Add / Concatenate each entry is a
list of input shapes). `value_cases()` crosses them with dtypes: float32 and float64
everywhere, float16 on a spread. `KM_CONFORMANCE_TIER=quick` keeps every 8th case.
"""
import itertools

from conformance import grids_conv_layers
from conformance.grids import ACTIVATIONS, _name, _pair, nhwc_or_nchw, tiered

FORMATS = ("channels_last", "channels_first")


def ncl_or_nlc(batch, length, channels, data_format):
    return (batch, length, channels) if data_format == "channels_last" else \
        (batch, channels, length)


# ----- pooling ---------------------------------------------------------------------------
AVG_POOLS = [1, 2, 3, (2, 3), (3, 1)]
AVG_STRIDES = [None, 1, 2, (2, 1), (1, 3)]


def average_pooling_configs():
    out = []
    for i, (p, s, pad, fmt) in enumerate(itertools.product(AVG_POOLS, AVG_STRIDES,
                                                           ("valid", "same"), FORMATS)):
        layer = "AveragePooling2D" if i % 3 else "AvgPool2D"
        ph, pw = _pair(p)
        c = 1 + i % 3
        sizes = [(6 + ph, 5 + pw + i % 2), (7, 8), (ph, pw)]
        if pad == "same":
            sizes.append((1, 1))
        args = dict(pool_size=p, strides=s, padding=pad, data_format=fmt)
        out.append((_name(layer, "p", p, "s", s, pad, fmt[9:]), layer, args,
                    [nhwc_or_nchw(2, h, w, c, fmt) for h, w in sizes]))
    # Windows that more than ops/average_pooling.DIRECT_OVERLAP (8) positions cover along
    # an axis: kerasmini sums these from running sums instead of strided slices.
    for p, s, pad, fmt in [(9, 1, "same", FORMATS[0]), ((10, 3), (1, 3), "valid", FORMATS[1]),
                           ((3, 12), (2, 1), "same", FORMATS[0])]:
        args = dict(pool_size=p, strides=s, padding=pad, data_format=fmt)
        out.append((_name("AveragePooling2D", "p", p, "s", s, pad, fmt[9:], "running"),
                    "AveragePooling2D", args,
                    [nhwc_or_nchw(2, h, w, 3, fmt) for h, w in [(13, 14), (12, 12)]]))
    return out


def max_pooling1d_configs():
    out = []
    for i, (p, s, pad, fmt) in enumerate(itertools.product((1, 2, 3, 4), (None, 1, 2, 3),
                                                           ("valid", "same"), FORMATS)):
        layer = "MaxPooling1D" if i % 2 else "MaxPool1D"
        c = 1 + i % 3
        lengths = [7 + p + i % 2, p] + ([1] if pad == "same" else [p + 3])
        args = dict(pool_size=p, strides=s, padding=pad, data_format=fmt)
        out.append((_name(layer, "p", p, "s", s, pad, fmt[9:]), layer, args,
                    [ncl_or_nlc(2, n, c, fmt) for n in lengths]))
    return out


def global_pooling_configs():
    out = []
    for layer, keepdims, fmt in itertools.product(
            ("GlobalAveragePooling2D", "GlobalMaxPooling2D"), (False, True), FORMATS):
        shapes = [nhwc_or_nchw(2, 5, 7, 3, fmt), nhwc_or_nchw(3, 1, 1, 4, fmt),
                  nhwc_or_nchw(1, 8, 2, 1, fmt)]
        args = dict(keepdims=keepdims, data_format=fmt)
        out.append((_name(layer, "keep" if keepdims else "drop", fmt[9:]), layer, args,
                    shapes))
    return out


# ----- adaptive pooling: (output_size, input spatial sizes) per rank; bins that overlap
# (n % m != 0), that tile (n % m == 0) and that repeat positions (m > n). tf.keras 3.15's
# adaptive max pooling kills the process (SIGFPE) where an axis has length 1 or
# output_size 1 (its "big" window is longer than the axis): those run for the average
# only. TF has no float64 3D pooling kernel on CPU: the 3D layers run float32.
ADAPTIVE = {1: [(3, [11, 3, 2]), (5, [7, 12]), (1, [6])],
            2: [((3, 4), [(7, 9), (3, 4)]), (5, [(6, 11), (4, 3)]), ((2, 7), [(5, 5)]),
                (1, [(4, 6)])],
            3: [((2, 3, 4), [(5, 6, 7)]), ((3, 2, 2), [(4, 5, 2)]), (2, [(3, 3, 3)])]}
FLOAT32_ONLY = ("AdaptiveAveragePooling3D", "AdaptiveMaxPooling3D")


def _spatial_input(batch, spatial, channels, data_format):
    spatial = (spatial,) if isinstance(spatial, int) else tuple(spatial)
    return (batch, *spatial, channels) if data_format == "channels_last" else \
        (batch, channels, *spatial)


def adaptive_pooling_configs():
    out = []
    for rank, grid in ADAPTIVE.items():
        for i, ((size, inputs), how) in enumerate(itertools.product(grid, ("Average",
                                                                           "Max"))):
            if how == "Max" and (size == 1 or 1 in inputs):
                continue
            fmt, layer = FORMATS[i // 2 % 2], f"Adaptive{how}Pooling{rank}D"
            args = dict(output_size=size, data_format=fmt)
            out.append((_name(layer, size, fmt[9:]), layer, args,
                        [_spatial_input(2, n, 1 + i % 3, fmt) for n in inputs]))
    return out


# ----- Conv1D ----------------------------------------------------------------------------
CONV1D_KERNELS = [1, 2, 3, 5]
CONV1D_STRIDE_DILATION = [(1, 1), (2, 1), (3, 1), (1, 2), (1, 3)]
CONV1D_CHANNELS = {1: [(1, 2), (3, 4), (4, 5), (2, 1)], 2: [(2, 4), (4, 2), (6, 6), (4, 4)]}


def conv1d_configs():
    """kernel x (stride, dilation) x padding x groups x data_format; use_bias alternates
    (balanced against padding, groups and data_format) and the activation cycles."""
    out = []
    grid = itertools.product(CONV1D_KERNELS, CONV1D_STRIDE_DILATION, ("valid", "same"),
                             (1, 2), FORMATS)
    for i, (k, (s, d), pad, g, fmt) in enumerate(grid):
        cin, filters = CONV1D_CHANNELS[g][i % 4]
        bias = (i + i // 2 + i // 4) % 2 == 0  # parity of (format, groups, padding)
        args = dict(filters=filters, kernel_size=k, strides=s, padding=pad, data_format=fmt,
                    dilation_rate=d, groups=g, use_bias=bias,
                    activation=ACTIVATIONS[i % len(ACTIVATIONS)])
        eff = (k - 1) * d + 1
        lengths = [eff + 4 + i % 2, eff] + ([1] if pad == "same" or eff == 1 else [eff + 2])
        out.append((_name("Conv1D", "k", k, "s", s, "d", d, pad, "g", g, fmt[9:],
                          "b" if bias else "nb", args["activation"]), "Conv1D", args,
                    [ncl_or_nlc(2, n, cin, fmt) for n in lengths]))
    return out


# ----- normalization ---------------------------------------------------------------------
BN_RANK_AXIS = [(2, -1), (3, -1), (3, 1), (4, -1), (4, 1), (4, 2), (4, -3), (5, -1)]
BN_SHAPES = {2: [(4, 3), (1, 3)], 3: [(3, 4, 5), (1, 4, 5)], 4: [(2, 3, 4, 5), (1, 3, 4, 5)],
             5: [(2, 2, 3, 2, 3)]}


def batch_norm_configs():
    out = []
    grid = itertools.product(BN_RANK_AXIS, (1e-3, 0.5, 1e-5), (True, False), (True, False))
    for (rank, axis), eps, center, scale in grid:
        args = dict(axis=axis, epsilon=eps, center=center, scale=scale)
        out.append((_name("BatchNormalization", "rank", rank, "axis", axis, "eps", eps,
                          "c" if center else "nc", "s" if scale else "ns"),
                    "BatchNormalization", args, BN_SHAPES[rank]))
    return out


# ----- reshaping -------------------------------------------------------------------------
PADDINGS = [0, 1, 2, (1, 2), ((1, 0), (2, 3)), ((0, 0), (0, 2)), [[2, 1], [0, 0]]]
CROPPINGS = [0, 1, (1, 2), ((1, 0), (2, 3)), ((0, 2), (0, 0)), [[0, 1], [1, 0]]]


def _per_format_configs(layer, arg, values, sizes):
    """One config per (value of `arg`, data_format), with the same (N, H, W, C) input
    sizes laid out for that format."""
    return [(_name(layer, value, fmt[9:]), layer, {arg: value, "data_format": fmt},
             [nhwc_or_nchw(*size, fmt) for size in sizes])
            for value, fmt in itertools.product(values, FORMATS)]


def zero_padding_configs():
    return _per_format_configs("ZeroPadding2D", "padding", PADDINGS,
                               [(2, 4, 5, 3), (1, 1, 1, 2)])


def cropping_configs():
    return _per_format_configs("Cropping2D", "cropping", CROPPINGS,
                               [(2, 7, 8, 3), (1, 5, 6, 1)])


def flatten_configs():
    out = []
    for fmt in (None, "channels_last", "channels_first"):
        args = {} if fmt is None else dict(data_format=fmt)
        shapes = [(2, 5), (2, 3, 4), (2, 3, 4, 5), (1, 2, 3, 2, 2), (3, 1, 1, 1)]
        out.append((_name("Flatten", fmt or "default"), "Flatten", args, shapes))
    return out


RESHAPES = [((-1,), [(2, 3, 4), (1, 5, 2)]), ((4, 3), [(2, 12), (1, 3, 4)]),
            ((-1, 3), [(2, 6, 2), (3, 3)]), ((2, -1, 2), [(2, 4, 2), (1, 8)]),
            ((1, 1, 6), [(2, 6), (2, 2, 3)]), ((3, 2, 2), [(2, 12)]), ([6, -1], [(2, 2, 3, 6)])]


def reshape_configs():
    return [(_name("Reshape", tuple(t)), "Reshape", dict(target_shape=t), shapes)
            for t, shapes in RESHAPES]


# ----- activations and the element-wise layers -------------------------------------------
ACT_SHAPES = [(3, 7), (2, 3, 4, 5)]


def activation_configs():
    return [(_name("Activation", a), "Activation", dict(activation=a), ACT_SHAPES)
            for a in ACTIVATIONS if a is not None]


def relu_configs():
    out = []
    for mv, ns, th in itertools.product((None, 1.0, 6.0, 0.5), (0.0, 0.1, 1.0), (0.0, 0.5)):
        out.append((_name("ReLU", "max", mv, "slope", ns, "th", th), "ReLU",
                    dict(max_value=mv, negative_slope=ns, threshold=th), ACT_SHAPES))
    return out


def leaky_relu_configs():
    return [(_name("LeakyReLU", s), "LeakyReLU", dict(negative_slope=s), ACT_SHAPES)
            for s in (0.0, 0.01, 0.3, 0.5, 1.0, 2.0)]


def elu_configs():
    return [(_name("ELU", a), "ELU", dict(alpha=a), ACT_SHAPES)
            for a in (1.0, 0.5, 2.0, 0.0)]


def softmax_configs():
    return [(_name("Softmax", axis), "Softmax", dict(axis=axis), shapes) for axis, shapes in
            ((-1, [(3, 7), (2, 3, 4)]), (1, [(2, 5, 3), (2, 3, 4, 5)]),
             (-2, [(2, 5, 3)]), (0, [(4, 3)]), ((1, 2), [(2, 3, 4, 2)]))]


def rescaling_configs():
    return [(_name("Rescaling", s, o), "Rescaling", dict(scale=s, offset=o), ACT_SHAPES)
            for s, o in ((1 / 255, 0.0), (0.5, -1.0), (2.0, 0.25), (-1.5, 3.0), (1.0, 0.0))]


def dropout_configs():
    """Inference (training None/False): the identity, compared exactly."""
    return [(_name("Dropout", r, n is not None), "Dropout",
             dict(rate=r) if n is None else dict(rate=r, noise_shape=n), [(2, 3, 4), (5, 1, 1)])
            for r, n in ((0.0, None), (0.3, None), (0.5, (None, 1, 4)), (0.99, None),
                         (1.0, None))]


# ----- merging ---------------------------------------------------------------------------
def add_configs():
    return [("Add_2", "Add", {}, [[(2, 3, 4)] * 2, [(1, 5)] * 2]),
            ("Add_3", "Add", {}, [[(2, 3, 4)] * 3, [(3, 2, 2, 2)] * 3]),
            ("Add_4_rank2", "Add", {}, [[(4, 6)] * 4])]


def concatenate_configs():
    return [(_name("Concatenate", axis), "Concatenate", dict(axis=axis), shapes)
            for axis, shapes in
            ((-1, [[(2, 3, 4), (2, 3, 2)], [(2, 5), (2, 1), (2, 3)]]),
             (1, [[(2, 3, 4), (2, 1, 4)], [(1, 2, 2, 3), (1, 4, 2, 3), (1, 1, 2, 3)]]),
             (2, [[(2, 3, 4, 5), (2, 3, 1, 5)]]),
             (-2, [[(2, 3, 4), (2, 5, 4)]]),
             (0, [[(2, 3), (4, 3)]]))]


# ----- issue 11: merges, normalizations and the small layers of real architectures ------
ELEMENTWISE_MERGES = ("Multiply", "Average", "Maximum", "Minimum")


def elementwise_merge_configs():
    out = [(_name(layer, n), layer, {}, [[(2, 3, 4)] * n, [(3, 2, 2, 2)] * n])
           for layer in ELEMENTWISE_MERGES for n in (2, 3)]
    out += [(_name(layer, "broadcast"), layer, {}, [[(2, 3, 3, 4), (2, 1, 1, 4)]])
            for layer in ELEMENTWISE_MERGES]  # a squeeze-and-excite gate
    out.append(("Subtract_2", "Subtract", {}, [[(2, 3, 4)] * 2, [(2, 3, 4), (2, 1, 4)]]))
    return out


DOTS = [(1, [(2, 5), (2, 5)]), (-1, [(2, 3, 4), (2, 5, 4)]), ((2, 1), [(2, 3, 4), (2, 4, 5)]),
        ((1, 2), [(2, 4, 3), (2, 5, 4)]), ((2, 1), [(2, 3, 4), (2, 4)])]


def dot_configs():
    return [(_name("Dot", axes, "norm" if norm else "raw"), "Dot",
             dict(axes=axes, normalize=norm), [shapes])
            for (axes, shapes), norm in itertools.product(DOTS, (False, True))]


NORM_AXES = [(-1, [(2, 3, 4, 5), (1, 5)]), (1, [(2, 3, 4), (1, 3, 2, 2)]),
             ([1, 2], [(2, 3, 4, 5)]), ([-2, -1], [(2, 3, 4), (1, 2, 3, 4)])]


def layer_norm_configs():
    out = []
    for (axis, shapes), eps, center, scale in itertools.product(
            NORM_AXES, (1e-3, 1e-6), (True, False), (True, False)):
        args = dict(axis=axis, epsilon=eps, center=center, scale=scale)
        out.append((_name("LayerNormalization", axis, eps, "c" if center else "nc",
                          "s" if scale else "ns"), "LayerNormalization", args, shapes))
    return out


def group_norm_configs():
    out = []
    for groups, axis, center in itertools.product((1, 2, 3, 6, -1), (-1, 1), (True, False)):
        shapes = ([(2, 4, 5, 6), (1, 2, 1, 6)] if axis == -1 else [(2, 6, 4, 3), (1, 6, 2, 1)])
        args = dict(groups=groups, axis=axis, center=center, scale=not center or groups > 2)
        out.append((_name("GroupNormalization", groups, axis, "c" if center else "nc"),
                    "GroupNormalization", args, shapes))
    return out


def unit_norm_configs():
    return [(_name("UnitNormalization", axis), "UnitNormalization", dict(axis=axis), shapes)
            for axis, shapes in NORM_AXES]


RMS_AXES = [(-1, [(3, 4), (2, 3, 4)]), ([1, 2], [(2, 3, 4)]), ([-2, -1], [(2, 3, 4, 5)]),
            (0, [(3, 2)]), (1, [(2, 3, 4)])]  # axis 1: tf.keras 3.15 scales the last axis


def rms_norm_configs():
    return [(_name("RMSNormalization", axis, eps), "RMSNormalization",
             dict(axis=axis, epsilon=eps), shapes)
            for (axis, shapes), eps in zip(RMS_AXES, (1e-6, 1e-3, 1e-6, 0.1, 1e-6))]


def normalization_configs():
    """Given statistics (no weights): per channel, per (H, W) position, one scalar."""
    return [("Normalization_channels", "Normalization",
             dict(axis=-1, mean=[0.5, -1.0, 2.0], variance=[1.0, 0.25, 4.0]),
             [(2, 4, 5, 3), (3, 1, 2, 3)]),
            ("Normalization_invert", "Normalization",
             dict(axis=-1, mean=[0.5, -1.0, 2.0], variance=[1.0, 0.25, 4.0], invert=True),
             [(2, 4, 5, 3)]),
            ("Normalization_hw", "Normalization",
             dict(axis=(1, 2), mean=[[1.0, 2.0], [3.0, 4.0]], variance=[[1.0, 2.0], [0.5, 9.0]]),
             [(2, 2, 2, 3)]),
            ("Normalization_scalar", "Normalization", dict(axis=None, mean=1.5, variance=2.0),
             [(2, 3, 4), (1, 5, 2)])]


def prelu_configs():
    return [(_name("PReLU", axes), "PReLU", dict(shared_axes=axes), shapes)
            for axes, shapes in ((None, [(2, 3, 4, 5)]), ([1, 2], [(2, 3, 4, 5)]),
                                 ([1], [(3, 4, 6)]), (None, [(5, 7)]))]


def shape_only_configs():
    return [("Permute_21", "Permute", dict(dims=(2, 1)), [(2, 3, 4)]),
            ("Permute_312", "Permute", dict(dims=(3, 1, 2)), [(2, 3, 4, 5)]),
            ("RepeatVector_3", "RepeatVector", dict(n=3), [(2, 5), (1, 1)]),
            ("Identity", "Identity", {}, [(2, 3), (2, 3, 4, 5)])]


def inference_identity_configs():
    """Layers that are the identity at inference (training not set)."""
    return [("SpatialDropout1D", "SpatialDropout1D", dict(rate=0.5), [(2, 4, 3)]),
            ("SpatialDropout2D", "SpatialDropout2D", dict(rate=0.5), [(2, 3, 4, 3)]),
            ("SpatialDropout3D", "SpatialDropout3D", dict(rate=0.5), [(2, 3, 4, 2, 3)]),
            ("GaussianNoise", "GaussianNoise", dict(stddev=0.5), [(2, 3, 4)]),
            ("GaussianDropout", "GaussianDropout", dict(rate=0.3), [(2, 3, 4)]),
            ("ActivityRegularization", "ActivityRegularization", dict(l1=0.1, l2=0.2),
             [(2, 3, 4)]),
            ("AlphaDropout", "AlphaDropout", dict(rate=0.3), [(2, 3, 4)])]


SINGLE_INPUT = [average_pooling_configs, max_pooling1d_configs, global_pooling_configs,
                adaptive_pooling_configs, conv1d_configs, batch_norm_configs,
                zero_padding_configs, cropping_configs, flatten_configs, reshape_configs,
                activation_configs, relu_configs, leaky_relu_configs, elu_configs,
                softmax_configs, rescaling_configs, dropout_configs, layer_norm_configs,
                group_norm_configs, unit_norm_configs, rms_norm_configs,
                normalization_configs, prelu_configs, shape_only_configs,
                inference_identity_configs]
MERGE = [add_configs, concatenate_configs, elementwise_merge_configs, dot_configs]


def all_configs():
    return [c for make in SINGLE_INPUT + MERGE + grids_conv_layers.SINGLE_INPUT
            for c in make()]


def value_cases():
    """(name, layer, args, dtype, shapes): float32 and float64 for every configuration
    (Conv1D float64: channels_last, plus a handful of channels_first, where TF has no
    CPU kernel), float16 for every 3rd configuration of each grid."""
    cases = []
    for make in SINGLE_INPUT + MERGE:
        for i, (name, layer, args, shapes) in enumerate(make()):
            cases.append((f"{name}_float32", layer, args, "float32", shapes))
            if layer in FLOAT32_ONLY:
                continue
            if layer != "Conv1D" or args["data_format"] == "channels_last" or i % 16 == 1:
                cases.append((f"{name}_float64", layer, args, "float64", shapes))
            if i % 3 == 1:
                cases.append((f"{name}_float16", layer, args, "float16", shapes))
    return tiered(cases) + grids_conv_layers.value_cases()


def channel_axis(layer, args):
    """The axis that must stay concrete in compute_output_shape (for None variants)."""
    if layer in ("BatchNormalization", "GroupNormalization"):
        return args.get("axis", -1)
    if args.get("data_format") == "channels_first":
        return 1
    return -1


def api_configs():
    """Every configuration of the small grids; every 4th of Conv1D, BatchNormalization,
    average and max pooling."""
    out = []
    for make in SINGLE_INPUT:
        configs = make()
        if len(configs) > 40:
            configs = configs[::4]
        out += configs
    return tiered(out) + grids_conv_layers.api_configs()
