"""keras.ops.nn's rearrangements of pixels: depth_to_space / space_to_depth (blocks of
pixels to channels and back, as TensorFlow orders them) and unfold / fold (sliding
blocks to columns and back, as torch's Unfold / Fold), by Keras's signatures.

depth_to_space and space_to_depth are reshapes and transposes the tape follows;
unfold and fold are each other's gradient (ops/patches.py).
"""
import numpy as np

from kerasmini.ops import patches
from kerasmini.ops.arguments import tensor
from kerasmini.ops.layout import standardize_data_format
from kerasmini.ops.symbolic import NN, keras_operation


def _check_block_size(block_size):
    if not isinstance(block_size, (int, np.integer)) or block_size < 2:
        raise ValueError(f"`block_size` must be at least 2. Received: block_size={block_size}")


def _images(x, name):
    x = tensor(x)
    if x.ndim != 4:
        raise ValueError(f"`{name}` requires a 4D input tensor. Received: x.shape={x.shape}")
    return x


def _channels_last(x, data_format):
    return x if data_format == "channels_last" else np.transpose(x, (0, 2, 3, 1))


def _back(x, data_format):
    return x if data_format == "channels_last" else np.transpose(x, (0, 3, 1, 2))


@keras_operation("DepthToSpace", config=("block_size", "data_format"), module=NN)
def depth_to_space(x, block_size, data_format="channels_last"):
    """(N, H, W, b*b*C) -> (N, H*b, W*b, C): channel (i*b + j)*C + c becomes pixel
    (i, j) of each b x b block (or channels first)."""
    _check_block_size(block_size)
    data_format = standardize_data_format(data_format)
    x = _channels_last(_images(x, "depth_to_space"), data_format)
    n, h, w, c = x.shape
    b = block_size
    if c % (b * b):
        raise ValueError(f"The number of channels ({c}) must be divisible by "
                         f"block_size**2 ({b * b}).")
    blocks = x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5)
    return _back(blocks.reshape(n, h * b, w * b, c // (b * b)), data_format)


@keras_operation("SpaceToDepth", config=("block_size", "data_format"), module=NN)
def space_to_depth(x, block_size, data_format="channels_last"):
    """depth_to_space's inverse: (N, H, W, C) -> (N, H/b, W/b, b*b*C)."""
    _check_block_size(block_size)
    data_format = standardize_data_format(data_format)
    x = _channels_last(_images(x, "space_to_depth"), data_format)
    n, h, w, c = x.shape
    b = block_size
    for name, size in (("Height", h), ("Width", w)):
        if size % b:
            raise ValueError(f"{name} ({size}) must be divisible by block_size ({b}).")
    blocks = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
    return _back(blocks.reshape(n, h // b, w // b, b * b * c), data_format)


@keras_operation("Unfold", config=("kernel_size", "dilation", "padding", "stride"),
                 module=NN)
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C, H, W) -> (N, C * kh * kw, L): each sliding block as a column (always
    channels first, as torch)."""
    x = tensor(x)
    if x.ndim != 4:
        raise ValueError(f"Input must be a 4D tensor. Received: input.shape={x.shape}")
    return patches.unfold(x, kernel_size, dilation, padding, stride)


@keras_operation("Fold", config=("output_size", "kernel_size", "dilation", "padding",
                                 "stride"), module=NN)
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """unfold's adjoint: (N, C * kh * kw, L) -> (N, C, *output_size), overlapping
    blocks summed."""
    x = tensor(x)
    if x.ndim != 3:
        raise ValueError(f"Input must be a 3D tensor. Received: input.shape={x.shape}")
    return patches.fold(x, output_size, kernel_size, dilation, padding, stride)
