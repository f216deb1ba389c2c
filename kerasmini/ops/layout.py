"""Moving the channel axis: kernels compute in channels_last (NHWC) only."""
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


def split_spatial(shape, data_format):
    """(spatial sizes, channels) of a batch shape in either layout."""
    shape = tuple(shape)
    if data_format == "channels_first":
        return shape[2:], shape[1]
    return shape[1:-1], shape[-1]
