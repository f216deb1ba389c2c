"""Sliding blocks of an image (or volume) as columns (unfold, im2col) and back (fold,
col2im): each the other's gradient, so each is the other's vector-Jacobian product.

Both run through one table, `block_indices`: for every (channel, kernel offset) and
every block position, the flat index of the padded image's pixel it reads. unfold
gathers with it (one `take`), fold sums into it (one `bincount`, which adds up the
pixels that overlapping blocks share): no loop over pixels, blocks or offsets. Inputs
are channels first, (N, C, *spatial), as torch's Unfold and Fold.
"""
import numpy as np

from kerasmini.autodiff import differentiable
from kerasmini.ops.shapes import int_tuple, output_length


def block_geometry(spatial, kernel_size, dilation, padding, stride):
    """(kernel size, dilation, padding, stride, number of blocks), one int per spatial
    axis each; the arguments are ints or one per axis."""
    rank = len(spatial)
    k = int_tuple(kernel_size, rank, "kernel_size")
    d = int_tuple(dilation, rank, "dilation")
    p = int_tuple(padding, rank, "padding", allow_zero=True)
    s = int_tuple(stride, rank, "stride")
    blocks = tuple(output_length(n + 2 * pad, kk, ss, "valid", dd)
                   for n, kk, dd, pad, ss in zip(spatial, k, d, p, s))
    if min(blocks) <= 0:
        raise ValueError(f"The kernel (kernel_size={kernel_size}, dilation={dilation}) "
                         f"does not fit the padded image of size {tuple(spatial)} with "
                         f"padding={padding}.")
    return k, d, p, s, blocks


def block_indices(channels, padded, k, d, s, blocks):
    """(C * prod(k), prod(blocks)) flat indices into a (C, *padded) image: row
    (c, *kernel offset) and column the block's position, both in row-major order."""
    rank = len(padded)
    pixel_strides = np.cumprod((1,) + tuple(padded[:0:-1]))[::-1]
    pixel = np.zeros((1,) * 2 * rank, np.int64)
    for axis in range(rank):  # the offset's and the block's share along each axis
        along = np.arange(k[axis])[:, None] * d[axis] + np.arange(blocks[axis]) * s[axis]
        shape = [1] * 2 * rank
        shape[axis], shape[rank + axis] = k[axis], blocks[axis]
        pixel = pixel + along.reshape(shape) * pixel_strides[axis]
    plane = np.arange(channels).reshape((-1,) + (1,) * 2 * rank) * int(np.prod(padded))
    return (plane + pixel).reshape(channels * int(np.prod(k)), int(np.prod(blocks)))


def _unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C, *spatial) -> (N, C * prod(kernel_size), L) blocks as columns."""
    n, c = x.shape[:2]
    k, d, p, s, blocks = block_geometry(x.shape[2:], kernel_size, dilation, padding,
                                        stride)
    padded = np.pad(x, [(0, 0), (0, 0)] + [(pad, pad) for pad in p])
    index = block_indices(c, padded.shape[2:], k, d, s, blocks)
    return np.take(padded.reshape(n, -1), index, axis=1)


def _fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C * prod(kernel_size), L) -> (N, C, *output_size): each column added back
    at its block's place; pixels shared by blocks get their sum."""
    rank = 2 if np.ndim(output_size) == 0 else len(output_size)
    output_size = int_tuple(output_size, rank, "output_size")
    k, d, p, s, blocks = block_geometry(output_size, kernel_size, dilation, padding,
                                        stride)
    n, rows, length = x.shape
    taps = int(np.prod(k))
    channels = rows // taps
    if channels * taps != rows or length != int(np.prod(blocks)):
        raise ValueError(f"fold expects an input of shape (N, C * {taps}, "
                         f"{int(np.prod(blocks))}) for output_size={output_size}, "
                         f"kernel_size={kernel_size}. Received: x.shape={x.shape}")
    padded = tuple(o + 2 * pad for o, pad in zip(output_size, p))
    size = channels * int(np.prod(padded))
    index = block_indices(channels, padded, k, d, s, blocks)
    flat = (np.arange(n)[:, None, None] * size + index).ravel()
    sums = np.bincount(flat, weights=x.ravel(), minlength=n * size)
    out = sums.reshape(n, channels, *padded).astype(x.dtype, copy=False)
    return out[(slice(None), slice(None)) + tuple(slice(pad, pad + o) for o, pad
                                                   in zip(output_size, p))]


def _unfold_vjp(g, out, x, kernel_size, dilation=1, padding=0, stride=1):
    return _fold(g, x.shape[2:], kernel_size, dilation, padding, stride)


def _fold_vjp(g, out, x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    return _unfold(g, kernel_size, dilation, padding, stride)


unfold = differentiable(_unfold_vjp, name="unfold")(_unfold)
fold = differentiable(_fold_vjp, name="fold")(_fold)
