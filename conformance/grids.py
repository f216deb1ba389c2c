"""The argument grids: cross products over the Keras argument space, in two tiers.

`KM_CONFORMANCE_TIER=quick` (python -m conformance --quick) keeps every n-th case of each
grid (a spread, not a prefix); the default tier is `full`.
"""
import itertools
import os

TIER = os.environ.get("KM_CONFORMANCE_TIER", "full")
QUICK_EVERY = 8

ACTIVATIONS = [None, "relu", "sigmoid", "tanh", "linear", "elu", "softplus", "gelu", "selu",
               "silu", "softsign", "leaky_relu", "relu6", "hard_sigmoid", "mish", "softmax",
               "exponential"]


def tiered(cases, every=QUICK_EVERY):
    cases = list(cases)
    if TIER == "quick":
        return cases[::every]
    return cases


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _name(*parts):
    text = "_".join(str(p) for p in parts)
    for a, b in ((" ", ""), ("(", ""), (")", ""), (",", "x"), ("'", ""), ("None", "N")):
        text = text.replace(a, b)
    return text


def nhwc_or_nchw(batch, h, w, c, data_format):
    return (batch, h, w, c) if data_format == "channels_last" else (batch, c, h, w)


# ----- Conv2D ----------------------------------------------------------------------------
CONV_KERNELS = [1, 2, 3, 5, (1, 3), (3, 1), (4, 3)]
CONV_STRIDE_DILATION = [(1, 1), (2, 1), (3, 1), ((2, 1), 1), (1, 2), (1, (2, 3))]
CONV_CHANNELS = {1: [(1, 2), (3, 4), (4, 5), (2, 1)], 2: [(2, 4), (4, 2), (6, 6), (4, 4)]}


def conv_shapes(args, channels, index):
    """Odd and even sizes, input == (dilated) kernel, and size 1 where it is legal."""
    (kh, kw), (dh, dw) = _pair(args["kernel_size"]), _pair(args["dilation_rate"])
    eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    fmt = args["data_format"]
    sizes = [(eh + 4 + index % 2, ew + 3 + (index // 2) % 2), (eh, ew)]
    if args["padding"] == "same" or (eh, ew) == (1, 1):
        sizes.append((1, 1))
    else:
        sizes.append((eh + 1, ew + 2))
    return [nhwc_or_nchw(2, h, w, channels, fmt) for h, w in sizes]


def conv_configs():
    """Every (kernel, stride/dilation, padding, groups, data_format, use_bias)."""
    out = []
    grid = itertools.product(CONV_KERNELS, CONV_STRIDE_DILATION, ("valid", "same"), (1, 2),
                             ("channels_last", "channels_first"), (True, False))
    for i, (k, (s, d), pad, g, fmt, bias) in enumerate(grid):
        cin, filters = CONV_CHANNELS[g][i % 4]
        args = dict(filters=filters, kernel_size=k, strides=s, padding=pad,
                    data_format=fmt, dilation_rate=d, groups=g, use_bias=bias,
                    activation=ACTIVATIONS[i % len(ACTIVATIONS)])
        name = _name("k", k, "s", s, "d", d, pad, "g", g, fmt[9:], "b" if bias else "nb",
                     args["activation"])
        out.append((name, args, conv_shapes(args, cin, i)))
    return out


def conv_value_cases():
    configs = conv_configs()
    cases = []
    for i, (name, args, shapes) in enumerate(configs):
        cases.append((f"{name}_float32", args, "float32", shapes))
        if args["data_format"] == "channels_last":
            cases.append((f"{name}_float64", args, "float64", shapes))
        elif (i // 4) % 8 == 0:  # TF has no float64 NCHW conv on CPU: a handful suffices
            cases.append((f"{name}_float64", args, "float64", shapes))
        if i % 5 == 2:  # a spread over formats and use_bias (i % 4 would pin both)
            cases.append((f"{name}_float16", args, "float16", shapes))
    return tiered(cases)


# ----- MaxPool2D -------------------------------------------------------------------------
POOL_SIZES = [1, 2, 3, (2, 3), (3, 1)]
POOL_STRIDES = [None, 1, 2, 3, (2, 1), (1, 3)]


def pool_configs():
    out = []
    grid = itertools.product(POOL_SIZES, POOL_STRIDES, ("valid", "same"),
                             ("channels_last", "channels_first"))
    for i, (p, s, pad, fmt) in enumerate(grid):
        layer = "MaxPool2D" if i % 2 == 0 else "MaxPooling2D"
        args = dict(pool_size=p, strides=s, padding=pad, data_format=fmt)
        ph, pw = _pair(p)
        c = 1 + i % 3
        sizes = [(7 + ph, 6 + pw + i % 2), (8, 9), (ph, pw)]
        if pad == "same" or (ph, pw) == (1, 1):
            sizes.append((1, 1))
        shapes = [nhwc_or_nchw(2, h, w, c, fmt) for h, w in sizes]
        out.append((_name(layer, "p", p, "s", s, pad, fmt[9:]), layer, args, shapes))
    return out


def pool_value_cases():
    return tiered((f"{name}_{dtype}", layer, args, dtype, shapes)
                  for name, layer, args, shapes in pool_configs()
                  for dtype in ("float32", "float64", "float16"))


# ----- Dense -----------------------------------------------------------------------------
DENSE_UNITS = [1, 3, 8, 16]
DENSE_LEADING = {2: [(2,), (5,)], 3: [(2, 3), (1, 1)], 4: [(2, 3, 4), (1, 2, 1)],
                 5: [(2, 1, 3, 2), (1, 2, 2, 3)]}


def dense_configs():
    out = []
    grid = itertools.product(DENSE_UNITS, (2, 3, 4, 5), (1, 5), (True, False))
    for i, (units, rank, input_dim, bias) in enumerate(grid):
        args = dict(units=units, use_bias=bias, activation=ACTIVATIONS[i % len(ACTIVATIONS)])
        shapes = [lead + (input_dim,) for lead in DENSE_LEADING[rank]]
        out.append((_name("u", units, "rank", rank, "in", input_dim, "b" if bias else "nb",
                          args["activation"]), args, shapes))
    return out


def dense_value_cases():
    return tiered((f"{name}_{dtype}", args, dtype, shapes)
                  for name, args, shapes in dense_configs()
                  for dtype in ("float32", "float64", "float16"))
