"""A 2D filter that is an outer product ky x kx, applied to every channel with zero
padding ('same' size, as a depthwise convolution): two products with banded matrices,
one along the rows and one along the columns (BLAS, no loop over window offsets)."""
import numpy as np


def band(size, taps):
    """(size, size) matrix M with M[i, j] = taps[j - i + r] (r = len(taps) // 2), so
    M @ v is v filtered by `taps` with zeros beyond the ends."""
    taps = np.asarray(taps)
    r = len(taps) // 2
    offsets = np.arange(size)[None, :] - np.arange(size)[:, None] + r
    inside = (offsets >= 0) & (offsets < len(taps))
    return np.where(inside, taps[np.clip(offsets, 0, len(taps) - 1)], 0).astype(taps.dtype)


def separable_filter(images, row_taps, column_taps):
    """(N, H, W, C) images filtered by the outer product row_taps x column_taps
    (row_taps along H, column_taps along W)."""
    height, width = images.shape[1:3]
    rows = band(height, np.asarray(row_taps, images.dtype))
    columns = band(width, np.asarray(column_taps, images.dtype))
    along_rows = np.einsum("hi,niwc->nhwc", rows, images, optimize=True)
    return np.einsum("wj,nhjc->nhwc", columns, along_rows, optimize=True)
