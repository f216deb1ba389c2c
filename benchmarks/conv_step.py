"""The training step's second convolution, forward and backward, every way measured.

    python -m benchmarks.conv_step [--batch 128] [--rounds 9]

README's convnet at fit's batch size: Conv2D 3x3, 32 -> 64 channels, 13x13 -> 11x11
(the layer that costs most of a step). Each variant is a whole training use of the layer
(forward, input gradient, kernel gradient), on one thread, timed in CPU seconds (other
processes' load does not enter), in interleaved rounds, medians:

* im2col: what kerasmini runs (conv, then conv_vjp: the kernel gradient rebuilds the
  patches, the input gradient scatters g @ K.T back window offset by window offset);
* Winograd forward: the forward by ops/winograd.conv3x3, the backward as above;
* kept patches: the forward's patch matrix kept whole for the kernel gradient (no
  second im2col; memory: the whole matrix, P x 9 C);
* full-convolution input gradient: g padded and convolved with the rotated kernel, by
  im2col and by Winograd (the rule conv_vjp takes for 'same' convolutions);
* Winograd training: all three products in the Winograd domain (`winograd_training`):
  the forward's transformed input V is kept for the kernel gradient, the output
  gradient is transformed once (dM = A dY A^T per tile) for both gradients:
  dU = V^T dM and dV = dM U^T at each of the 16 positions, then dK = G^T dU G and
  dx = B dV B^T, overlapping tiles added back.

GFLOP/s counts each product as the direct convolution's 2 x 9 C F per output pixel, so
the Winograd rows can pass 100% of the GEMM peak (measured in the same run, one thread).
"""
import argparse
import os
import statistics
import time
from unittest import mock

import numpy as np

from kerasmini.ops import convolution, convolution_vjp, threads, winograd
from kerasmini.ops.windows import padded_band, patch_matrix, window_view

# F(2x2, 3x3)'s matrices (ops/winograd.py's docstring), for the backward's transforms
A_T = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], np.float64)
G = np.array([[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]], np.float64)
B_T = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], np.float64)


def _apply(matrix, parts, out=None):
    """[sum_a matrix[k, a] * parts[a] for each row k]: coefficients 0 and +-1 by adds."""
    rows = []
    for k, coefficients in enumerate(matrix):
        total = None if out is None else out[k]
        first = True
        for coefficient, part in zip(coefficients, parts):
            if coefficient == 0:
                continue
            term = part if abs(coefficient) == 1 else coefficient * part
            if first:
                if total is None:
                    total = term.copy() if coefficient > 0 else -term
                else:
                    np.multiply(term, np.sign(coefficient), out=total)
                first = False
            elif coefficient > 0:
                total += term
            else:
                total -= term
        rows.append(total)
    return rows


def winograd_training(x, kernel, g):
    """(out, dx, dK) of a 3x3 'valid' stride-1 convolution and its gradients for
    g = dL/dout, every product in the Winograd domain (F(2x2, 3x3)); whole batch at once
    (a measurement: no blocks). x (N, H, W, C), kernel (3, 3, C, F)."""
    n, h, w, c = x.shape
    f = kernel.shape[3]
    out_h, out_w = h - 2, w - 2
    tiles_h, tiles_w = -(-out_h // 2), -(-out_w // 2)
    pads = ((0, 2 * tiles_h - out_h), (0, 2 * tiles_w - out_w))
    band = padded_band(x, slice(None), (0, 2 * tiles_h + 2), pads)
    v = winograd.input_transform(band, tiles_h, tiles_w)  # (16, T, C): kept
    u = winograd.transform_kernel(kernel, x.dtype)  # (16, C, F)
    m = _products(v, u, lambda a: a, lambda b: b)  # (16, T, F)
    out = np.empty((n, out_h, out_w, f), x.dtype)
    winograd.output_transform(m.reshape(4, 4, n, tiles_h, tiles_w, f), out,
                              slice(0, tiles_h))
    # dM = A dY A^T: the output transform's transpose, rows then columns
    g_tiles = np.zeros((n, 2 * tiles_h, 2 * tiles_w, f), g.dtype)
    g_tiles[:, :out_h, :out_w] = g
    rows = _apply(A_T.T, [g_tiles[:, a::2] for a in range(2)])  # 4 x (N, TH, 2TW, F)
    d_m = np.empty((4, 4, n, tiles_h, tiles_w, f), g.dtype)
    for k in range(4):
        _apply(A_T.T, [rows[k][:, :, b::2] for b in range(2)], out=d_m[k])
    d_m = d_m.reshape(16, -1, f)
    # kernel gradient: dU = V^T dM per position, then dK = G^T dU G (small)
    d_u = _products(v, d_m, np.transpose, lambda b: b).reshape(4, 4, c, f)
    d_kernel = np.einsum("ka,lb,klcf->abcf", G, G, d_u.astype(np.float64)).astype(x.dtype)
    # input gradient: dV = dM U^T per position, then dd = B dV B^T per tile, added back
    d_v = _products(d_m, u, lambda a: a, np.transpose).reshape(4, 4, n, tiles_h, tiles_w, c)
    dx = np.zeros((n, 2 * tiles_h + 2, 2 * tiles_w + 2, c), x.dtype)
    for r, row in enumerate(_apply(B_T.T, list(d_v))):  # row r: 4 x (N, TH, TW, C)
        for s, tile_part in enumerate(_apply(B_T.T, list(row))):
            dx[:, r:r + 2 * tiles_h:2, s:s + 2 * tiles_w:2] += tile_part
    return out, dx[:, :h, :w], d_kernel


def _products(a, b, left, right):
    """[left(a[k]) @ right(b[k]) for the 16 positions], each one 2D BLAS product (NumPy's
    matmul on a stack of transposed views loops outside BLAS)."""
    first = left(a[0]) @ right(b[0])
    out = np.empty((len(a), *first.shape), first.dtype)
    out[0] = first
    for k in range(1, len(a)):
        np.matmul(left(a[k]), right(b[k]), out=out[k])
    return out


def im2col_step(x, kernel, g):
    out = convolution.conv(x, kernel)
    dx, dk = convolution_vjp.conv_vjp(g, out, x, kernel)
    return out, dx, dk


def winograd_forward_step(x, kernel, g):
    out = np.empty(g.shape, x.dtype)
    winograd.conv3x3(x, kernel, ((0, 0), (0, 0)), out)
    dx, dk = convolution_vjp.conv_vjp(g, out, x, kernel)
    return out, dx, dk


def kept_patches_step(x, kernel, g):
    """The forward's patches made whole and kept; the kernel gradient reads them."""
    patches = patch_matrix(window_view(x, (3, 3), (1, 1), (1, 1), g.shape[1:3]))
    out = (patches @ kernel.reshape(-1, kernel.shape[3])).reshape(g.shape)
    dk = (patches.T @ g.reshape(-1, g.shape[3])).reshape(kernel.shape)
    dx, _ = convolution_vjp.conv_vjp(g, out, x, kernel, needed=(True, False))
    return out, dx, dk


def full_convolution_dx(g, kernel, path):
    """The input gradient as a 'full' convolution of g with the rotated kernel."""
    g_full = np.pad(g, ((0, 0), (2, 2), (2, 2), (0, 0)))
    rotated = np.ascontiguousarray(kernel[::-1, ::-1].transpose(0, 1, 3, 2))
    if path == "im2col":
        return convolution.conv(g_full, rotated)
    out = np.empty(g.shape[:1] + (g.shape[1] + 2, g.shape[2] + 2, kernel.shape[2]), g.dtype)
    return winograd.conv3x3(g_full, rotated, ((0, 0), (0, 0)), out)


def variants(x, kernel, g):
    """{name: (function of no arguments, products it computes)}."""
    out = convolution.conv(x, kernel)
    return {
        "forward: im2col": (lambda: convolution.conv(x, kernel), 1),
        "forward: Winograd F(2x2, 3x3)": (
            lambda: winograd.conv3x3(x, kernel, ((0, 0), (0, 0)), np.empty_like(out)), 1),
        "input grad: scatter (g @ K.T, 9 adds)": (
            lambda: convolution_vjp.conv_vjp(g, out, x, kernel, needed=(True, False)), 1),
        "input grad: full convolution, im2col": (
            lambda: full_convolution_dx(g, kernel, "im2col"), 1),
        "input grad: full convolution, Winograd": (
            lambda: full_convolution_dx(g, kernel, "winograd"), 1),
        "kernel grad: im2col rebuilt": (
            lambda: convolution_vjp.conv_vjp(g, out, x, kernel, needed=(False, True)), 1),
        "step: im2col (kerasmini)": (lambda: im2col_step(x, kernel, g), 3),
        "step: Winograd forward": (lambda: winograd_forward_step(x, kernel, g), 3),
        "step: kept patches": (lambda: kept_patches_step(x, kernel, g), 3),
        "step: Winograd training": (lambda: winograd_training(x, kernel, g), 3),
    }


def measure(batch=128, rounds=9):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, 13, 13, 32)).astype(np.float32)
    kernel = (rng.standard_normal((3, 3, 32, 64)) / 17).astype(np.float32)
    g = rng.standard_normal((batch, 11, 11, 64)).astype(np.float32)
    cases = variants(x, kernel, g)
    square = rng.standard_normal((1024, 1024)).astype(np.float32)
    cases["GEMM 1024^3 (peak)"] = (lambda: square @ square, None)
    seconds = {name: [] for name in cases}
    # kernels on the calling thread, BLAS on one thread: CPU time is the work
    with mock.patch.object(threads, "WORKERS", 1), threads.limited(1):
        for _ in range(rounds + 1):  # the first round warms up
            for name, (run, _) in cases.items():
                start = time.process_time()
                run()
                seconds[name].append(time.process_time() - start)
    medians = {name: statistics.median(values[1:]) for name, values in seconds.items()}
    peak = 2 * 1024 ** 3 / medians["GEMM 1024^3 (peak)"] / 1e9
    flops = 2 * batch * 11 * 11 * 9 * 32 * 64
    rows = []
    for name, (_, products) in cases.items():
        if products is None:
            continue
        rate = products * flops / medians[name] / 1e9
        rows.append((name, medians[name] * 1e3, rate, rate / peak))
    return rows, peak


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    rows, peak = measure(args.batch, args.rounds)
    print(f"one-thread GEMM peak: {peak:.0f} GFLOP/s")
    print(f"| variant | CPU ms | GFLOP/s | share of GEMM peak |\n|---|---:|---:|---:|")
    for name, ms, rate, share in rows:
        print(f"| {name} | {ms:.2f} | {rate:.0f} | {share:.0%} |")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
