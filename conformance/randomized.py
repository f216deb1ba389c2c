"""The seeded random tier: each case's configuration comes from its own seed alone.

    python -m conformance --random-case Conv2D:123456     # reproduce one case
    KM_CONFORMANCE_SEED=42 python -m conformance          # the same random tier again
"""
import os

import numpy as np

from conformance.grids import ACTIVATIONS, TIER, nhwc_or_nchw

PER_LAYER = {"full": 60, "quick": 10}


def base_seed():
    return int(os.environ.get("KM_CONFORMANCE_SEED", "0"))


def case_seeds(layer):
    rng = np.random.default_rng([base_seed(), sum(map(ord, layer))])
    return [int(s) for s in rng.integers(1, 2**31 - 1, PER_LAYER.get(TIER, 60))]


def _dtype(rng):
    return str(rng.choice(["float32"] * 6 + ["float64"] * 2 + ["float16"]))


def conv_case(seed):
    rng = np.random.default_rng(seed)
    groups = int(rng.choice([1, 1, 2, 3]))
    k = tuple(int(v) for v in rng.integers(1, 6, 2))
    if rng.random() < 0.5:
        s, d = tuple(int(v) for v in rng.integers(1, 4, 2)), (1, 1)
    else:
        s, d = (1, 1), tuple(int(v) for v in rng.integers(1, 4, 2))
    fmt = str(rng.choice(["channels_last", "channels_first"]))
    dtype = _dtype(rng)
    if dtype == "float64":
        fmt = "channels_last"  # TF has no float64 NCHW conv on CPU (a known limitation)
    args = dict(filters=groups * int(rng.integers(1, 4)), kernel_size=k, strides=s,
                padding=str(rng.choice(["valid", "same"])), data_format=fmt,
                dilation_rate=d, groups=groups, use_bias=bool(rng.random() < 0.7),
                activation=ACTIVATIONS[int(rng.integers(len(ACTIVATIONS)))])
    eff = [(kk - 1) * dd + 1 for kk, dd in zip(k, d)]
    lo = [1, 1] if args["padding"] == "same" else eff
    shapes = []
    for _ in range(2):
        h, w = (int(rng.integers(lo_, lo_ + 8)) for lo_ in lo)
        shapes.append(nhwc_or_nchw(int(rng.integers(1, 4)), h, w,
                                   groups * int(rng.integers(1, 4)), fmt))
    shapes[1] = shapes[1][:1] + shapes[0][1:] if fmt == "channels_first" else shapes[1]
    # both inputs go through one layer: the channel count must agree
    c_axis = -1 if fmt == "channels_last" else 1
    s1 = list(shapes[1])
    s1[c_axis] = shapes[0][c_axis]
    shapes[1] = tuple(s1)
    return "Conv2D", args, dtype, shapes


def pool_case(seed):
    rng = np.random.default_rng(seed)
    p = tuple(int(v) for v in rng.integers(1, 5, 2))
    strides = None if rng.random() < 0.3 else tuple(int(v) for v in rng.integers(1, 5, 2))
    fmt = str(rng.choice(["channels_last", "channels_first"]))
    args = dict(pool_size=p, strides=strides, padding=str(rng.choice(["valid", "same"])),
                data_format=fmt)
    lo = (1, 1) if args["padding"] == "same" else p
    c = int(rng.integers(1, 5))
    shapes = [nhwc_or_nchw(int(rng.integers(1, 4)), int(rng.integers(lo[0], lo[0] + 9)),
                           int(rng.integers(lo[1], lo[1] + 9)), c, fmt) for _ in range(2)]
    return str(rng.choice(["MaxPool2D", "MaxPooling2D"])), args, _dtype(rng), shapes


def dense_case(seed):
    rng = np.random.default_rng(seed)
    rank = int(rng.integers(2, 6))
    input_dim = int(rng.integers(1, 12))
    args = dict(units=int(rng.integers(1, 17)), use_bias=bool(rng.random() < 0.7),
                activation=ACTIVATIONS[int(rng.integers(len(ACTIVATIONS)))])
    shapes = [tuple(int(v) for v in rng.integers(1, 5, rank - 1)) + (input_dim,)
              for _ in range(2)]
    return "Dense", args, _dtype(rng), shapes


MAKERS = {"Conv2D": conv_case, "MaxPool2D": pool_case, "Dense": dense_case}


def reproduce_command(layer, seed):
    return f"python -m conformance --random-case {layer}:{seed}"
