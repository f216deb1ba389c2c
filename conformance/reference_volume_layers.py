"""Independent float64 references for the 3D layers (grids_volume_layers.py), written
from the definitions as slow loops over output voxels and kernel taps; they share no
code with kerasmini or TensorFlow.

Sizes follow reference.same_pads ('same': the odd pad voxel after) and, for the
transposed convolution, reference_conv_layers.length_and_cut (Keras's output length).
"""
import itertools
import math

import numpy as np

from conformance import reference, reference_conv_layers  # (a cycle: used at call time)


def _f64(x):
    return np.asarray(x, np.float64)


def _last(x, data_format):
    return np.moveaxis(_f64(x), 1, -1) if data_format == "channels_first" else _f64(x)


def _first(x, data_format):
    return np.moveaxis(x, -1, 1) if data_format == "channels_first" else x


def _triple(value):
    return (value,) * 3 if isinstance(value, int) else tuple(value)


def _pairs3(value):
    """int, 3 ints or 3 pairs -> 3 (before, after) pairs."""
    if isinstance(value, int):
        return ((value, value),) * 3
    return tuple((v, v) if isinstance(v, int) else tuple(v) for v in value)


def _windows(size, kernel, stride, dilation, padding):
    """Per axis: (output length, first padded index before the volume)."""
    k_eff = (kernel - 1) * dilation + 1
    if padding == "same":
        return math.ceil(size / stride), reference.same_pads(size, k_eff, stride)[0]
    return (size - k_eff) // stride + 1, 0


def conv3d(x, kernel, bias, strides, padding, data_format, dilation_rate):
    """out[n, o, f] = sum over taps t and the group's channels c of
    x[n, o * s + t * d - pad, c] kernel[t, c, f]; padding voxels are zero."""
    x, kernel = _last(x, data_format), _f64(kernel)
    strides, dilation = _triple(strides), _triple(dilation_rate)
    per_group, filters = kernel.shape[3:]
    groups = x.shape[4] // per_group
    f_per_group = filters // groups
    axes = [_windows(n, k, s, d, padding) for n, k, s, d in
            zip(x.shape[1:4], kernel.shape[:3], strides, dilation)]
    out = np.zeros((x.shape[0], *(n for n, _ in axes), filters))
    for o in itertools.product(*(range(n) for n, _ in axes)):
        for t in itertools.product(*(range(k) for k in kernel.shape[:3])):
            at = [oi * s + ti * d - before for oi, ti, s, d, (_, before) in
                  zip(o, t, strides, dilation, axes)]
            if not all(0 <= a < n for a, n in zip(at, x.shape[1:4])):
                continue
            voxel = x[:, at[0], at[1], at[2]]
            for g in range(groups):
                out[(slice(None), *o, slice(g * f_per_group, (g + 1) * f_per_group))] += \
                    voxel[:, g * per_group:(g + 1) * per_group] @ \
                    kernel[t][:, g * f_per_group:(g + 1) * f_per_group]
    if bias is not None:
        out += _f64(bias)
    return _first(out, data_format)


def conv3d_transpose(x, kernel, bias, strides, padding, output_padding, data_format,
                     dilation_rate):
    """Each input voxel i adds x[i] @ kernel[t].T to output voxel i * s + t * d - cut."""
    x, kernel = _last(x, data_format), _f64(kernel)
    strides, dilation = _triple(strides), _triple(dilation_rate)
    ops = (None,) * 3 if output_padding is None else _triple(output_padding)
    axes = [reference_conv_layers.length_and_cut(n, k, s, d, padding, op) for n, k, s, d, op in
            zip(x.shape[1:4], kernel.shape[:3], strides, dilation, ops)]
    out = np.zeros((x.shape[0], *(n for n, _ in axes), kernel.shape[3]))
    for i in itertools.product(*(range(n) for n in x.shape[1:4])):
        for t in itertools.product(*(range(k) for k in kernel.shape[:3])):
            y = [ii * s + ti * d - cut for ii, ti, s, d, (_, cut) in
                 zip(i, t, strides, dilation, axes)]
            if all(0 <= yy < n for yy, (n, _) in zip(y, axes)):
                out[:, y[0], y[1], y[2]] += x[:, i[0], i[1], i[2]] @ kernel[t].T
    if bias is not None:
        out += _f64(bias)
    return _first(out, data_format)


def pool3d(x, pool_size, strides, padding, data_format, how):
    """Max or mean of each window's voxels inside the volume ('same' padding is never
    seen, never counted); NaN propagates (np.max)."""
    x = _last(x, data_format)
    pool_size = _triple(pool_size)
    strides = pool_size if strides is None else _triple(strides)
    axes = [_windows(n, k, s, 1, padding) for n, k, s in zip(x.shape[1:4], pool_size,
                                                               strides)]
    out = np.empty((x.shape[0], *(n for n, _ in axes), x.shape[4]))
    for o in itertools.product(*(range(n) for n, _ in axes)):
        box = tuple(slice(max(oi * s - before, 0), min(oi * s - before + k, n)) for
                    oi, s, k, n, (_, before) in zip(o, strides, pool_size, x.shape[1:4], axes))
        window = x[(slice(None), *box)]
        out[(slice(None), *o)] = np.max(window, axis=(1, 2, 3)) if how == "max" else \
            np.mean(window, axis=(1, 2, 3))
    return _first(out, data_format)


def up_sample3d(x, size, data_format):
    x = _last(x, data_format)
    size = _triple(size)
    out = np.empty((x.shape[0], *(n * f for n, f in zip(x.shape[1:4], size)), x.shape[4]))
    for o in itertools.product(*(range(n) for n in out.shape[1:4])):
        out[:, o[0], o[1], o[2]] = x[:, o[0] // size[0], o[1] // size[1], o[2] // size[2]]
    return _first(out, data_format)


def zero_pad3d(x, padding, data_format):
    x = _last(x, data_format)
    pads = _pairs3(padding)
    out = np.zeros((x.shape[0], *(b + n + a for n, (b, a) in zip(x.shape[1:4], pads)),
                    x.shape[4]))
    for i in itertools.product(*(range(n) for n in x.shape[1:4])):
        out[:, i[0] + pads[0][0], i[1] + pads[1][0], i[2] + pads[2][0]] = x[:, i[0], i[1], i[2]]
    return _first(out, data_format)


def crop3d(x, cropping, data_format):
    x = _last(x, data_format)
    crops = _pairs3(cropping)
    out = np.empty((x.shape[0], *(n - b - a for n, (b, a) in zip(x.shape[1:4], crops)),
                    x.shape[4]))
    for o in itertools.product(*(range(n) for n in out.shape[1:4])):
        out[:, o[0], o[1], o[2]] = x[:, o[0] + crops[0][0], o[1] + crops[1][0],
                                     o[2] + crops[2][0]]
    return _first(out, data_format)


def global_pool3d(x, data_format, keepdims, how):
    x = _last(x, data_format)
    out = np.empty((x.shape[0], x.shape[4]))
    for n, c in itertools.product(range(x.shape[0]), range(x.shape[4])):
        values = x[n, :, :, :, c]
        out[n, c] = np.max(values) if how == "max" else np.sum(values) / values.size
    if keepdims:
        return _first(out[:, None, None, None, :], data_format)
    return out


# ----- dispatch ------------------------------------------------------------------------------
LAYERS = ("Conv3D", "Conv3DTranspose", "MaxPooling3D", "MaxPool3D", "AveragePooling3D",
          "AvgPool3D", "GlobalMaxPooling3D", "GlobalAveragePooling3D", "UpSampling3D",
          "ZeroPadding3D", "Cropping3D")


def handles(layer, args=None):
    return layer in LAYERS


def output(layer, args, x, weights, names=()):
    """The float64 reference output of `layer(**args)`, or KeyError for other layers."""
    fmt = args.get("data_format", "channels_last")
    bias = weights[1] if len(weights) > 1 else None
    if layer == "Conv3D":
        out = conv3d(x, weights[0], bias, args.get("strides", 1), args.get("padding", "valid"),
                     fmt, args.get("dilation_rate", 1))
    elif layer == "Conv3DTranspose":
        out = conv3d_transpose(x, weights[0], bias, args.get("strides", 1),
                               args.get("padding", "valid"), args.get("output_padding"),
                               fmt, args.get("dilation_rate", 1))
    elif layer in ("MaxPooling3D", "MaxPool3D", "AveragePooling3D", "AvgPool3D"):
        return pool3d(x, args.get("pool_size", 2), args.get("strides"),
                      args.get("padding", "valid"), fmt, "max" if "Max" in layer else "avg")
    elif layer in ("GlobalMaxPooling3D", "GlobalAveragePooling3D"):
        return global_pool3d(x, fmt, args.get("keepdims", False),
                             "max" if "Max" in layer else "avg")
    elif layer == "UpSampling3D":
        return up_sample3d(x, args.get("size", 2), fmt)
    elif layer == "ZeroPadding3D":
        return zero_pad3d(x, args.get("padding", 1), fmt)
    elif layer == "Cropping3D":
        return crop3d(x, args.get("cropping", 1), fmt)
    else:
        raise KeyError(layer)
    with np.errstate(all="ignore"):
        return reference.activation(args.get("activation"), out)
