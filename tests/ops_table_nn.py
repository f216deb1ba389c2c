"""keras.ops.nn's window ops, normalizations, rearrangements and CTC, and
keras.ops.image's functions: cases of tests/ops_table.py (same format, joined to its
CASES, their input kinds to its KINDS), with odd sizes and both data formats.

References: NumPy loops or formulas where kerasmini's code is more than a dispatch to
the layers' kernels (which tests/test_conv*.py, test_*pool*.py check against loops);
the kernels' own dispatch is compared with keras.ops in conformance/.
"""
import colorsys
import itertools

import numpy as np

from conformance.reference_augmentation import warp
from tests import reference as loops
from tests.test_adaptive_pooling import reference as adaptive_loop
from tests.test_resizing import resize_reference

# input kinds these cases add to tests/ops_table.py's KINDS
NN_KINDS = {
    "labels": lambda rng, shape: rng.integers(1, 4, shape).astype("int32"),  # no blank
    "len2": lambda rng, shape: np.full(shape, 2, "int32"),
    "len4": lambda rng, shape: np.full(shape, 4, "int32"),
    "len5": lambda rng, shape: np.full(shape, 5, "int32"),
    "coordinates": lambda rng, shape: rng.uniform(-1.3, 6.3, shape),
}


def _c(name, op, inputs, differentiable=True, reference=None, **kwargs):
    """A case, as tests/ops_table.py's (which imports this file, so not from there)."""
    return (name, op, inputs, kwargs, differentiable, reference)

CF = {"data_format": "channels_first"}


def _spec(*shape, kind="any"):
    return (shape, kind)


def _sizes(value, rank):
    return (value,) * rank if np.ndim(value) == 0 else tuple(value)


_SIZES = ("strides", "dilation_rate", "pool_size", "output_padding")


def _as_row(loop):
    """A 2D loop reference run on a 1D input as a one-row image (the row added to the
    input and kernels, height-1 windows), for a loop of (x, *kernels, sizes...)."""
    def run(x, *kernels, data_format=None, **options):
        row = 2 if data_format == "channels_first" else 1
        options = {name: (0 if name == "output_padding" else 1, *_sizes(v, 1))
                   if name in _SIZES and v is not None else v
                   for name, v in options.items()}
        out = loop(np.expand_dims(x, row), *(k[None] for k in kernels),
                   data_format=data_format, **options)
        return np.squeeze(out, row)
    return run


def _by_rank(loops_by_rank):
    """The reference for x's number of spatial axes; 1D through the 2D one."""
    def run(x, *args, **kwargs):
        rank = x.ndim - 2
        loop = _as_row(loops_by_rank[2]) if rank == 1 else loops_by_rank[rank]
        return loop(x, *args, **kwargs)
    return run


def _conv2d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1,
            loop=loops.conv2d):
    cf = data_format == "channels_first"
    rank = x.ndim - 2
    groups = x.shape[1 if cf else -1] // kernel.shape[-2]
    return loop(x, kernel, None, _sizes(strides, rank), padding,
                _sizes(dilation_rate, rank), groups, cf)


def _conv3d(x, kernel, **kwargs):
    return _conv2d(x, kernel, loop=loops.conv3d, **kwargs)


def _depthwise(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    return loops.depthwise_conv2d(x, kernel, None, _sizes(strides, 2), padding,
                                  _sizes(dilation_rate, 2), data_format == "channels_first")


def _transpose2d(x, kernel, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, loop=loops.conv_transpose2d):
    rank = x.ndim - 2
    return loop(x, kernel, None, _sizes(strides, rank), padding,
                _sizes(dilation_rate, rank),
                None if output_padding is None else _sizes(output_padding, rank),
                data_format == "channels_first")


def _transpose3d(x, kernel, **kwargs):
    return _transpose2d(x, kernel, loop=loops.conv_transpose3d, **kwargs)


_conv = _by_rank({2: _conv2d, 3: _conv3d})
_depthwise_conv = _by_rank({2: _depthwise})
_conv_transpose = _by_rank({2: _transpose2d, 3: _transpose3d})


def _separable_conv(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                    data_format=None, dilation_rate=1):
    mixed = _depthwise_conv(x, depthwise_kernel, strides=strides, padding=padding,
                            data_format=data_format, dilation_rate=dilation_rate)
    return _conv(mixed, pointwise_kernel, data_format=data_format)


def _pool(reduce):
    def pool2d(x, pool_size, strides=None, padding="valid", data_format=None):
        rank = x.ndim - 2
        pool_size = _sizes(pool_size, rank)
        strides = pool_size if strides is None else _sizes(strides, rank)
        cf = data_format == "channels_first"
        if rank == 3:
            return loops.pool3d(x, pool_size, strides, padding, cf, reduce)
        return loops._pool2d(x, pool_size, strides, padding, cf, reduce)
    return _by_rank({2: pool2d, 3: pool2d})


_max_pool = _pool(max)
_average_pool = _pool(lambda values: sum(values) / len(values))


def _adaptive(how):
    def pool(x, output_size, data_format=None):
        return adaptive_loop(x, output_size, how, data_format == "channels_first")
    return pool


def _threshold(x, threshold, default_value):
    return np.where(x > threshold, x, default_value)


def _psnr(x1, x2, max_val):
    return 20 * np.log10(max_val) - 10 * np.log10(np.mean((x1 - x2) ** 2))


def _layer_norm(x, gamma=None, beta=None, axis=-1, epsilon=1e-7):
    mean = x.mean(axis=axis, keepdims=True)
    out = (x - mean) / np.sqrt(x.var(axis=axis, keepdims=True) + epsilon)
    return out * (1 if gamma is None else gamma) + (0 if beta is None else beta)


def _rms_norm(x, scale=None, axis=-1, epsilon=1e-7):
    out = x / np.sqrt(np.mean(x * x, axis=axis, keepdims=True) + epsilon)
    return out * (1 if scale is None else scale)


def _batch_norm(x, mean, variance, axis, epsilon=1e-3):
    shape = [1] * x.ndim
    shape[axis] = -1
    return (x - mean.reshape(shape)) / np.sqrt(variance.reshape(shape) + epsilon)


def _depth_to_space(x, block_size, data_format="channels_last"):
    """out[n, h*b + i, w*b + j, c] = x[n, h, w, (i*b + j)*C + c], pixel by pixel."""
    x = x if data_format == "channels_last" else x.transpose(0, 2, 3, 1)
    n, h, w, c = x.shape
    b, depth = block_size, c // block_size ** 2
    out = np.zeros((n, h * b, w * b, depth))
    for i, j, y, z, k in itertools.product(range(b), range(b), range(h), range(w),
                                           range(depth)):
        out[:, y * b + i, z * b + j, k] = x[:, y, z, (i * b + j) * depth + k]
    return out if data_format == "channels_last" else out.transpose(0, 3, 1, 2)


def _space_to_depth(x, block_size, data_format="channels_last"):
    """depth_to_space's inverse, by the same loop read the other way."""
    first = data_format == "channels_first"
    x = x.transpose(0, 2, 3, 1) if first else x
    n, h, w, c = x.shape
    b = block_size
    out = np.zeros((n, h // b, w // b, c * b * b))
    for i, j, y, z, k in itertools.product(range(b), range(b), range(h // b),
                                           range(w // b), range(c)):
        out[:, y, z, (i * b + j) * c + k] = x[:, y * b + i, z * b + j, k]
    return out.transpose(0, 3, 1, 2) if first else out


def _blocks(spatial, kernel_size, dilation, padding, stride):
    """Each block's top-left padded pixel and each kernel tap's offset from it."""
    k, d, p, s = (np.broadcast_to(v, 2) for v in (kernel_size, dilation, padding, stride))
    counts = [(n + 2 * pp - dd * (kk - 1) - 1) // ss + 1
              for n, kk, dd, pp, ss in zip(spatial, k, d, p, s)]
    starts = [(by * s[0], bx * s[1]) for by in range(counts[0]) for bx in range(counts[1])]
    taps = [(i * d[0], j * d[1]) for i in range(k[0]) for j in range(k[1])]
    return starts, taps, p


def _unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Column l, row c*kh*kw + t: channel c of the padded image at block l's tap t."""
    starts, taps, p = _blocks(x.shape[2:], kernel_size, dilation, padding, stride)
    padded = np.pad(x, [(0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])])
    out = np.zeros((x.shape[0], x.shape[1] * len(taps), len(starts)))
    for (l, (y, z)), (t, (dy, dx)), c in itertools.product(
            enumerate(starts), enumerate(taps), range(x.shape[1])):
        out[:, c * len(taps) + t, l] = padded[:, c, y + dy, z + dx]
    return out


def _fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """unfold's loop, adding each column entry back into its pixel."""
    starts, taps, p = _blocks(output_size, kernel_size, dilation, padding, stride)
    channels = x.shape[1] // len(taps)
    out = np.zeros((x.shape[0], channels, output_size[0] + 2 * p[0],
                    output_size[1] + 2 * p[1]))
    for (l, (y, z)), (t, (dy, dx)), c in itertools.product(
            enumerate(starts), enumerate(taps), range(channels)):
        out[:, c, y + dy, z + dx] += x[:, c * len(taps) + t, l]
    return out[:, :, p[0]:p[0] + output_size[0], p[1]:p[1] + output_size[1]]


def _ctc_loss(target, output, target_length, output_length, mask_index=0):
    """-log of the summed probability of every path of classes (all classes^steps of
    them) that collapses to the target: repeats merged, then blanks dropped."""
    log_probs = output - np.log(np.sum(np.exp(output), axis=-1, keepdims=True))
    losses = []
    for sample, labels in enumerate(target):
        steps, want = output_length[sample], list(labels[:target_length[sample]])
        total = 0.0
        for path in itertools.product(range(output.shape[-1]), repeat=steps):
            merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
            if [c for c in merged if c != mask_index] == want:
                total += np.exp(sum(log_probs[sample, t, c] for t, c in enumerate(path)))
        losses.append(-np.log(total))
    return np.array(losses)


def _wide_beam(inputs, lengths, strategy, beam_width, top_paths, mask_index=0):
    """A beam wide enough to keep every prefix: the top_paths labelings of highest
    probability, each summed over all the paths of classes that collapse to it."""
    steps = inputs.shape[1]
    decoded = np.full((top_paths, len(inputs), steps), -1)
    scores = np.zeros((len(inputs), top_paths))
    for sample, logits in enumerate(inputs):
        log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        totals = {}
        for path in itertools.product(range(logits.shape[1]), repeat=int(lengths[sample])):
            merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
            labels = tuple(c for c in merged if c != mask_index)
            totals[labels] = totals.get(labels, 0.0) + np.exp(
                sum(log_probs[t, c] for t, c in enumerate(path)))
        best = sorted(totals.items(), key=lambda item: -item[1])[:top_paths]
        for rank, (labels, p) in enumerate(best):
            decoded[rank, sample, :len(labels)] = labels
            scores[sample, rank] = np.log(p)
    return decoded, scores


IMAGES, IMAGES_CF = _spec(2, 5, 4, 3), _spec(2, 2, 5, 4)

NN_CASES = [
    # convolutions: 1D, 2D, 3D; strides, dilation, 'same', groups, channels first
    _c("conv_1d_same", "conv", [_spec(2, 7, 3), _spec(3, 3, 4)], reference=_conv,
       padding="same"),
    _c("conv_1d_strided", "conv", [_spec(2, 8, 3), _spec(3, 3, 2)], reference=_conv,
       strides=3),
    _c("conv_2d_strided", "conv", [IMAGES, _spec(3, 2, 3, 4)], reference=_conv,
       strides=2),
    _c("conv_2d_cf_dilated", "conv", [IMAGES_CF, _spec(3, 2, 2, 2)], reference=_conv,
       dilation_rate=2, padding="same", **CF),
    _c("conv_2d_groups", "conv", [_spec(2, 4, 5, 4), _spec(3, 2, 2, 4)], reference=_conv),
    _c("conv_3d_same", "conv", [_spec(1, 3, 4, 3, 2), _spec(2, 2, 2, 2, 3)],
       reference=_conv, padding="same"),
    _c("conv_3d_cf", "conv", [_spec(1, 2, 3, 3, 4), _spec(2, 2, 2, 2, 3)],
       reference=_conv, **CF),
    _c("depthwise_conv_1d", "depthwise_conv", [_spec(2, 7, 3), _spec(3, 3, 2)],
       reference=_depthwise_conv, padding="same"),
    _c("depthwise_conv_2d_cf", "depthwise_conv", [IMAGES_CF, _spec(3, 2, 2, 2)],
       reference=_depthwise_conv, strides=2, **CF),
    _c("separable_conv_2d", "separable_conv",
       [IMAGES, _spec(3, 3, 3, 2), _spec(1, 1, 6, 4)], reference=_separable_conv,
       padding="same"),
    _c("separable_conv_1d_cf", "separable_conv",
       [_spec(2, 3, 7), _spec(3, 3, 1), _spec(1, 3, 2)], reference=_separable_conv,
       dilation_rate=2, **CF),
    _c("conv_transpose_1d", "conv_transpose", [_spec(2, 5, 3), _spec(3, 4, 3)],
       reference=_conv_transpose, strides=2, output_padding=1),
    _c("conv_transpose_2d_same", "conv_transpose", [IMAGES, _spec(3, 2, 2, 3)],
       reference=_conv_transpose, strides=(2, 3), padding="same"),
    _c("conv_transpose_2d_cf", "conv_transpose", [IMAGES_CF, _spec(3, 3, 4, 2)],
       reference=_conv_transpose, strides=2, **CF),
    _c("conv_transpose_3d", "conv_transpose", [_spec(1, 3, 4, 2, 2),
                                               _spec(2, 2, 2, 3, 2)],
       reference=_conv_transpose, strides=2),
    # poolings
    _c("max_pool_1d", "max_pool", [_spec(2, 7, 3)], reference=_max_pool, pool_size=2),
    _c("max_pool_2d_same", "max_pool", [IMAGES], reference=_max_pool, pool_size=3,
       strides=2, padding="same"),
    _c("max_pool_2d_cf", "max_pool", [IMAGES_CF], reference=_max_pool, pool_size=(2, 3),
       **CF),
    _c("max_pool_3d", "max_pool", [_spec(2, 4, 5, 3, 2)], reference=_max_pool,
       pool_size=2, padding="same"),
    _c("average_pool_1d_same", "average_pool", [_spec(2, 7, 3)], reference=_average_pool,
       pool_size=3, strides=2, padding="same"),
    _c("average_pool_2d", "average_pool", [IMAGES], reference=_average_pool, pool_size=2,
       strides=1),
    _c("average_pool_2d_cf_same", "average_pool", [IMAGES_CF], reference=_average_pool,
       pool_size=3, strides=2, padding="same", **CF),
    _c("average_pool_3d_cf", "average_pool", [_spec(1, 2, 4, 5, 3)],
       reference=_average_pool, pool_size=(2, 2, 3), **CF),
    _c("adaptive_average_pool_2d", "adaptive_average_pool", [IMAGES],
       reference=_adaptive("Average"), output_size=(2, 3)),
    _c("adaptive_average_pool_1d_cf", "adaptive_average_pool", [_spec(2, 3, 7)],
       reference=_adaptive("Average"), output_size=3, **CF),
    _c("adaptive_max_pool_2d_cf", "adaptive_max_pool", [IMAGES_CF],
       reference=_adaptive("Max"), output_size=(3, 2), **CF),
    _c("adaptive_max_pool_3d", "adaptive_max_pool", [_spec(1, 5, 4, 3, 2)],
       reference=_adaptive("Max"), output_size=2),
    # normalizations
    _c("batch_normalization_3d_reference", "batch_normalization",
       [_spec(3, 4, 2), _spec(4), _spec(4, kind="positive")], reference=_batch_norm,
       axis=1),
    _c("layer_normalization", "layer_normalization", [_spec(3, 4), _spec(4), _spec(4)],
       reference=_layer_norm),
    _c("layer_normalization_axis", "layer_normalization", [_spec(3, 4, 2)],
       reference=_layer_norm, axis=1, epsilon=1e-3),
    _c("rms_normalization", "rms_normalization", [_spec(3, 4), _spec(4)],
       reference=_rms_norm),
    _c("rms_normalization_axes", "rms_normalization", [_spec(2, 3, 4)],
       reference=_rms_norm, axis=(1, 2), epsilon=1e-3),
    # rearrangements, elementwise
    _c("depth_to_space", "depth_to_space", [_spec(2, 2, 3, 8)], reference=_depth_to_space,
       block_size=2),
    _c("depth_to_space_cf", "depth_to_space", [_spec(1, 9, 2, 3)],
       reference=_depth_to_space, block_size=3, **CF),
    _c("space_to_depth", "space_to_depth", [_spec(2, 4, 6, 3)], reference=_space_to_depth,
       block_size=2),
    _c("space_to_depth_cf", "space_to_depth", [_spec(1, 2, 6, 3)],
       reference=_space_to_depth, block_size=3, **CF),
    _c("unfold", "unfold", [_spec(2, 3, 5, 6)], reference=_unfold, kernel_size=2),
    _c("unfold_padded", "unfold", [_spec(1, 2, 5, 7)], reference=_unfold,
       kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(1, 2)),
    _c("fold_padded", "fold", [_spec(1, 6, 12)], reference=_fold, output_size=(5, 4),
       kernel_size=(3, 1), dilation=(1, 1), padding=(1, 0), stride=(2, 1)),
    _c("threshold", "threshold", [_spec(3, 4)], reference=_threshold, threshold=0.1,
       default_value=-2.0),
    _c("psnr", "psnr", [_spec(3, 4, kind="prob"), _spec(3, 4, kind="prob")],
       reference=_psnr, max_val=1.0),
    # CTC
    _c("ctc_loss", "ctc_loss", [_spec(2, 2, kind="labels"), _spec(2, 4, 4),
                                _spec(2, kind="len2"), _spec(2, kind="len4")],
       reference=_ctc_loss),
    _c("ctc_decode", "ctc_decode", [_spec(2, 5, 4), _spec(2, kind="len5")], False),
    _c("ctc_decode_beam_search", "ctc_decode", [_spec(2, 4, 3), _spec(2, kind="len4")],
       False, reference=_wide_beam, strategy="beam_search", beam_width=50, top_paths=2),
    # a narrow beam prunes in TensorFlow's order: the decoded paths compared
    _c("ctc_decode_beam_pruned", "ctc_decode", [_spec(2, 6, 4), _spec(2, kind="len5")],
       False, strategy="beam_search", beam_width=3, top_paths=2, mask_index=1, _pick=0),
    _c("ctc_decode_unmerged", "ctc_decode", [_spec(3, 6, 3), _spec(3, kind="len5")],
       False, merge_repeated=False, mask_index=2),
]


# keras.ops.image ----------------------------------------------------------------------

def _channels_last(x, data_format):
    return np.moveaxis(x, -3, -1) if data_format == "channels_first" else x


def _from_channels_last(x, data_format):
    return np.moveaxis(x, -1, -3) if data_format == "channels_first" else x


def _colorsys(convert):
    """colorsys's conversion, pixel by pixel, on the channel axis."""
    def run(images, data_format=None):
        x = _channels_last(images, data_format)
        out = np.array([convert(*pixel) for pixel in x.reshape(-1, 3)]).reshape(x.shape)
        return _from_channels_last(out, data_format)
    return run


def _crop(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
          right_cropping=None, target_height=None, target_width=None, data_format=None):
    x = _channels_last(images, data_format)
    h, w = x.shape[-3:-1]
    top = h - target_height - bottom_cropping if top_cropping is None else top_cropping
    left = w - target_width - right_cropping if left_cropping is None else left_cropping
    height = h - top - bottom_cropping if target_height is None else target_height
    width = w - left - right_cropping if target_width is None else target_width
    return _from_channels_last(x[..., top:top + height, left:left + width, :],
                               data_format)


def _pad(images, top_padding=None, left_padding=None, bottom_padding=None,
         right_padding=None, target_height=None, target_width=None, data_format=None):
    x = _channels_last(images, data_format)
    h, w = x.shape[-3:-1]
    top = target_height - h - bottom_padding if top_padding is None else top_padding
    left = target_width - w - right_padding if left_padding is None else left_padding
    height = top + h + bottom_padding if target_height is None else target_height
    width = left + w + right_padding if target_width is None else target_width
    out = np.zeros(x.shape[:-3] + (height, width, x.shape[-1]))
    out[..., top:top + h, left:left + w, :] = x
    return _from_channels_last(out, data_format)


def _patch_loop(images, size, strides=None, dilation_rate=1, padding="valid",
                data_format=None):
    """Each output pixel's features: the window's pixels in (row, column, channel)
    order, zeros where a 'same' window leaves the image."""
    x = _channels_last(images, data_format)
    size = _sizes(size, 2)
    strides = size if strides is None else _sizes(strides, 2)
    d = _sizes(dilation_rate, 2)
    n, h, w, c = x.shape
    out_h, top = loops.out_size_and_pad_before(h, size[0], strides[0], d[0], padding)
    out_w, left = loops.out_size_and_pad_before(w, size[1], strides[1], d[1], padding)
    out = np.zeros((n, out_h, out_w, size[0] * size[1] * c))
    for i, j, a, e in itertools.product(range(out_h), range(out_w), range(size[0]),
                                        range(size[1])):
        y, z = i * strides[0] + a * d[0] - top, j * strides[1] + e * d[1] - left
        if 0 <= y < h and 0 <= z < w:
            feature = (a * size[1] + e) * c
            out[:, i, j, feature:feature + c] = x[:, y, z]
    return _from_channels_last(out, data_format)


def _patch_loop_3d(volumes, size, strides=None, padding="valid"):
    """extract_patches_3d's loop, 'valid' or 'same', no dilation, channels last."""
    size = _sizes(size, 3)
    strides = size if strides is None else _sizes(strides, 3)
    n, *spatial, c = volumes.shape
    outs = [loops.out_size_and_pad_before(length, k, s, 1, padding)
            for length, k, s in zip(spatial, size, strides)]
    out = np.zeros((n, *(o for o, _ in outs), int(np.prod(size)) * c))
    for o in np.ndindex(*(o for o, _ in outs)):
        for t, tap in enumerate(np.ndindex(*size)):
            at = [i * s + k - before for i, s, k, (_, before) in zip(o, strides, tap, outs)]
            if all(0 <= p < length for p, length in zip(at, spatial)):
                out[(slice(None), *o, slice(t * c, t * c + c))] = volumes[(slice(None), *at)]
    return out


def _gaussian_loop(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Zero-padded 'same' correlation with TensorFlow's Gaussian kernel (see
    ops/image_filters.py), one output pixel at a time."""
    def taps(size, s):
        t = np.exp(-0.5 * ((np.arange(size) - (size - 1) / 2) / s) ** 2)
        return t / t.sum()
    kernel = np.outer(taps(kernel_size[1], sigma[1]),
                      taps(kernel_size[0], sigma[0])).reshape(kernel_size)
    x = _channels_last(images, data_format)
    h, w = x.shape[1:3]
    top, left = (kernel_size[0] - 1) // 2, (kernel_size[1] - 1) // 2
    out = np.zeros(x.shape)
    for i, j, a, e in itertools.product(range(h), range(w), range(kernel_size[0]),
                                        range(kernel_size[1])):
        if 0 <= i + a - top < h and 0 <= j + e - left < w:
            out[:, i, j] += kernel[a, e] * x[:, i + a - top, j + e - left]
    return _from_channels_last(out, data_format)


def _sobel_loop(images, data_format=None):
    """dy and dx by the Sobel stencils, the image mirrored (edge not repeated)."""
    x = _channels_last(images, data_format)
    h, w = x.shape[1:3]
    mirror = (lambda k, n: -k if k < 0 else 2 * (n - 1) - k if k >= n else k)
    stencils = [[[-1, -2, -1], [0, 0, 0], [1, 2, 1]], [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]]
    out = np.zeros(x.shape + (2,))
    for i, j, a, e, k in itertools.product(range(h), range(w), range(3), range(3),
                                           range(2)):
        out[:, i, j, :, k] += stencils[k][a][e] * x[:, mirror(i + a - 1, h),
                                                    mirror(j + e - 1, w)]
    return out if data_format != "channels_first" else np.moveaxis(out, 3, 1)


def _ssim_loop(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01,
               k2=0.03, data_format=None):
    """Wang et al.'s SSIM: Gaussian-weighted statistics of each 'valid' window, the map
    averaged over pixels and channels, window by window."""
    t = np.exp(-((np.arange(filter_size) - (filter_size - 1) / 2) ** 2)
               / (2 * filter_sigma ** 2))
    weights = np.outer(t, t) / t.sum() ** 2
    x, y = (_channels_last(np.asarray(i, float), data_format) for i in (image1, image2))
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    h, w = x.shape[-3] - filter_size + 1, x.shape[-2] - filter_size + 1
    values = []
    for i, j in itertools.product(range(h), range(w)):
        a = x[..., i:i + filter_size, j:j + filter_size, :]
        b = y[..., i:i + filter_size, j:j + filter_size, :]
        mean = (lambda z: np.einsum("...hwc,hw->...c", z, weights))
        mu_a, mu_b = mean(a), mean(b)
        var_a, var_b = mean(a * a) - mu_a ** 2, mean(b * b) - mu_b ** 2
        cov = mean(a * b) - mu_a * mu_b
        values.append((2 * mu_a * mu_b + c1) * (2 * cov + c2)
                      / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2)))
    return np.mean(values, axis=(0, -1))


def _projective(images, transform, interpolation="bilinear", fill_mode="constant",
                fill_value=0, data_format=None):
    """Output pixel (x, y) of image i reads (a0 x + a1 y + a2, b0 x + b1 y + b2) / k,
    k = c0 x + c1 y + 1, with the transform in float32 as Keras passes it on."""
    rows = np.broadcast_to(np.asarray(transform, "float32").astype(float).reshape(-1, 8),
                           (images.shape[0], 8))

    def source(i, x, y):
        a0, a1, a2, b0, b1, b2, c0, c1 = rows[i]
        k = c0 * x + c1 * y + 1
        return (a0 * x + a1 * y + a2) / k, (b0 * x + b1 * y + b2) / k
    return warp(images, source, {"interpolation": interpolation, "fill_mode": fill_mode,
                                 "fill_value": fill_value, "data_format": data_format})


def _perspective(images, start_points, end_points, interpolation="bilinear",
                 fill_value=0, data_format=None):
    """The homography taking the end points to the start points, as the null vector
    of the 8 x 9 direct linear transform system (by SVD), scaled to h33 = 1."""
    rows = []
    for (x, y), (u, v) in zip(np.asarray(end_points, float), np.asarray(start_points,
                                                                         float)):
        rows += [[x, y, 1, 0, 0, 0, -u * x, -u * y, -u],
                 [0, 0, 0, x, y, 1, -v * x, -v * y, -v]]
    h = np.linalg.svd(np.array(rows))[2][-1]
    return _projective(images, h[:8] / h[8], interpolation, "constant", fill_value,
                       data_format)


def _keys(d):
    return (1.5 * d - 2.5) * d * d + 1 if d < 1 else \
        ((-0.5 * d + 2.5) * d - 4) * d + 2 if d < 2 else 0.0


def _lanczos(radius):
    return lambda d: 1.0 if d <= 1e-3 else 0.0 if d > radius else (
        radius * np.sin(np.pi * d) * np.sin(np.pi * d / radius) / (np.pi * d) ** 2)


SAMPLING = {"linear": lambda d: max(1 - d, 0.0), "cubic": _keys,
            "lanczos3": _lanczos(3), "lanczos5": _lanczos(5)}


def _sample_axis(x, axis, size, scale, translation, method, antialias):
    """One axis resampled sample by sample: output o at input coordinate
    (o + 0.5 - translation) / scale - 0.5, each input pixel weighted by the kernel
    of its distance (widened by 1 / scale when antialiasing a downscale), weights
    normalized to 1; 0 for a coordinate outside [-0.5, n - 0.5]."""
    x = np.moveaxis(np.asarray(x, float), axis, -1)
    n = x.shape[-1]
    widen = max(1 / scale, 1.0) if antialias else 1.0
    out = np.zeros(x.shape[:-1] + (size,))
    for o in range(size):
        at = (o + 0.5 - translation) / scale - 0.5
        weights = np.array([SAMPLING[method](abs(at - i) / widen) for i in range(n)])
        if -0.5 <= at <= n - 0.5 and abs(weights.sum()) > 1000 * np.finfo("float32").eps:
            out[..., o] = x @ (weights / weights.sum())
    return np.moveaxis(out, -1, axis)


def _area_axis(x, axis, size):
    """Output o: the mean of the input over [o n / size, (o + 1) n / size), each pixel
    counted by the length of it inside."""
    x = np.moveaxis(np.asarray(x, float), axis, -1)
    n = x.shape[-1]
    out = np.zeros(x.shape[:-1] + (size,))
    for o in range(size):
        low, high = o * n / size, (o + 1) * n / size
        for i in range(n):
            out[..., o] += max(min(i + 1, high) - max(i, low), 0) * x[..., i]
        out[..., o] /= high - low
    return np.moveaxis(out, -1, axis)


def _scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                         antialias=True):
    method = {"bilinear": "linear", "bicubic": "cubic"}.get(method, method)
    for i, axis in enumerate(spatial_dims):
        images = _sample_axis(images, axis, output_shape[axis], float(scale[i]),
                              float(translation[i]), method, antialias)
    return images


def _resize(images, size, interpolation="bilinear", antialias=False,
            crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, fill_value=0.0,
            data_format=None):
    """Keras's aspect-ratio crop (the centred box) or pad (floor(missing / 2) of
    fill_value on both sides), then the per-pixel resize of tests/test_resizing.py."""
    x = _channels_last(images, data_format)
    x = x[None] if x.ndim == 3 else x
    h, w = x.shape[1:3]
    if crop_to_aspect_ratio:
        ch = max(min(h, int(w * size[0] / size[1])), 1)
        cw = max(min(w, int(h * size[1] / size[0])), 1)
        x = x[:, (h - ch) // 2:(h - ch) // 2 + ch, (w - cw) // 2:(w - cw) // 2 + cw]
    if pad_to_aspect_ratio:
        top = (max(h, int(w * size[0] / size[1])) - h) // 2
        left = (max(w, int(h * size[1] / size[0])) - w) // 2
        x = np.pad(x, [(0, 0), (top, top), (left, left), (0, 0)],
                   constant_values=fill_value)
    if interpolation == "nearest" or (interpolation == "bilinear" and not antialias):
        out = resize_reference(x, size, interpolation)
    elif interpolation == "area":
        out = _area_axis(_area_axis(x, 1, size[0]), 2, size[1])
    else:
        out = _scale_and_translate(x, (0, *size, 0), np.divide(size, x.shape[1:3]),
                                   (0, 0), (1, 2), interpolation, antialias)
    out = out[0] if np.ndim(images) == 3 else out
    return _from_channels_last(out, data_format)



# a near-identity projective transform, and four corners moved by half a pixel
TRANSFORM = np.array([1.1, 0.2, -0.7, -0.1, 0.9, 0.4, 0.01, -0.02])
CORNERS = np.array([[0, 0], [6, 0], [6, 4], [0, 4]], "float32")

IMAGE_CASES = [
    _c("crop_images", "image.crop_images", [IMAGES], reference=_crop, top_cropping=1,
       left_cropping=1, target_height=3, target_width=2),
    _c("crop_images_cf", "image.crop_images", [IMAGES_CF], reference=_crop,
       bottom_cropping=1, right_cropping=1, target_height=3, target_width=2, **CF),
    _c("pad_images", "image.pad_images", [IMAGES], reference=_pad, top_padding=1,
       bottom_padding=2, left_padding=0, target_width=9),
    _c("pad_images_cf_single", "image.pad_images", [_spec(3, 4, 2)], reference=_pad,
       target_height=7, bottom_padding=1, left_padding=2, right_padding=1, **CF),
    _c("rgb_to_hsv", "image.rgb_to_hsv", [_spec(2, 3, 4, 3, kind="prob")],
       reference=_colorsys(colorsys.rgb_to_hsv)),
    _c("rgb_to_hsv_cf", "image.rgb_to_hsv", [_spec(1, 3, 2, 3, kind="prob")],
       reference=_colorsys(colorsys.rgb_to_hsv), **CF),
    _c("hsv_to_rgb", "image.hsv_to_rgb", [_spec(3, 4, 3, kind="prob")],
       reference=_colorsys(colorsys.hsv_to_rgb)),
    _c("resize_bilinear", "image.resize", [IMAGES], reference=_resize, size=(8, 4)),
    _c("resize_nearest_cf", "image.resize", [IMAGES_CF], reference=_resize, size=(3, 11),
       interpolation="nearest", **CF),
    _c("resize_crop", "image.resize", [IMAGES], reference=_resize, size=(4, 4),
       crop_to_aspect_ratio=True),
    _c("resize_pad_single", "image.resize", [_spec(5, 7, 2)], reference=_resize,
       size=(6, 3), pad_to_aspect_ratio=True, fill_value=0.5),
    _c("resize_bicubic", "image.resize", [IMAGES], reference=_resize, size=(8, 4),
       interpolation="bicubic"),
    _c("resize_area", "image.resize", [_spec(1, 9, 5, 2)], reference=_resize, size=(4, 7),
       interpolation="area"),
    _c("resize_bilinear_antialias", "image.resize", [_spec(2, 9, 8, 2)],
       reference=_resize, size=(4, 5), antialias=True),
    _c("resize_lanczos3_cf", "image.resize", [_spec(1, 2, 9, 5)], reference=_resize,
       size=(4, 7), interpolation="lanczos3", **CF),
    _c("resize_lanczos5_antialias_crop", "image.resize", [_spec(1, 11, 8, 2)],
       reference=_resize, size=(3, 3), interpolation="lanczos5", antialias=True,
       crop_to_aspect_ratio=True),
    _c("scale_and_translate", "image.scale_and_translate", [_spec(2, 6, 5, 2)],
       reference=_scale_and_translate, output_shape=(2, 8, 4, 2),
       scale=np.array([1.4, 0.7]), translation=np.array([0.3, -0.5]), spatial_dims=(1, 2),
       method="cubic"),
    _c("scale_and_translate_down", "image.scale_and_translate", [_spec(3, 11)],
       reference=_scale_and_translate, output_shape=(3, 4), scale=np.array([0.45]),
       translation=np.array([0.8]), spatial_dims=(-1,), method="lanczos3"),
    _c("affine_transform", "image.affine_transform", [IMAGES], reference=_projective,
       transform=TRANSFORM),
    _c("affine_transform_cf_nearest", "image.affine_transform", [IMAGES_CF],
       reference=_projective,
       transform=np.stack([TRANSFORM, TRANSFORM[::-1] * 0.1 + [1, 0, 0, 0, 1, 0, 0, 0]]),
       interpolation="nearest", fill_mode="reflect", **CF),
    _c("perspective_transform", "image.perspective_transform", [IMAGES],
       reference=_perspective, start_points=CORNERS,
       end_points=CORNERS + [[0.5, 0], [0, 0.5], [-0.5, 0], [0, 0]]),
    _c("map_coordinates", "image.map_coordinates",
       [_spec(5, 6), _spec(2, 2, 3, kind="coordinates")], order=1),
    _c("map_coordinates_nearest", "image.map_coordinates", [_spec(5, 6)],
       coordinates=np.array([[0.2, 3.7, 5.5, -1.0], [1.5, 2.49, 5.9, 7.0]]), order=0,
       fill_mode="nearest"),
    _c("map_coordinates_reflect", "image.map_coordinates",
       [_spec(3, 4, 2), _spec(3, 5, kind="coordinates")], order=1, fill_mode="reflect"),
    _c("extract_patches", "image.extract_patches", [IMAGES], reference=_patch_loop,
       size=2),
    _c("extract_patches_same_cf", "image.extract_patches", [IMAGES_CF],
       reference=_patch_loop, size=(3, 2), strides=1, padding="same", **CF),
    _c("extract_patches_dilated", "image.extract_patches", [IMAGES],
       reference=_patch_loop, size=(2, 2), strides=1, dilation_rate=2),
    _c("extract_patches_3d", "image.extract_patches_3d", [_spec(2, 4, 5, 3, 2)],
       reference=_patch_loop_3d, size=2, strides=(1, 2, 1), padding="same"),
    _c("gaussian_blur", "image.gaussian_blur", [IMAGES], reference=_gaussian_loop,
       sigma=(1.0, 1.5)),
    _c("gaussian_blur_cf_5x3", "image.gaussian_blur", [IMAGES_CF],
       reference=_gaussian_loop, kernel_size=(5, 3), sigma=(0.8, 2.0), **CF),
    _c("sobel_edges", "image.sobel_edges", [IMAGES], reference=_sobel_loop),
    _c("sobel_edges_cf", "image.sobel_edges", [IMAGES_CF], reference=_sobel_loop, **CF),
    _c("ssim", "image.ssim", [_spec(2, 5, 4, 2, kind="prob"), _spec(2, 5, 4, 2, kind="prob")],
       reference=_ssim_loop, filter_size=3),
    _c("ssim_single_cf", "image.ssim", [_spec(2, 6, 5, kind="prob"),
                                        _spec(2, 6, 5, kind="prob")],
       reference=_ssim_loop, filter_size=5, filter_sigma=1.0, max_val=2.0, **CF),
]
NN_CASES += IMAGE_CASES
