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
        return np.ascontiguousarray(np.moveaxis(x, -1, 1))
    return x


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
