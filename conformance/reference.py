"""Independent float64 references, written as slow loops so that they are obviously right.

They share no code with kerasmini (not even the 'same' padding rule) and no code with
TensorFlow. Every value comparison in the suite is three-way: kerasmini and tf.keras are
each compared with these.
"""
import math

import numpy as np


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def same_pads(length, k_eff, stride):
    """'same': out = ceil(L / s); total pad so the last window ends at the padded edge;
    the odd pixel goes after (bottom/right), as TensorFlow and Keras document."""
    out = math.ceil(length / stride)
    total = max((out - 1) * stride + k_eff - length, 0)
    return total // 2, total - total // 2


def conv2d(x, kernel, bias, strides, padding, data_format, dilation_rate):
    """Cross-correlation, one output pixel and one group at a time, in float64."""
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    if data_format == "channels_first":
        x = x.transpose(0, 2, 3, 1)
    (sh, sw), (dh, dw) = _pair(strides), _pair(dilation_rate)
    kh, kw, cg, filters = kernel.shape
    n, h, w, c = x.shape
    groups = c // cg
    fg = filters // groups
    keh, kew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    if padding == "same":
        (pt, pb), (pl, pr) = same_pads(h, keh, sh), same_pads(w, kew, sw)
    else:
        pt = pb = pl = pr = 0
    xp = np.zeros((n, h + pt + pb, w + pl + pr, c))
    xp[:, pt:pt + h, pl:pl + w, :] = x
    oh = (xp.shape[1] - keh) // sh + 1
    ow = (xp.shape[2] - kew) // sw + 1
    out = np.zeros((n, oh, ow, filters))
    for i in range(oh):
        for j in range(ow):
            for g in range(groups):
                # patch[n, a, b, ci] = xp[n, i*sh + a*dh, j*sw + b*dw, g*cg + ci]
                patch = xp[:, i * sh:i * sh + keh:dh, j * sw:j * sw + kew:dw,
                           g * cg:(g + 1) * cg]
                weights = kernel[:, :, :, g * fg:(g + 1) * fg]
                out[:, i, j, g * fg:(g + 1) * fg] = np.einsum("nabc,abcf->nf", patch, weights)
    if bias is not None:
        out = out + np.asarray(bias, np.float64)
    if data_format == "channels_first":
        out = out.transpose(0, 3, 1, 2)
    return out


def pool_windows(h, w, pool_size, strides, padding):
    """The geometry both pooling references share: (out_h, out_w) and, for each output
    pixel, (i, j, rows, cols): the ranges of image rows and columns its window covers.

    'same' pads are virtual: a window is clipped to the image, so padding is never seen
    (max) and never counted (average), as TensorFlow documents; the pads before the image
    come from same_pads (the odd pixel after)."""
    (ph, pw) = _pair(pool_size)
    (sh, sw) = _pair(strides if strides is not None else pool_size)
    if padding == "same":
        (pt, _), (pl, _) = same_pads(h, ph, sh), same_pads(w, pw, sw)
        oh, ow = math.ceil(h / sh), math.ceil(w / sw)
    else:
        pt = pl = 0
        oh, ow = (h - ph) // sh + 1, (w - pw) // sw + 1
    windows = []
    for i in range(oh):
        for j in range(ow):
            top, left = i * sh - pt, j * sw - pl
            windows.append((i, j, range(max(top, 0), min(top + ph, h)),
                            range(max(left, 0), min(left + pw, w))))
    return (oh, ow), windows


def max_pool2d(x, pool_size, strides, padding, data_format):
    """Largest value of each window; windows never see padding; NaN propagates (np.max)."""
    x = np.asarray(x, np.float64)
    if data_format == "channels_first":
        x = x.transpose(0, 2, 3, 1)
    n, h, w, c = x.shape
    (oh, ow), windows = pool_windows(h, w, pool_size, strides, padding)
    out = np.empty((n, oh, ow, c))
    for i, j, rows, cols in windows:
        window = x[:, rows.start:rows.stop, cols.start:cols.stop, :]
        out[:, i, j, :] = np.max(window, axis=(1, 2))
    if data_format == "channels_first":
        out = out.transpose(0, 3, 1, 2)
    return out


def dense(x, kernel, bias):
    """out[..., u] = sum_i x[..., i] * kernel[i, u] (+ bias[u]), one output unit at a time."""
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    out = np.empty(x.shape[:-1] + (kernel.shape[1],))
    for u in range(kernel.shape[1]):
        out[..., u] = np.sum(x * kernel[:, u], axis=-1)
    if bias is not None:
        out = out + np.asarray(bias, np.float64)
    return out


# ----- activations, from their textbook formulas, in float64 ------------------------------
_erf = np.vectorize(math.erf, otypes=[np.float64])


def _softmax(x):
    m = np.max(x, axis=-1, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=-1, keepdims=True)


def _softplus(x):
    return np.logaddexp(0.0, x)


ACTIVATIONS = {
    None: lambda x: x,
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "relu6": lambda x: np.clip(x, 0.0, 6.0),
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.2 * x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
    "selu": lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * np.expm1(np.minimum(x, 0.0))),
    "sigmoid": lambda x: 0.5 * (1.0 + np.tanh(0.5 * x)),
    "hard_sigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "tanh": np.tanh,
    "softplus": _softplus,
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "silu": lambda x: x * 0.5 * (1.0 + np.tanh(0.5 * x)),
    "swish": lambda x: x * 0.5 * (1.0 + np.tanh(0.5 * x)),
    "gelu": lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0))),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "exponential": np.exp,
    "softmax": _softmax,
}


def activation(name, x):
    return ACTIVATIONS[name](x)


def f32(value):
    """A Python constant rounded to float32, as TensorFlow stores some of them."""
    return None if value is None else float(np.float32(value))


_ERF = np.vectorize(math.erf, otypes=[np.float64])
# Activations with their Python constants rounded to float32: what tf.keras computes in
# float64 (a TensorFlow divergence; kerasmini uses the exact constants).
F32_ACTIVATIONS = {
    "leaky_relu": lambda x: np.where(x >= 0, x, f32(0.2) * x),
    "gelu": lambda x: 0.5 * x * (1.0 + _ERF(x * f32(1 / math.sqrt(2.0)))),
}

