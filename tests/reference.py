"""Slow, obviously-correct loop implementations, the yardstick for the unit tests.

Everything here is written from the definitions, in float64, one output element at a
time, sharing no code with kerasmini.ops (the padding rule is re-derived here too).
"""
import itertools
import math

import numpy as np


def out_size_and_pad_before(n, k, s, d, padding):
    """Output length and the padding before the first pixel, from TF's definitions."""
    k_eff = (k - 1) * d + 1
    if padding == "valid":
        return math.floor((n - k_eff) / s) + 1, 0
    out = math.ceil(n / s)
    total = max((out - 1) * s + k_eff - n, 0)
    return out, total // 2  # the odd pixel goes after


def conv2d(x, kernel, bias, strides, padding, dilation, groups, channels_first=False):
    """x (N,H,W,C) [or (N,C,H,W)], kernel (KH,KW,C/groups,F) -> float64 output."""
    x = np.asarray(x, np.float64)
    if channels_first:
        x = x.transpose(0, 2, 3, 1)
    n, h, w, c = x.shape
    kh, kw, cg, f = kernel.shape
    fg = f // groups
    oh, top = out_size_and_pad_before(h, kh, strides[0], dilation[0], padding)
    ow, left = out_size_and_pad_before(w, kw, strides[1], dilation[1], padding)
    out = np.zeros((n, oh, ow, f))
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for o in range(f):
                    g = o // fg
                    acc = 0.0
                    for a in range(kh):
                        for e in range(kw):
                            y = i * strides[0] + a * dilation[0] - top
                            z = j * strides[1] + e * dilation[1] - left
                            if 0 <= y < h and 0 <= z < w:
                                for ci in range(cg):
                                    acc += x[b, y, z, g * cg + ci] * kernel[a, e, ci, o]
                    out[b, i, j, o] = acc + (bias[o] if bias is not None else 0.0)
    return out.transpose(0, 3, 1, 2) if channels_first else out


def max_pool2d(x, pool, strides, padding, channels_first=False):
    """Max over each window of real pixels (padding never takes part)."""
    return _pool2d(x, pool, strides, padding, channels_first, max)


def average_pool2d(x, pool, strides, padding, channels_first=False):
    """Mean over the pixels of each window that lie inside the image."""
    return _pool2d(x, pool, strides, padding, channels_first,
                   lambda values: sum(values) / len(values))


def _pool2d(x, pool, strides, padding, channels_first, reduce):
    """reduce(list of the real pixels of each window), one output element at a time."""
    x = np.asarray(x, np.float64)
    if channels_first:
        x = x.transpose(0, 2, 3, 1)
    n, h, w, c = x.shape
    oh, top = out_size_and_pad_before(h, pool[0], strides[0], 1, padding)
    ow, left = out_size_and_pad_before(w, pool[1], strides[1], 1, padding)
    out = np.empty((n, oh, ow, c))
    for b, i, j, ch in itertools.product(range(n), range(oh), range(ow), range(c)):
        y0, z0 = i * strides[0] - top, j * strides[1] - left
        rows = range(max(y0, 0), min(y0 + pool[0], h))
        cols = range(max(z0, 0), min(z0 + pool[1], w))
        out[b, i, j, ch] = reduce([x[b, y, z, ch] for y in rows for z in cols])
    return out.transpose(0, 3, 1, 2) if channels_first else out


def dense(x, kernel, bias):
    """Sum over the last axis, one output element at a time."""
    x = np.asarray(x, np.float64)
    flat = x.reshape(-1, x.shape[-1])
    out = np.zeros((flat.shape[0], kernel.shape[1]))
    for r in range(flat.shape[0]):
        for u in range(kernel.shape[1]):
            acc = sum(flat[r, i] * kernel[i, u] for i in range(kernel.shape[0]))
            out[r, u] = acc + (bias[u] if bias is not None else 0.0)
    return out.reshape(*x.shape[:-1], kernel.shape[1])


def depthwise_conv2d(x, kernel, bias, strides, padding, dilation, channels_first=False):
    """kernel (KH, KW, C, M): output channel c * M + m correlates channel c with
    kernel[..., c, m] alone."""
    x = np.asarray(x, np.float64)
    if channels_first:
        x = x.transpose(0, 2, 3, 1)
    n, h, w, c = x.shape
    kh, kw, _, m = kernel.shape
    oh, top = out_size_and_pad_before(h, kh, strides[0], dilation[0], padding)
    ow, left = out_size_and_pad_before(w, kw, strides[1], dilation[1], padding)
    out = np.zeros((n, oh, ow, c * m))
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for ch in range(c):
                    for k in range(m):
                        acc = 0.0
                        for a in range(kh):
                            for e in range(kw):
                                y = i * strides[0] + a * dilation[0] - top
                                z = j * strides[1] + e * dilation[1] - left
                                if 0 <= y < h and 0 <= z < w:
                                    acc += x[b, y, z, ch] * kernel[a, e, ch, k]
                        out[b, i, j, ch * m + k] = acc + (
                            bias[ch * m + k] if bias is not None else 0.0)
    return out.transpose(0, 3, 1, 2) if channels_first else out


def transpose_length_and_crop(n, k, s, d, padding, output_padding):
    """Keras's transposed-convolution output length, and the pixels cut at the start:
    the padding before of the convolution that maps the output back to the input."""
    k_eff = (k - 1) * d + 1
    if padding == "valid":
        extra = max(k_eff, s) - k_eff if output_padding is None else output_padding
        return (n - 1) * s + k_eff + extra, 0
    out = n * s if output_padding is None else (n - 1) * s + k_eff % 2 + output_padding
    return out, max((n - 1) * s + k_eff - out, 0) // 2


def conv_transpose2d(x, kernel, bias, strides, padding, dilation, output_padding,
                     channels_first=False):
    """kernel (KH, KW, F, C): every input pixel scatters x * kernel onto the output."""
    x = np.asarray(x, np.float64)
    if channels_first:
        x = x.transpose(0, 2, 3, 1)
    n, h, w, c = x.shape
    kh, kw, f, _ = kernel.shape
    ops = output_padding if output_padding is not None else (None, None)
    oh, top = transpose_length_and_crop(h, kh, strides[0], dilation[0], padding, ops[0])
    ow, left = transpose_length_and_crop(w, kw, strides[1], dilation[1], padding, ops[1])
    out = np.zeros((n, oh, ow, f))
    for b in range(n):
        for i in range(h):
            for j in range(w):
                for a in range(kh):
                    for e in range(kw):
                        y = i * strides[0] + a * dilation[0] - top
                        z = j * strides[1] + e * dilation[1] - left
                        if 0 <= y < oh and 0 <= z < ow:
                            for o in range(f):
                                for ch in range(c):
                                    out[b, y, z, o] += x[b, i, j, ch] * kernel[a, e, o, ch]
    if bias is not None:
        out += bias
    return out.transpose(0, 3, 1, 2) if channels_first else out


def normalize_block(block, epsilon, centre=True):
    """(block - mean) / sqrt(var + eps) for one flat list of values, two-pass; without
    centre, block / sqrt(var + eps) (Keras's rms_scaling still takes the centred variance)."""
    mean = sum(block) / len(block)
    variance = sum((v - mean) ** 2 for v in block) / len(block)
    return [(v - mean * centre) / math.sqrt(variance + epsilon) for v in block]


def layer_norm(x, axes, gamma, beta, epsilon, centre=True):
    """Each block of x over `axes` (the others fixed) normalized, then * gamma + beta."""
    other = [a for a in range(x.ndim) if a not in axes]
    out = np.zeros_like(x)
    for index in itertools.product(*[range(x.shape[a]) for a in other]):
        where = [slice(None)] * x.ndim
        for a, i in zip(other, index):
            where[a] = i
        block = x[tuple(where)]
        normalized = np.array(normalize_block(block.ravel().tolist(), epsilon, centre))
        out[tuple(where)] = normalized.reshape(block.shape) * gamma + beta
    return out


def conv3d(x, kernel, bias, strides, padding, dilation, groups, channels_first=False):
    """x (N,D,H,W,C) [or (N,C,D,H,W)], kernel (KD,KH,KW,C/groups,F): one output voxel
    at a time, each tap's channels of the group summed as a dot product."""
    x = np.asarray(x, np.float64)
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    cg, f = kernel.shape[3:]
    fg = f // groups
    axes = [out_size_and_pad_before(n, k, s, d, padding) for n, k, s, d in
            zip(x.shape[1:4], kernel.shape[:3], strides, dilation)]
    out = np.zeros((x.shape[0], *(n for n, _ in axes), f))
    for b, o in itertools.product(range(x.shape[0]), np.ndindex(out.shape[1:4])):
        for t in np.ndindex(kernel.shape[:3]):
            at = [i * s + a * d - before for i, a, s, d, (_, before) in
                  zip(o, t, strides, dilation, axes)]
            if all(0 <= p < n for p, n in zip(at, x.shape[1:4])):
                for out_c in range(f):
                    g = out_c // fg
                    out[(b, *o, out_c)] += x[(b, *at)][g * cg:(g + 1) * cg] @ \
                        kernel[(*t, slice(None), out_c)]
    if bias is not None:
        out += bias
    return np.moveaxis(out, -1, 1) if channels_first else out


def conv_transpose3d(x, kernel, bias, strides, padding, dilation, output_padding,
                     channels_first=False):
    """kernel (KD,KH,KW,F,C): every input voxel scatters kernel @ x onto the output."""
    x = np.asarray(x, np.float64)
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    ops = output_padding if output_padding is not None else (None,) * 3
    axes = [transpose_length_and_crop(n, k, s, d, padding, op) for n, k, s, d, op in
            zip(x.shape[1:4], kernel.shape[:3], strides, dilation, ops)]
    out = np.zeros((x.shape[0], *(n for n, _ in axes), kernel.shape[3]))
    for b, i in itertools.product(range(x.shape[0]), np.ndindex(x.shape[1:4])):
        for t in np.ndindex(kernel.shape[:3]):
            y = [p * s + a * d - cut for p, a, s, d, (_, cut) in
                 zip(i, t, strides, dilation, axes)]
            if all(0 <= q < n for q, (n, _) in zip(y, axes)):
                out[(b, *y)] += kernel[t] @ x[(b, *i)]
    if bias is not None:
        out += bias
    return np.moveaxis(out, -1, 1) if channels_first else out


def pool3d(x, pool, strides, padding, channels_first, reduce):
    """reduce(list of the real voxels of each window), one output element at a time."""
    x = np.asarray(x, np.float64)
    if channels_first:
        x = np.moveaxis(x, 1, -1)
    axes = [out_size_and_pad_before(n, k, s, 1, padding) for n, k, s in
            zip(x.shape[1:4], pool, strides)]
    out = np.empty((x.shape[0], *(n for n, _ in axes), x.shape[4]))
    for b, o, c in itertools.product(range(x.shape[0]), np.ndindex(out.shape[1:4]),
                                     range(x.shape[4])):
        box = [range(max(i * s - before, 0), min(i * s - before + k, n)) for
               i, s, k, n, (_, before) in zip(o, strides, pool, x.shape[1:4], axes)]
        out[(b, *o, c)] = reduce([x[b, d, h, w, c] for d in box[0] for h in box[1]
                                  for w in box[2]])
    return np.moveaxis(out, -1, 1) if channels_first else out


def sparsemax_ref(z):
    """Euclidean projection onto the simplex, by trying every support size k."""
    s = sorted(z, reverse=True)
    for k in range(len(s), 0, -1):
        tau = (math.fsum(s[:k]) - 1) / k
        if s[k - 1] > tau:
            return [max(v - tau, 0.0) for v in z]


def sparsemax(x, axis=-1):
    """sparsemax_ref on each vector of x along axis."""
    moved = np.moveaxis(np.asarray(x, np.float64), axis, -1)
    rows = [sparsemax_ref(list(r)) for r in moved.reshape(-1, moved.shape[-1])]
    return np.moveaxis(np.reshape(rows, moved.shape), -1, axis)
