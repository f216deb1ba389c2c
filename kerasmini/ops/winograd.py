"""3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3).

Why: im2col multiplies every output pixel by all 9 taps of the kernel, 9 C F multiply-adds
per pixel, and BLAS already runs that near the machine's peak. The only way to be faster is
to multiply less. Winograd computes a 2x2 block of outputs from a 4x4 tile of input with 16
products instead of 36 (2.25x fewer), paying with a few additions before and after.

The 1D idea, F(2, 3): two outputs of a 3-tap filter g over four inputs d0..d3,

    y0 = d0 g0 + d1 g1 + d2 g2        y1 = d1 g0 + d2 g1 + d3 g2      (6 products)

are also y0 = m0 + m1 + m2, y1 = m1 - m2 - m3 with four products

    m0 = (d0 - d2) g0                 m1 = (d1 + d2) (g0 + g1 + g2) / 2
    m2 = (d2 - d1) (g0 - g1 + g2) / 2 m3 = (d1 - d3) g2

(expand them to check). In matrices: y = A^T [(G g) * (B^T d)] with

    B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]  (input transform)
    G   = [[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]]         (kernel transform)
    A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]                               (output transform)

Nesting it over rows and columns gives the 2D form on a 4x4 tile d and a 3x3 kernel g:

    Y (2x2) = A^T [(G g G^T) * (B^T d B)] A

With channels, `*` becomes a sum over input channels: for each of the 16 positions (k, l)
of the transformed tile, M[k, l] = V[k, l] @ U[k, l], a (tiles x C) @ (C x F) matmul, where
V[k, l] holds that position of every tile's B^T d B and U = G g G^T is the kernel (C x F at
each position). So the 9 C F products of a pixel become 16 C F / 4 = 4 C F, done by BLAS.
The transforms are additions on strided views of the input: tile (i, j) starts at input
pixel (2i, 2j), tiles overlap by two rows and columns; no Python loop visits a pixel.

Error: the transforms add and subtract neighbouring values (and U halves sums of taps),
so rounding grows a little over im2col's; measured on the conformance grids in
docs/performance.md (float32 stays inside rtol 1e-5 with the output-scaled atol).

Why 2x2 outputs per tile: larger tiles multiply less (F(3x3, 3x3): 25 products per 9
outputs) but their transforms take more passes over memory and round more; measured
slower and up to 12x less accurate in float32 (benchmarks/winograd_tiles.py,
docs/performance.md).

Workspace: the output is cut into blocks of tile rows (whole images when they fit), as
im2col cuts output rows, so that one block's transformed input and products stay within
WORKSPACE_BYTES whatever the batch; the blocks are shared by the kernel threads.
"""
import numpy as np

from kerasmini.ops import products
from kerasmini.ops.products import BLOCKS_PER_WORKER, matmul_into
from kerasmini.ops.threads import WORKERS, over_parts
from kerasmini.ops.windows import padded_band, row_blocks

# Bound on one block's workspace (transformed input, products, the input band), as
# im2col's; with two threads two blocks are alive at once. Measured (CPU time, one
# thread, C F from 32x64 to 256x256): 4 and 8 MiB alike, 2 MiB 3-14% slower, 1 MiB
# 33-71%, 512 KiB 2x (smaller products). A block has at least products.MIN_ROWS tiles.
WORKSPACE_BYTES = 4 * 2**20
# Outputs per tile side (F(2x2, 3x3)); a tile is TILE + 2 input pixels a side and has
# (TILE + 2)**2 transformed positions. Named so that benchmarks/winograd_tiles.py can run
# F(3x3, 3x3) through the same blocks (measured, not used: docs/performance.md).
TILE = 2


def transform_kernel(kernel, dtype):
    """U = G g G^T at each (input channel, filter): (3, 3, C, F) -> (16, C, F) of `dtype`.

    Each U[k, l] is computed in float64 and rounded once, so the kernel adds no rounding
    of its own; only a few (C, F) float64 temporaries at a time, besides U itself."""
    channels, filters = kernel.shape[2:]
    u = np.empty((4, 4, channels, filters), dtype)
    for k in range(4):
        g_rows = [_times_g(kernel[:, b], k) for b in range(3)]  # (G g)[k, b]
        for l in range(4):
            u[k, l] = _times_g(g_rows, l)  # (G g G^T)[k, l]
    return u.reshape(16, channels, filters)


def _times_g(taps, k):
    """Row k of G = [[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]] applied to three
    taps (arrays of one shape), in float64: an end tap, or half the sum of the ends with
    the middle tap added or taken."""
    first, middle, last = (np.asarray(tap, np.float64) for tap in taps)
    if k == 0:
        return first
    if k == 3:
        return last
    ends = first + last
    return 0.5 * (ends + middle) if k == 1 else 0.5 * (ends - middle)


def conv3x3(x, kernel, pads, out):
    """out = conv(x, kernel) for NHWC x, a (3, 3, C, F) kernel, stride 1, dilation 1.

    pads ((top, bottom), (left, right)) are the 'same' or 'valid' paddings; out is the
    (N, OH, OW, F) output, written in place and returned."""
    batch, out_h, out_w, filters = out.shape
    channels = x.shape[3]
    side = TILE + 2  # input pixels per tile side
    tiles_h, tiles_w = -(-out_h // TILE), -(-out_w // TILE)
    # An output size that is not a multiple of TILE reads rows (columns) past the
    # padding: as many more of zeros.
    (top, bottom), (left, right) = pads
    pads = ((top, bottom + TILE * tiles_h - out_h), (left, right + TILE * tiles_w - out_w))
    u = transform_kernel(kernel, out.dtype)

    def convolve(block):
        images, tile_rows = block
        rows = (TILE * tile_rows.start, TILE * tile_rows.stop + 2)  # padded input rows read
        band = padded_band(x, images, rows, pads)
        v = input_transform(band, tile_rows.stop - tile_rows.start, tiles_w)
        m = np.empty((side * side, v.shape[1], filters), dtype=out.dtype)
        for k in range(side * side):
            matmul_into(v[k], u[k], m[k])
        output_transform(m.reshape(side, side, *band.shape[:1], -1, tiles_w, filters),
                         out[images], tile_rows)

    itemsize = out.itemsize
    # V and M (side^2 C and side^2 F per tile: 16 each), the band and the row-transformed
    # T (~2 TILE^2 C per tile)
    row_bytes = tiles_w * itemsize * (side * side * (channels + filters)
                                      + 2 * TILE * TILE * channels)
    if out.size * 9 * channels > products.SMALL_PRODUCT:
        # Blocks for the threads to share, but of at least MIN_ROWS tiles (BLAS's
        # efficiency falls below): a small convolution makes fewer blocks.
        share = row_bytes * batch * tiles_h // (BLOCKS_PER_WORKER * WORKERS)
        least = row_bytes * -(-products.MIN_ROWS // tiles_w)
        budget = min(WORKSPACE_BYTES, max(share, least))
        over_parts(convolve, row_blocks(batch, tiles_h, row_bytes, budget))
    else:
        for block in row_blocks(batch, tiles_h, row_bytes, WORKSPACE_BYTES):
            convolve(block)
    return out


def input_transform(band, tiles_h, tiles_w):
    """V = B^T d B of every 4x4 tile d of an NHWC band: (16, tiles, C), position k*4 + l.

    Rows first: T_k = (B^T d) row k, for all tile rows at once on stride-2 row views of
    the band; then the same combination of T_k's columns gives V[k, l]."""
    n, _, width, channels = band.shape
    v = np.empty((16, n, tiles_h, tiles_w, channels), dtype=band.dtype)
    t = np.empty((n, tiles_h, width, channels), dtype=band.dtype)
    rows = [band[:, a:a + 2 * tiles_h:2] for a in range(4)]
    cols = [t[:, :, b:b + 2 * tiles_w:2] for b in range(4)]
    for k in range(4):
        _combine(rows, k, t)
        for l in range(4):
            _combine(cols, l, v[4 * k + l])
    return v.reshape(16, -1, channels)


def _combine(d, k, out):
    """out = row k of B^T applied to the four views d[0..3]."""
    if k == 0:
        np.subtract(d[0], d[2], out=out)
    elif k == 1:
        np.add(d[1], d[2], out=out)
    elif k == 2:
        np.subtract(d[2], d[1], out=out)
    else:
        np.subtract(d[1], d[3], out=out)


def output_transform(m, out, tile_rows):
    """out[:, 2i + a, 2j + b] = (A^T M A)[a, b] for the tiles of m (4, 4, N, TH, TW, F).

    Rows first, in place in m: S_0 = M_0 + M_1 + M_2 (into M_0), S_1 = M_1 - M_2 - M_3
    (into M_1); then the same on S_a's columns straight into the output's stride-2 views.
    The last tile of an odd output size has a row (column) beyond the output: dropped."""
    m[0] += m[1]
    m[0] += m[2]
    m[1] -= m[2]
    m[1] -= m[3]
    out_h = out.shape[1]
    for a in range(2):
        rows = slice(2 * tile_rows.start + a, min(2 * tile_rows.stop, out_h), 2)
        for b in range(2):
            target = out[:, rows, b::2]
            s = m[a][:, :, :target.shape[1], :target.shape[2]]  # S_a's columns, (4, N, h, w, F)
            if b == 0:  # S_a0 + S_a1 + S_a2
                np.add(s[0], s[1], out=target)
                target += s[2]
            else:  # S_a1 - S_a2 - S_a3
                np.subtract(s[1], s[2], out=target)
                target -= s[3]
