"""Independent float64 references for grids_conv_layers.py, written from the definitions
as slow loops; they share no code with kerasmini or TensorFlow.

A depthwise convolution is, by definition, a grouped convolution with one input channel
per group (output c * M + m from channel c and kernel[..., c, m]): reference.conv2d with
the kernel reshaped to (KH, KW, 1, C * M). A separable convolution is that, then a sum
over channels at each pixel (reference.dense). 1D layers are their 2D definitions on a
1-row image. The transposed convolution, resizing and the 1D reshaping layers have loops
of their own below.
"""
import math

import numpy as np

from conformance import reference, reference_layers, reference_volume_layers


def _f64(x):
    return np.asarray(x, np.float64)


def _last(x, data_format):
    return np.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def _first(x, data_format):
    return np.moveaxis(x, -1, 1) if data_format == "channels_first" else x


def _row(x, data_format):
    """(N, L, C) -> (N, 1, L, C); (N, C, L) -> (N, C, 1, L)."""
    return np.expand_dims(_f64(x), 1 if data_format == "channels_last" else 2)


def _unrow(x, data_format):
    return np.squeeze(x, 1 if data_format == "channels_last" else 2)


# ----- convolutions --------------------------------------------------------------------
def depthwise_conv2d(x, kernel, strides, padding, data_format, dilation_rate):
    kh, kw, c, m = kernel.shape
    return reference.conv2d(x, _f64(kernel).reshape(kh, kw, 1, c * m), None, strides,
                            padding, data_format, dilation_rate)


def pointwise(x, kernel, bias, data_format):
    """The 1x1 convolution: at each pixel, channels @ kernel (+ bias)."""
    out = reference.dense(_last(_f64(x), data_format), _f64(kernel).reshape(kernel.shape[-2:]),
                          bias)
    return _first(out, data_format)


def transposed_conv2d(x, kernel, bias, strides, padding, output_padding, data_format,
                      dilation_rate):
    """Each input pixel (i, j) adds x[i, j] @ kernel[a, b].T to output pixel
    (i * sh + a * dh - top, j * sw + b * dw - left). The output length and the pixels cut
    at the start (top/left) follow Keras: see length_and_cut."""
    x = _last(_f64(x), data_format)
    kernel = _f64(kernel)
    n, h, w, c = x.shape
    kh, kw, filters, _ = kernel.shape
    (sh, sw), (dh, dw) = reference._pair(strides), reference._pair(dilation_rate)
    ops = (None, None) if output_padding is None else reference._pair(output_padding)
    oh, top = length_and_cut(h, kh, sh, dh, padding, ops[0])
    ow, left = length_and_cut(w, kw, sw, dw, padding, ops[1])
    out = np.zeros((n, oh, ow, filters))
    for i in range(h):
        for j in range(w):
            for a in range(kh):
                for b in range(kw):
                    y, z = i * sh + a * dh - top, j * sw + b * dw - left
                    if 0 <= y < oh and 0 <= z < ow:
                        out[:, y, z, :] += x[:, i, j, :] @ kernel[a, b].T
    if bias is not None:
        out += _f64(bias)
    return _first(out, data_format)


def length_and_cut(n, k, s, d, padding, output_padding):
    """Keras's output length; and the cut: the 'same' padding before of the convolution
    that maps that length back to n (the smaller half of its total padding)."""
    k_eff = (k - 1) * d + 1
    if padding == "valid":
        if output_padding is None:
            return (n - 1) * s + max(k_eff, s), 0
        return (n - 1) * s + k_eff + output_padding, 0
    length = n * s if output_padding is None else (n - 1) * s + k_eff % 2 + output_padding
    return length, max((n - 1) * s + k_eff - length, 0) // 2


# ----- resizing ---------------------------------------------------------------------------
def resize(x, size, interpolation, data_format):
    """Half-pixel centres: output pixel o of an axis n -> m sits at (o + 0.5) * n / m - 0.5;
    'nearest' takes pixel floor((o + 0.5) * n / m), 'bilinear' weighs the 4 around it
    (clamped to the edges). One output pixel at a time."""
    x = _last(_f64(x), data_format)
    n, h, w, c = x.shape
    out = np.empty((n, *size, c))
    for i in range(size[0]):
        for j in range(size[1]):
            if interpolation == "nearest":
                out[:, i, j] = x[:, min(math.floor((i + 0.5) * h / size[0]), h - 1),
                                 min(math.floor((j + 0.5) * w / size[1]), w - 1)]
                continue
            y, z = (i + 0.5) * h / size[0] - 0.5, (j + 0.5) * w / size[1] - 0.5
            y0, z0 = math.floor(y), math.floor(z)
            total = 0.0
            for yy, wy in ((y0, 1 - (y - y0)), (y0 + 1, y - y0)):
                for zz, wz in ((z0, 1 - (z - z0)), (z0 + 1, z - z0)):
                    total = total + wy * wz * x[:, min(max(yy, 0), h - 1),
                                                min(max(zz, 0), w - 1)]
            out[:, i, j] = total
    return _first(out, data_format)


def aspect_crop(x, size, data_format):
    """The largest centred box with the aspect ratio of `size` (Keras's rule)."""
    x = _last(_f64(x), data_format)
    h, w = x.shape[1:3]
    ch = max(min(h, int(w * size[0] / size[1])), 1)
    cw = max(min(w, int(h * size[1] / size[0])), 1)
    top, left = int((h - ch) / 2), int((w - cw) / 2)
    return _first(x[:, top:top + ch, left:left + cw], data_format)


def center_crop(x, height, width, data_format):
    xl = _last(_f64(x), data_format)
    h, w = xl.shape[1:3]
    if h < height or w < width:
        return resize(aspect_crop(x, (height, width), data_format), (height, width),
                      "bilinear", data_format)
    top, left = (h - height) // 2, (w - width) // 2
    return _first(xl[:, top:top + height, left:left + width], data_format)


# ----- 1D reshaping --------------------------------------------------------------------------
def up_sample1d(x, size):
    x = _f64(x)
    out = np.empty((x.shape[0], x.shape[1] * size, x.shape[2]))
    for t in range(out.shape[1]):
        out[:, t] = x[:, t // size]
    return out


def _pair_of(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def zero_pad1d(x, padding, data_format):
    x = _last(_f64(x), data_format)
    before, after = _pair_of(padding)
    out = np.zeros((x.shape[0], before + x.shape[1] + after, x.shape[2]))
    for t in range(x.shape[1]):
        out[:, before + t] = x[:, t]
    return _first(out, data_format)


def crop1d(x, cropping):
    x = _f64(x)
    before, after = _pair_of(cropping)
    out = np.empty((x.shape[0], x.shape[1] - before - after, x.shape[2]))
    for t in range(out.shape[1]):
        out[:, t] = x[:, before + t]
    return out


def global_pool1d(x, data_format, keepdims, how):
    x = _last(_f64(x), data_format)[:, None]  # (N, 1, L, C): a 1-row image
    out = reference_layers.global_pool2d(x, "channels_last", keepdims, how)
    if not keepdims:
        return out
    return _first(out[:, 0], data_format)


# ----- dispatch ------------------------------------------------------------------------------
LAYERS = ("DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
          "Conv1DTranspose", "Conv2DTranspose", "AveragePooling1D", "AvgPool1D",
          "GlobalAveragePooling1D", "GlobalMaxPooling1D", "UpSampling1D", "UpSampling2D",
          "ZeroPadding1D", "Cropping1D", "Resizing", "CenterCrop")


def handles(layer, args):
    """Is this a layer (or Conv1D 'causal') whose reference lives here?"""
    return layer in LAYERS or reference_volume_layers.handles(layer) or (
        layer == "Conv1D" and args.get("padding") == "causal")


ONE_D = {"DepthwiseConv1D": "DepthwiseConv2D", "SeparableConv1D": "SeparableConv2D",
         "Conv1DTranspose": "Conv2DTranspose", "AveragePooling1D": "AveragePooling2D",
         "AvgPool1D": "AveragePooling2D"}
ONE_D_ARGS = ("kernel_size", "strides", "dilation_rate", "pool_size", "output_padding")


def _as_2d_args(args):
    """A 1D layer's arguments as its 2D definition's on a 1-row image."""
    out = dict(args)
    for key in ONE_D_ARGS:
        if out.get(key) is not None:
            value = out[key]
            out[key] = (0 if key == "output_padding" else 1,
                        value if isinstance(value, int) else value[0])
    if "pool_size" in args and args.get("strides") is None:
        out["strides"] = out["pool_size"]
    return out


def output(layer, args, x, weights, names=()):
    """The float64 reference output of `layer(**args)`, or KeyError for other layers."""
    fmt = args.get("data_format", "channels_last")
    if reference_volume_layers.handles(layer):
        return reference_volume_layers.output(layer, args, x, weights, names)
    if layer in ONE_D:
        weights = [w[None] if w.ndim > 1 else w for w in weights]
        out = output(ONE_D[layer], _as_2d_args(args), _row(x, fmt), weights, names)
        return _unrow(out, fmt)
    if layer == "Conv1D" and args.get("padding") == "causal":
        k, d = _pair_of(args["kernel_size"])[0], _pair_of(args.get("dilation_rate", 1))[0]
        steps = 1 if fmt == "channels_last" else 2
        pads = [(0, 0)] * 3
        pads[steps] = ((k - 1) * d, 0)
        return reference_layers.output("Conv1D", dict(args, padding="valid"),
                                       np.pad(_f64(x), pads), weights, names)
    bias = None if len(weights) < 2 or weights[-1].ndim != 1 else weights[-1]
    if layer == "DepthwiseConv2D":
        out = depthwise_conv2d(x, weights[0], args.get("strides", 1),
                               args.get("padding", "valid"), fmt,
                               args.get("dilation_rate", 1))
        return _activate(args, _biased(out, bias, fmt))
    if layer == "SeparableConv2D":
        out = depthwise_conv2d(x, weights[0], args.get("strides", 1),
                               args.get("padding", "valid"), fmt,
                               args.get("dilation_rate", 1))
        return _activate(args, pointwise(out, weights[1], bias, fmt))
    if layer == "Conv2DTranspose":
        out = transposed_conv2d(x, weights[0], bias, args.get("strides", 1),
                                args.get("padding", "valid"), args.get("output_padding"),
                                fmt, args.get("dilation_rate", 1))
        return _activate(args, out)
    if layer == "AveragePooling2D":
        return reference_layers.average_pool2d(x, args["pool_size"], args.get("strides"),
                                               args.get("padding", "valid"), fmt)
    if layer in ("GlobalAveragePooling1D", "GlobalMaxPooling1D"):
        return global_pool1d(x, fmt, args.get("keepdims", False),
                             "avg" if "Average" in layer else "max")
    if layer == "UpSampling2D":
        xl = _last(_f64(x), fmt)
        sh, sw = _pair_of(args.get("size", 2))
        size = (xl.shape[1] * sh, xl.shape[2] * sw)
        return resize(x, size, args.get("interpolation", "nearest"), fmt)
    if layer == "UpSampling1D":
        return up_sample1d(x, args.get("size", 2))
    if layer == "ZeroPadding1D":
        return zero_pad1d(x, args.get("padding", 1), fmt)
    if layer == "Cropping1D":
        return crop1d(x, args.get("cropping", (1, 1)))
    if layer == "Resizing":
        size = (args["height"], args["width"])
        if args.get("crop_to_aspect_ratio"):
            x = aspect_crop(x, size, fmt)
        return resize(x, size, args.get("interpolation", "bilinear"), fmt)
    if layer == "CenterCrop":
        return center_crop(x, args["height"], args["width"], fmt)
    raise KeyError(layer)


def _biased(out, bias, data_format):
    if bias is None:
        return out
    return _first(_last(out, data_format) + _f64(bias), data_format)


def _activate(args, out):
    with np.errstate(all="ignore"):
        return reference.activation(args.get("activation"), out)
