"""Where the channel axis is: kernels compute in channels_last (NHWC) only."""
import numpy as np

from kerasmini import config
from kerasmini.ops.shapes import DATA_FORMATS


def standardize_data_format(data_format):
    """None means the global `image_data_format()`; names are case-insensitive."""
    if data_format is None:
        return config.image_data_format()
    value = str(data_format).lower()
    if value not in DATA_FORMATS:
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', "
            f"'channels_last'}}. Received: data_format={data_format}"
        )
    return value


def to_channels_last(x, data_format):
    """NC... -> N...C (a view; no copy)."""
    if data_format == "channels_first":
        return np.moveaxis(x, 1, -1)
    return x


def from_channels_last(x, data_format):
    """N...C -> NC..., contiguous, so callers get an ordinary array back."""
    if data_format == "channels_first":
        return transposed_copy(x, (0, x.ndim - 1, *range(1, x.ndim - 1)))
    return x


# Edge of the square tiles transposed_copy moves at a time: a tile of the source and of
# the target, 32 x 32 items per sample, stay in the L1 cache. On (64, 256, 128) float32
# -> (0, 2, 1): 16 and 64 took 1.7x the time of 32, NumPy's own copy 2x.
TILE = 32


def transposed_copy(x, axes):
    """np.transpose(x, axes) as a new C-contiguous array.

    When the last axis moves, NumPy's copy reads the input along the output's last axis,
    a long stride per element, and no cache line is used twice. Here the two axes that
    trade places as innermost (the input's last, the output's last) are cut into
    TILE x TILE tiles, every other axis copied whole with each tile.
    """
    view = np.transpose(x, axes)
    out = np.empty(view.shape, x.dtype)
    last = x.ndim - 1
    if x.ndim < 2 or axes[-1] == last:  # the innermost axis stays: contiguous runs
        out[...] = view
        return out
    where = list(axes).index(last)  # the output axis holding the input's last axis
    for i in range(0, view.shape[where], TILE):
        for j in range(0, view.shape[-1], TILE):
            tile = [slice(None)] * x.ndim
            tile[where], tile[-1] = slice(i, i + TILE), slice(j, j + TILE)
            out[tuple(tile)] = view[tuple(tile)]
    return out


def split_channels(shape, data_format):
    """(spatial sizes, channels) of a (batch, ..., channels) or (batch, channels, ...) shape."""
    if data_format == "channels_first":
        return tuple(shape[2:]), shape[1]
    return tuple(shape[1:-1]), shape[-1]


def join_channels(batch, spatial, channels, data_format):
    """The shape `split_channels` takes apart: batch, spatial sizes and channels in order."""
    if data_format == "channels_first":
        return (batch, channels, *spatial)
    return (batch, *spatial, channels)


def spatial_axes(rank, data_format):
    """The axes of the `rank` spatial sizes: (1, 2) for NHWC, (2, 3) for NCHW."""
    first = 2 if data_format == "channels_first" else 1
    return tuple(range(first, first + rank))
