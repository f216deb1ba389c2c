"""keras.ops.nn's window ops, normalizations, rearrangements and CTC, and
keras.ops.image's functions: cases of tests/ops_table.py (same format, joined to its
CASES), with odd sizes and both data formats.

References: NumPy loops or formulas where kerasmini's code is more than a dispatch to
the layers' kernels (which tests/test_conv*.py, test_*pool*.py check against loops);
the kernels' own dispatch is compared with keras.ops in conformance/.
"""
import itertools

import numpy as np

from tests import reference as loops
from tests.ops_table import KINDS, _c
from tests.test_adaptive_pooling import reference as adaptive_loop

KINDS.update({
    "labels": lambda rng, shape: rng.integers(1, 4, shape).astype("int32"),  # no blank
    "len2": lambda rng, shape: np.full(shape, 2, "int32"),
    "len5": lambda rng, shape: np.full(shape, 5, "int32"),
})

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


IMAGES, IMAGES_CF = _spec(2, 5, 7, 3), _spec(2, 3, 5, 7)

NN_CASES = [
    # convolutions: 1D, 2D, 3D; strides, dilation, 'same', groups, channels first
    _c("conv_1d_same", "conv", [_spec(2, 7, 3), _spec(3, 3, 4)], reference=_conv,
       padding="same"),
    _c("conv_1d_strided", "conv", [_spec(2, 8, 3), _spec(3, 3, 2)], reference=_conv,
       strides=3),
    _c("conv_2d_strided", "conv", [IMAGES, _spec(3, 2, 3, 4)], reference=_conv,
       strides=2),
    _c("conv_2d_cf_dilated", "conv", [IMAGES_CF, _spec(3, 2, 3, 2)], reference=_conv,
       dilation_rate=2, padding="same", **CF),
    _c("conv_2d_groups", "conv", [_spec(2, 5, 6, 4), _spec(3, 3, 2, 4)], reference=_conv),
    _c("conv_3d_same", "conv", [_spec(1, 4, 5, 3, 2), _spec(2, 3, 2, 2, 3)],
       reference=_conv, padding="same"),
    _c("conv_3d_cf", "conv", [_spec(1, 2, 4, 3, 5), _spec(2, 2, 2, 2, 3)],
       reference=_conv, **CF),
    _c("depthwise_conv_1d", "depthwise_conv", [_spec(2, 7, 3), _spec(3, 3, 2)],
       reference=_depthwise_conv, padding="same"),
    _c("depthwise_conv_2d_cf", "depthwise_conv", [IMAGES_CF, _spec(3, 2, 3, 2)],
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
    _c("conv_transpose_2d_cf", "conv_transpose", [IMAGES_CF, _spec(3, 3, 4, 3)],
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
    _c("batch_normalization", "batch_normalization",
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
    _c("fold", "fold", [_spec(2, 12, 12)], reference=_fold, output_size=(4, 5),
       kernel_size=2),
    _c("fold_padded", "fold", [_spec(1, 6, 12)], reference=_fold, output_size=(5, 4),
       kernel_size=(3, 1), dilation=(1, 1), padding=(1, 0), stride=(2, 1)),
    _c("threshold", "threshold", [_spec(3, 4)], reference=_threshold, threshold=0.1,
       default_value=-2.0),
    _c("psnr", "psnr", [_spec(3, 4, kind="prob"), _spec(3, 4, kind="prob")],
       reference=_psnr, max_val=1.0),
    # CTC
    _c("ctc_loss", "ctc_loss", [_spec(2, 2, kind="labels"), _spec(2, 5, 4),
                                _spec(2, kind="len2"), _spec(2, kind="len5")],
       reference=_ctc_loss),
    _c("ctc_decode", "ctc_decode", [_spec(2, 5, 4), _spec(2, kind="len5")], False),
    _c("ctc_decode_unmerged", "ctc_decode", [_spec(3, 6, 3), _spec(3, kind="len5")],
       False, merge_repeated=False, mask_index=2),
]
