"""Independent float64 references for the model-building layers, written from their
definitions as slow loops (as reference.py is for Conv2D, MaxPool2D and Dense).

They share no code with kerasmini or TensorFlow. Conv1D and MaxPooling1D reuse the 2D
references of reference.py on a unit-height image (that reduction is the definition: a
1D window is a 2D window one row high), with the 'same' padding rule of reference.py.
"""
import math

import numpy as np

from conformance import reference


def _f64(x):
    return np.asarray(x, np.float64)


def _to_last(x, data_format):
    return np.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def _from_last(x, data_format):
    return np.moveaxis(x, -1, 1) if data_format == "channels_first" else x


# ----- pooling ---------------------------------------------------------------------------
def average_pool2d(x, pool_size, strides, padding, data_format):
    """Mean of each window over the pixels inside the image only ('same' padding never
    counts, as TensorFlow documents), one output pixel and one pixel of its window at a
    time; the windows are reference.pool_windows, as for max pooling."""
    x = _to_last(_f64(x), data_format)
    n, h, w, c = x.shape
    (oh, ow), windows = reference.pool_windows(h, w, pool_size, strides, padding)
    out = np.empty((n, oh, ow, c))
    for i, j, rows, cols in windows:
        total = np.zeros((n, c))
        for a in rows:
            for b in cols:
                total += x[:, a, b, :]
        out[:, i, j, :] = total / (len(rows) * len(cols))
    return _from_last(out, data_format)


def adaptive_pool(x, output_size, data_format, how):
    """Keras's adaptive pooling: output i along an axis of length n reduces the input
    positions floor(i * n / m) .. ceil((i + 1) * n / m) - 1 of that axis (m outputs); a
    box is the product of its axes' bins. One output position at a time."""
    x = _to_last(_f64(x), data_format)
    spatial = x.shape[1:-1]
    sizes = (output_size,) * len(spatial) if isinstance(output_size, int) else output_size
    out = np.zeros((x.shape[0], *sizes, x.shape[-1]))
    reduce = np.mean if how == "Average" else np.max
    for position in np.ndindex(*sizes):
        bins = [range(math.floor(i * n / m), math.ceil((i + 1) * n / m))
                for i, n, m in zip(position, spatial, sizes)]
        box = x[np.ix_(range(x.shape[0]), *bins, range(x.shape[-1]))]
        out[(slice(None), *position)] = reduce(box, axis=tuple(range(1, box.ndim - 1)))
    return _from_last(out, data_format)


def _unit_row(x, data_format):
    """(N, L, C) -> (N, 1, L, C); (N, C, L) -> (N, C, 1, L)."""
    return np.expand_dims(_f64(x), 1 if data_format == "channels_last" else 2)


def _drop_row(x, data_format):
    return np.squeeze(x, 1 if data_format == "channels_last" else 2)


def max_pool1d(x, pool_size, strides, padding, data_format):
    p = pool_size if isinstance(pool_size, int) else pool_size[0]
    s = p if strides is None else (strides if isinstance(strides, int) else strides[0])
    out = reference.max_pool2d(_unit_row(x, data_format), (1, p), (1, s), padding,
                               data_format)
    return _drop_row(out, data_format)


def global_pool2d(x, data_format, keepdims, how):
    """Mean or max over every pixel of each (sample, channel), by a loop over pixels."""
    x = _to_last(_f64(x), data_format)
    n, h, w, c = x.shape
    if how == "avg":
        acc = np.zeros((n, c))
        for a in range(h):
            for b in range(w):
                acc += x[:, a, b, :]
        acc /= h * w
    else:
        acc = np.full((n, c), -np.inf)
        for a in range(h):
            for b in range(w):
                v = x[:, a, b, :]
                acc = np.where(np.isnan(v) | np.isnan(acc), np.nan, np.maximum(acc, v))
    if not keepdims:
        return acc
    return _from_last(acc[:, None, None, :], data_format)


# ----- convolution -----------------------------------------------------------------------
def conv1d(x, kernel, bias, strides, padding, data_format, dilation_rate):
    s = strides if isinstance(strides, int) else strides[0]
    d = dilation_rate if isinstance(dilation_rate, int) else dilation_rate[0]
    out = reference.conv2d(_unit_row(x, data_format), _f64(kernel)[None], bias, (1, s),
                           padding, data_format, (1, d))
    return _drop_row(out, data_format)


# ----- reshaping -------------------------------------------------------------------------
def _pairs(value):
    if isinstance(value, int):
        return ((value, value), (value, value))
    return tuple((v, v) if isinstance(v, int) else tuple(v) for v in value)


def zero_pad2d(x, padding, data_format):
    x = _to_last(_f64(x), data_format)
    (t, b), (l, r) = _pairs(padding)
    n, h, w, c = x.shape
    out = np.zeros((n, h + t + b, w + l + r, c))
    for i in range(h):
        for j in range(w):
            out[:, t + i, l + j, :] = x[:, i, j, :]
    return _from_last(out, data_format)


def crop2d(x, cropping, data_format):
    x = _to_last(_f64(x), data_format)
    (t, b), (l, r) = _pairs(cropping)
    n, h, w, c = x.shape
    out = np.empty((n, h - t - b, w - l - r, c))
    for i in range(h - t - b):
        for j in range(w - l - r):
            out[:, i, j, :] = x[:, t + i, l + j, :]
    return _from_last(out, data_format)


def flatten(x, data_format):
    """Row-major order of each sample, channels_last order for channels_first inputs."""
    x = _f64(x)
    if data_format == "channels_first" and x.ndim > 2:
        x = np.moveaxis(x, 1, -1)
    n = x.shape[0]
    out = np.empty((n, int(np.prod(x.shape[1:], dtype=np.int64))))
    for k, index in enumerate(np.ndindex(*x.shape[1:])):
        out[:, k] = x[(slice(None),) + index]
    return out


def reshape(x, target_shape):
    flat = flatten(x, "channels_last")
    size = flat.shape[1]
    known = math.prod(d for d in target_shape if d != -1)
    shape = tuple(size // known if d == -1 else d for d in target_shape)
    out = np.empty((flat.shape[0],) + shape)
    for k, index in enumerate(np.ndindex(*shape)):
        out[(slice(None),) + index] = flat[:, k]
    return out


# ----- activations -----------------------------------------------------------------------
def relu(x, max_value, negative_slope, threshold):
    """Keras: max_value if x >= max_value; x if threshold <= x < max_value;
    negative_slope * (x - threshold) otherwise."""
    x = _f64(x)
    top = np.inf if max_value is None else float(max_value)
    return np.where(x >= top, top,
                    np.where(x >= threshold, x, negative_slope * (x - threshold)))


def leaky_relu(x, negative_slope):
    x = _f64(x)
    return np.where(x >= 0, x, negative_slope * x)


def elu(x, alpha):
    x = _f64(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def softmax(x, axis):
    x = _f64(x)
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    m = np.max(x, axis=axes, keepdims=True)
    e = np.exp(x - m)
    return e / np.sum(e, axis=axes, keepdims=True)


# ----- normalization, preprocessing, merging ---------------------------------------------
def batch_norm(x, axis, epsilon, gamma, beta, mean, variance):
    """gamma * (x - mean) / sqrt(variance + epsilon) + beta along `axis`, per feature."""
    x = _f64(x)
    axis = axis % x.ndim
    out = np.empty_like(x)
    for f in range(x.shape[axis]):
        index = (slice(None),) * axis + (f,)
        g = 1.0 if gamma is None else float(gamma[f])
        b = 0.0 if beta is None else float(beta[f])
        out[index] = g * (x[index] - float(mean[f])) / math.sqrt(float(variance[f]) + epsilon) + b
    return out


def batch_moments(x, axis):
    """Per-feature batch mean and (biased) variance, as Keras's `ops.moments`."""
    x = _f64(x)
    axis = axis % x.ndim
    mean = np.empty(x.shape[axis])
    var = np.empty(x.shape[axis])
    for f in range(x.shape[axis]):
        v = np.take(x, f, axis=axis).ravel()
        mean[f] = math.fsum(v) / v.size
        var[f] = math.fsum((v - mean[f]) ** 2) / v.size
    return mean, var


def rescale(x, scale, offset):
    return _f64(x) * float(scale) + float(offset)


def add(xs):
    out = _f64(xs[0])
    for x in xs[1:]:
        out = out + _f64(x)  # broadcasting of unit dims, as keras.layers.Add
    return out


def concatenate(xs, axis):
    xs = [_f64(x) for x in xs]
    axis = axis % xs[0].ndim
    shape = list(xs[0].shape)
    shape[axis] = sum(x.shape[axis] for x in xs)
    out = np.empty(shape)
    start = 0
    for x in xs:
        for k in range(x.shape[axis]):
            out[(slice(None),) * axis + (start + k,)] = np.take(x, k, axis=axis)
        start += x.shape[axis]
    return out


# ----- issue 11: merges, normalizations, small layers -------------------------------------
ELEMENTWISE = {"Multiply": lambda a, b: a * b, "Maximum": np.maximum,
               "Minimum": np.minimum, "Subtract": lambda a, b: a - b}


def elementwise(layer, xs):
    xs = [_f64(x) for x in xs]
    if layer == "Average":
        return add(xs) / len(xs)
    out = xs[0]
    for x in xs[1:]:
        out = ELEMENTWISE[layer](out, x)
    return out


def dot(xs, axes, normalize):
    """Per sample: sum over the paired axes of x[b] * y[b], by an explicit loop."""
    x, y = (_f64(v) for v in xs)
    pair = (axes, axes) if isinstance(axes, int) else axes
    a1, a2 = (a % v.ndim for a, v in zip(pair, (x, y)))
    if normalize:
        x = x / np.sqrt(np.sum(x * x, axis=a1, keepdims=True))
        y = y / np.sqrt(np.sum(y * y, axis=a2, keepdims=True))
    rows = []
    for b in range(x.shape[0]):
        xs_, ys_ = np.moveaxis(x[b], a1 - 1, -1), np.moveaxis(y[b], a2 - 1, 0)
        out = np.zeros(xs_.shape[:-1] + ys_.shape[1:])
        for k in range(xs_.shape[-1]):
            out += np.multiply.outer(xs_[..., k], ys_[k])
        rows.append(out)
    out = np.array(rows)
    return out[:, None] if out.ndim == 1 else out


def _normalize_groups(x, keep_axes, epsilon):
    """(x - mean) / sqrt(var + eps) with the statistics over every axis not kept, per
    position of the kept axes (math.fsum, two passes)."""
    out = np.empty_like(x)
    for index in np.ndindex(*[x.shape[a] for a in keep_axes]):
        where = [slice(None)] * x.ndim
        for a, i in zip(keep_axes, index):
            where[a] = i
        block = x[tuple(where)]
        mean = math.fsum(block.ravel()) / block.size
        var = math.fsum(((block - mean) ** 2).ravel()) / block.size
        out[tuple(where)] = (block - mean) / math.sqrt(var + epsilon)
    return out


def layer_norm(x, axis, epsilon, gamma, beta):
    x = _f64(x)
    axes = sorted(a % x.ndim for a in ([axis] if isinstance(axis, int) else axis))
    keep = [a for a in range(x.ndim) if a not in axes]
    out = _normalize_groups(x, keep, epsilon)
    shape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]
    if gamma is not None:
        out = out * _f64(gamma).reshape(shape)
    if beta is not None:
        out = out + _f64(beta).reshape(shape)
    return out


def group_norm(x, groups, axis, epsilon, gamma, beta):
    x = np.moveaxis(_f64(x), axis, -1)
    channels = x.shape[-1]
    groups = channels if groups == -1 else groups
    grouped = x.reshape(x.shape[0], -1, groups, channels // groups)
    out = _normalize_groups(grouped, [0, 2], epsilon).reshape(x.shape)
    if gamma is not None:
        out = out * _f64(gamma)
    if beta is not None:
        out = out + _f64(beta)
    return np.moveaxis(out, -1, axis)


def rms_norm(x, axis, epsilon, scale):
    """x / sqrt(mean of x ** 2 over `axis` + epsilon), times scale along those axes."""
    x = _f64(x)
    axes = sorted(a % x.ndim for a in ([axis] if isinstance(axis, int) else axis))
    mean_square = np.mean(x * x, axis=tuple(axes), keepdims=True)
    shape = [x.shape[a] if a in axes else 1 for a in range(x.ndim)]
    return x / np.sqrt(mean_square + epsilon) * _f64(scale).reshape(shape)


def unit_norm(x, axis):
    x = _f64(x)
    axes = tuple(a % x.ndim for a in ([axis] if isinstance(axis, int) else axis))
    out = np.empty_like(x)
    keep = [a for a in range(x.ndim) if a not in axes]
    for index in np.ndindex(*[x.shape[a] for a in keep]):
        where = [slice(None)] * x.ndim
        for a, i in zip(keep, index):
            where[a] = i
        block = x[tuple(where)]
        out[tuple(where)] = block / max(math.sqrt(math.fsum((block ** 2).ravel())), 1e-12)
    return out


def normalization(x, axis, mean, variance, invert):
    x = _f64(x)
    axes = () if axis is None else (axis,) if isinstance(axis, int) else tuple(axis)
    kept = sorted(a % x.ndim for a in axes)
    shape = [x.shape[d] if d in kept else 1 for d in range(x.ndim)]
    sizes = [x.shape[d] for d in kept]
    mean = np.broadcast_to(np.asarray(mean, np.float64), sizes).reshape(shape)
    std = np.maximum(np.sqrt(np.broadcast_to(np.asarray(variance, np.float64),
                                             sizes).reshape(shape)), 1e-7)
    return x * std + mean if invert else (x - mean) / std


def prelu(x, alpha):
    x = _f64(x)
    return np.where(x >= 0, x, _f64(alpha) * x)


# ----- dispatch --------------------------------------------------------------------------
def output(layer, args, x, weights, weight_names=()):
    """The float64 reference output of `layer(**args)` at inference."""
    fmt = args.get("data_format", "channels_last")
    if layer in ("AveragePooling2D", "AvgPool2D"):
        return average_pool2d(x, args.get("pool_size", 2), args.get("strides"),
                              args.get("padding", "valid"), fmt)
    if layer in ("MaxPooling1D", "MaxPool1D"):
        return max_pool1d(x, args.get("pool_size", 2), args.get("strides"),
                          args.get("padding", "valid"), fmt)
    if layer in ("GlobalAveragePooling2D", "GlobalMaxPooling2D"):
        return global_pool2d(x, fmt, args.get("keepdims", False),
                             "avg" if "Average" in layer else "max")
    if layer.startswith("Adaptive"):
        return adaptive_pool(x, args["output_size"], fmt,
                             "Average" if "Average" in layer else "Max")
    if layer == "Conv1D":
        bias = weights[1] if len(weights) > 1 else None
        out = conv1d(x, weights[0], bias, args.get("strides", 1), args.get("padding", "valid"),
                     fmt, args.get("dilation_rate", 1))
        with np.errstate(all="ignore"):
            return reference.activation(args.get("activation"), out)
    if layer == "ZeroPadding2D":
        return zero_pad2d(x, args.get("padding", 1), fmt)
    if layer == "Cropping2D":
        return crop2d(x, args.get("cropping", 0), fmt)
    if layer == "Flatten":
        return flatten(x, fmt)
    if layer == "Reshape":
        return reshape(x, args["target_shape"])
    if layer == "Activation":
        with np.errstate(all="ignore"):
            return reference.activation(args["activation"], _f64(x))
    if layer == "ReLU":
        return relu(x, args.get("max_value"), args.get("negative_slope", 0.0),
                    args.get("threshold", 0.0))
    if layer == "LeakyReLU":
        return leaky_relu(x, args.get("negative_slope", 0.3))
    if layer == "ELU":
        return elu(x, args.get("alpha", 1.0))
    if layer == "Softmax":
        return softmax(x, args.get("axis", -1))
    if layer == "Dropout":  # inference: the identity
        return _f64(x)
    if layer == "Rescaling":
        return rescale(x, args["scale"], args.get("offset", 0.0))
    if layer == "BatchNormalization":
        w = dict(zip(weight_names, weights))
        return batch_norm(x, args.get("axis", -1), args.get("epsilon", 1e-3), w.get("gamma"),
                          w.get("beta"), w["moving_mean"], w["moving_variance"])
    if layer == "Add":
        return add(x)
    if layer == "Concatenate":
        return concatenate(x, args.get("axis", -1))
    return issue11_output(layer, args, x, dict(zip(weight_names, weights)))


IDENTITY_AT_INFERENCE = ("Identity", "SpatialDropout1D", "SpatialDropout2D",
                         "SpatialDropout3D", "GaussianNoise",
                         "GaussianDropout", "ActivityRegularization", "AlphaDropout")


def issue11_output(layer, args, x, w):
    if layer in ("Multiply", "Average", "Maximum", "Minimum", "Subtract"):
        return elementwise(layer, x)
    if layer == "Dot":
        return dot(x, args["axes"], args.get("normalize", False))
    if layer == "LayerNormalization":
        return layer_norm(x, args.get("axis", -1), args.get("epsilon", 1e-3), w.get("gamma"),
                          w.get("beta"))
    if layer == "GroupNormalization":
        return group_norm(x, args.get("groups", 32), args.get("axis", -1),
                          args.get("epsilon", 1e-3), w.get("gamma"), w.get("beta"))
    if layer == "RMSNormalization":
        return rms_norm(x, args.get("axis", -1), args.get("epsilon", 1e-6), w["scale"])
    if layer == "UnitNormalization":
        return unit_norm(x, args.get("axis", -1))
    if layer == "Normalization":
        return normalization(x, args.get("axis", -1), args["mean"], args["variance"],
                             args.get("invert", False))
    if layer == "PReLU":
        return prelu(x, w["alpha"])
    if layer == "Permute":
        return np.transpose(_f64(x), (0, *args["dims"]))
    if layer == "RepeatVector":
        return np.stack([_f64(x)] * args["n"], axis=1)
    if layer in IDENTITY_AT_INFERENCE:
        return _f64(x)
    raise KeyError(layer)
