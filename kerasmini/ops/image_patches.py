"""keras.ops.image's extract_patches and extract_patches_3d: every sliding window of
the images (volumes) flattened into the channels of one output pixel, in Keras's
order (window row, column, channel), by one gather (ops/patches.py's unfold, whose
gradient is fold) instead of Keras's convolution with an identity kernel: the same
values, exact, without its (k k C)^2 multiply-adds per pixel."""
import numpy as np

from kerasmini.ops import patches
from kerasmini.ops.arguments import tensor
from kerasmini.ops.layout import standardize_data_format
from kerasmini.ops.shapes import (check_strides_and_dilation, int_tuple, padding_mode,
                                  spatial_padding)
from kerasmini.ops.symbolic import IMAGE, keras_operation

CONFIG = ("size", "strides", "dilation_rate", "padding", "data_format")


def _patches(images, rank, size, strides, dilation_rate, padding, data_format):
    """(N, *out_spatial, prod(size) * C) (or channels first) for rank spatial axes;
    an unbatched input (one rank less) stays unbatched."""
    images = tensor(images)
    if images.ndim not in (rank + 1, rank + 2):
        raise ValueError(f"Invalid images rank: expected rank {rank + 1} (single) or "
                         f"{rank + 2} (batch). Received: images.shape={images.shape}")
    unbatched = images.ndim == rank + 1
    x = images[None] if unbatched else images
    first = standardize_data_format(data_format) == "channels_first"
    size = int_tuple(size, rank, "size")
    strides = size if strides is None else int_tuple(strides, rank, "strides")
    dilation_rate = int_tuple(dilation_rate, rank, "dilation_rate")
    check_strides_and_dilation(strides, dilation_rate)
    x = x if first else np.moveaxis(x, -1, 1)                      # (N, C, *spatial)
    pads = spatial_padding(x.shape[2:], size, strides, padding_mode(padding),
                           dilation_rate)
    x = np.pad(x, [(0, 0), (0, 0)] + [tuple(p) for p in pads])
    columns = patches.unfold(x, size, dilation_rate, 0, strides)  # (N, C*prod(k), L)
    n, c = x.shape[:2]
    out_spatial = [(length - (k - 1) * d - 1) // s + 1 for length, k, d, s
                   in zip(x.shape[2:], size, dilation_rate, strides)]
    blocks = columns.reshape(n, c, int(np.prod(size)), *out_spatial)
    features = np.moveaxis(blocks, 1, 2).reshape(n, -1, *out_spatial)  # (k..., c) order
    out = features if first else np.moveaxis(features, 1, -1)
    return out[0] if unbatched else out


@keras_operation("ExtractPatches", config=CONFIG, module=IMAGE)
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Each size[0] x size[1] window of the images (every `strides` pixels, 'valid'
    or 'same') as one pixel of size[0] * size[1] * C channels; a 3-tuple `size`
    extracts 3D patches (extract_patches_3d)."""
    if not isinstance(size, int):
        if not isinstance(size, (tuple, list)):
            raise TypeError("Invalid `size` argument. Expected an int or a tuple. "
                            f"Received: size={size} of type {type(size).__name__}")
        if len(size) not in (2, 3):
            raise ValueError("Invalid `size` argument. Expected a tuple of length 2 or "
                             f"3. Received: size={size} with length {len(size)}")
    rank = 3 if not isinstance(size, int) and len(size) == 3 else 2
    return _patches(images, rank, size, strides, dilation_rate, padding, data_format)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """extract_patches for volumes: (N, D, H, W, C) -> (N, D', H', W', prod(size) C);
    recorded on KerasTensors as Keras does, as ExtractPatches of a 3-tuple size."""
    size = (size,) * 3 if isinstance(size, int) else size
    return extract_patches(volumes, size, strides, dilation_rate, padding, data_format)
