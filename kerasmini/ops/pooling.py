"""2D max pooling over sliding windows."""
import os

import numpy as np

from kerasmini.ops.layout import (from_channels_last, standardize_data_format,
                                  to_channels_last)
from kerasmini.ops.shapes import output_length, spatial_padding

# Large inputs are pooled by this many threads, each on a part of the batch.
WORKERS = min(2, os.cpu_count() or 1)
PARALLEL_BYTES = 4 * 2**20
_executor = None


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """keras.ops.max_pool for 2D inputs (N, H, W, C) or (N, C, H, W).

    'same' pads with -inf, so a pad value never wins over a real pixel.
    NaN propagates: a window holding a NaN yields NaN.
    """
    data_format = standardize_data_format(data_format)
    pool_size = _pair(pool_size)
    strides = pool_size if strides is None else _pair(strides)
    x = to_channels_last(np.asarray(inputs), data_format)
    pads = spatial_padding(x.shape[1:3], pool_size, strides, padding.lower(), (1, 1))
    out_hw = [output_length(n + before + after, k, s, "valid")
              for n, (before, after), k, s in zip(x.shape[1:3], pads, pool_size, strides)]
    if min(out_hw) <= 0:
        raise ValueError(
            "Computed output size would be zero or negative. Received "
            f"`inputs shape={np.shape(inputs)}`, `pool_size={pool_size}`, "
            f"`strides={strides}`, `padding={padding}`.")
    out = np.empty((x.shape[0], *out_hw, x.shape[3]), dtype=x.dtype)
    _in_parallel(lambda images: _max_over_offsets(x[images], pool_size, strides, pads,
                                                  out[images]), x.shape[0], x.nbytes)
    return from_channels_last(out, data_format)


def _in_parallel(task, batch, nbytes):
    """task(batch slice) over parts of the batch on WORKERS threads, if the input is large.

    Pooling is memory-bound elementwise work that NumPy runs on one core, releasing the
    GIL; two threads on two halves use both cores. Small inputs stay on the calling thread,
    where a thread hand-off would cost more than it saves.
    """
    if WORKERS < 2 or batch < 2 or nbytes < PARALLEL_BYTES:
        task(slice(None))
        return
    step = -(-batch // WORKERS)
    parts = [slice(i, i + step) for i in range(0, batch, step)]
    list(_pool().map(task, parts))  # list() re-raises a worker's exception


def _pool():
    """The shared worker threads, made on first use (importing kerasmini stays cheap)."""
    global _executor
    if _executor is None:
        from concurrent.futures import ThreadPoolExecutor
        _executor = ThreadPoolExecutor(WORKERS, thread_name_prefix="kerasmini-pool")
    return _executor


def _max_over_offsets(x, pool_size, strides, pads, out):
    """Running maximum over the KH*KW window offsets: each step is one strided slice.

    No padded copy of the input is made. The offset (pad_top, pad_left) lands inside the
    input for every output pixel, so it starts the maximum; every other offset updates
    only the output pixels whose tap falls inside the input, which is what padding with
    -inf would give (a pad value never wins), without the copy.
    """
    out_hw = out.shape[1:3]
    first = _tap(x, (pads[0][0], pads[1][0]), strides, pads, out_hw)
    out[...] = x[(slice(None), *first[1], slice(None))]
    for a in range(pool_size[0]):
        for b in range(pool_size[1]):
            if (a, b) == (pads[0][0], pads[1][0]):
                continue
            out_index, in_index = _tap(x, (a, b), strides, pads, out_hw)
            target = out[(slice(None), *out_index, slice(None))]
            np.maximum(target, x[(slice(None), *in_index, slice(None))], out=target)


def _tap(x, offset, strides, pads, out_hw):
    """(output slices, input slices) of the pixels that window offset `offset` reads.

    Output pixel i reads input pixel i * stride + offset - pad_before, kept only where
    that index lies in [0, n): a contiguous run of output pixels along each axis.
    """
    out_index, in_index = [], []
    for n, k, s, (before, _), n_out in zip(x.shape[1:3], offset, strides, pads, out_hw):
        first = max(0, -(-(before - k) // s))  # first i with i*s + k - before >= 0
        last = min(n_out - 1, (n - 1 + before - k) // s)  # last i with index < n
        start = first * s + k - before
        out_index.append(slice(first, last + 1))
        in_index.append(slice(start, start + s * (last - first) + 1, s))
    return out_index, in_index


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)
