"""Sliding blocks of an image as columns (unfold, im2col) and back (fold, col2im):
each the other's gradient, so each is the other's vector-Jacobian product.

Both run through one table, `block_indices`: for every (channel, kernel row, kernel
column) and every block position, the flat index of the padded image's pixel it reads.
unfold gathers with it (one `take`), fold sums into it (one `bincount`, which adds up
the pixels that overlapping blocks share): no loop over pixels, blocks or offsets.
"""
import numpy as np

from kerasmini.autodiff import differentiable
from kerasmini.ops.shapes import int_tuple, output_length


def block_geometry(spatial, kernel_size, dilation, padding, stride):
    """((kh, kw), (dh, dw), (ph, pw), (sh, sw), (blocks down, blocks across)), each
    argument an int or a pair, as torch's Unfold takes them."""
    k = int_tuple(kernel_size, 2, "kernel_size")
    d = int_tuple(dilation, 2, "dilation")
    p = int_tuple(padding, 2, "padding", allow_zero=True)
    s = int_tuple(stride, 2, "stride")
    blocks = tuple(output_length(n + 2 * pad, kk, ss, "valid", dd)
                   for n, kk, dd, pad, ss in zip(spatial, k, d, p, s))
    if min(blocks) <= 0:
        raise ValueError(f"The kernel (kernel_size={kernel_size}, dilation={dilation}) "
                         f"does not fit the padded image of size {tuple(spatial)} with "
                         f"padding={padding}.")
    return k, d, p, s, blocks


def block_indices(channels, padded, k, d, s, blocks):
    """(C * kh * kw, L) flat indices into a (C, *padded) image: row c*kh*kw + i*kw + j,
    column the block's position (row-major)."""
    rows = (np.arange(k[0])[:, None] * d[0] + np.arange(blocks[0]) * s[0])  # (kh, bh)
    cols = (np.arange(k[1])[:, None] * d[1] + np.arange(blocks[1]) * s[1])  # (kw, bw)
    pixel = rows[:, None, :, None] * padded[1] + cols[None, :, None, :]   # kh kw bh bw
    plane = np.arange(channels)[:, None, None, None, None] * padded[0] * padded[1]
    return (plane + pixel).reshape(channels * k[0] * k[1], blocks[0] * blocks[1])


def _unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C, H, W) -> (N, C * kh * kw, L) blocks as columns."""
    n, c = x.shape[:2]
    k, d, p, s, blocks = block_geometry(x.shape[2:], kernel_size, dilation, padding,
                                        stride)
    padded = np.pad(x, [(0, 0), (0, 0), (p[0],) * 2, (p[1],) * 2])
    index = block_indices(c, padded.shape[2:], k, d, s, blocks)
    return np.take(padded.reshape(n, -1), index, axis=1)


def _fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C * kh * kw, L) -> (N, C, *output_size): each column added back at its
    block's place; pixels shared by blocks get their sum."""
    out_h, out_w = int_tuple(output_size, 2, "output_size")
    k, d, p, s, blocks = block_geometry((out_h, out_w), kernel_size, dilation, padding,
                                        stride)
    n, rows, length = x.shape
    channels = rows // (k[0] * k[1])
    if channels * k[0] * k[1] != rows or length != blocks[0] * blocks[1]:
        raise ValueError(f"fold expects an input of shape (N, C * {k[0] * k[1]}, "
                         f"{blocks[0] * blocks[1]}) for output_size={output_size}, "
                         f"kernel_size={kernel_size}. Received: x.shape={x.shape}")
    padded = (out_h + 2 * p[0], out_w + 2 * p[1])
    size = channels * padded[0] * padded[1]
    index = block_indices(channels, padded, k, d, s, blocks)
    flat = (np.arange(n)[:, None, None] * size + index).ravel()
    sums = np.bincount(flat, weights=x.ravel(), minlength=n * size)
    out = sums.reshape(n, channels, *padded).astype(x.dtype, copy=False)
    return out[:, :, p[0]:p[0] + out_h, p[1]:p[1] + out_w]


def _unfold_vjp(g, out, x, kernel_size, dilation=1, padding=0, stride=1):
    return _fold(g, x.shape[2:], kernel_size, dilation, padding, stride)


def _fold_vjp(g, out, x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    return _unfold(g, kernel_size, dilation, padding, stride)


unfold = differentiable(_unfold_vjp, name="unfold")(_unfold)
fold = differentiable(_fold_vjp, name="fold")(_fold)
