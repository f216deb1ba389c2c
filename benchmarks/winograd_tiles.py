"""Larger Winograd tiles and stride-2 rewrites, measured against the kernels conv runs.

    python -m benchmarks.winograd_tiles --error          # float32 error per tile and points
    python -m benchmarks.winograd_tiles --speed [--rounds 7]
    python -m benchmarks.winograd_tiles --stride-two [--rounds 9]

F(m x m, 3x3) computes an m x m block of outputs from an (m + 2)^2 tile with (m + 2)^2
products: F(2x2, 3x3), which conv runs (ops/winograd.py), 16 per 4 outputs; F(3x3, 3x3)
25 per 9 (1.44x fewer). Their matrices come from Toom-Cook on m + 1 points and infinity;
`toom_cook` builds them exactly (fractions) for any points.

--error: max |error| / max |output| in float32 against a float64 reference, for
F(2x2) (points 0, 1, -1), F(3x3) with a fourth point p = 2, -2, 1/2, -1/2, and F(4x4) for
scale, each run through ops/winograd.conv3x3's own blocks with its tile and transforms
swapped (`tiles`); inputs normal, uniform [0, 1) and normal + 10 (offset), C up to 1024,
Glorot-uniform kernels. Also F(2x2) in float64 against a long-double reference.
--speed: CPU seconds of one thread (other processes' load does not enter), medians of
interleaved rounds: im2col, F(2x2), and F(3x3) with p = 2 and its transforms written as
few vectorized passes as shared subexpressions allow (`F3_FAST`).
--stride-two: space-to-depth (a stride-2 k x k conv is a stride-1 ceil(k / 2) conv over
4 C channels at half the resolution) against im2col on the layer table's stride-2 cases.
F(3x3) and space-to-depth lost; docs/performance.md has the numbers and the reasons.
"""
import argparse
import contextlib
import time
from fractions import Fraction
from unittest import mock

import numpy as np

from kerasmini.ops import convolution, threads, winograd


def toom_cook(points, m):
    """(A^T, G, B^T) of F(m, 3) for finite `points` (m + 1 of them) and infinity, so that
    y = A^T [(G g) * (B^T d)] for a 3-tap filter g over m + 2 inputs d (exact fractions)."""
    points = [Fraction(p) for p in points]
    a_t = [[p ** k for p in points] + [Fraction(int(k == m - 1))] for k in range(m)]
    g, b_t = [], []
    for i, p in enumerate(points):
        others = [q for j, q in enumerate(points) if j != i]
        scale = np.prod([p - q for q in others], dtype=object)
        g.append([p ** k / scale for k in range(3)])
        b_t.append(_poly_with_roots(others, m + 2))
    g.append([Fraction(0), Fraction(0), Fraction(1)])
    b_t.append(_poly_with_roots(points, m + 2))
    return tuple(np.array(matrix, dtype=np.float64) for matrix in (a_t, g, b_t))


def _poly_with_roots(roots, length):
    """Coefficients (x^0 first) of prod (x - root), padded with zeros to `length`."""
    poly = [Fraction(1)]
    for root in roots:
        poly = [(poly[i - 1] if i else 0) - root * (poly[i] if i < len(poly) else 0)
                for i in range(len(poly) + 1)]
    return poly + [Fraction(0)] * (length - len(poly))


def _combine_rows(matrix, views, outs):
    """outs[i] = sum_j matrix[i, j] * views[j], any coefficients (the slow, general form)."""
    for row, out in zip(matrix, outs):
        out[...] = sum(c * view for c, view in zip(row, views) if c)


@contextlib.contextmanager
def tiles(points):
    """ops/winograd.conv3x3 running F(m x m, 3x3) on `points`, general transforms."""
    a_t, g, b_t = toom_cook(points, len(points) - 1)
    m, side = a_t.shape

    def transform_kernel(kernel, dtype):
        u = np.einsum("ka,abcf,lb->klcf", g, kernel.astype(np.float64), g, optimize=True)
        return u.reshape(side * side, *kernel.shape[2:]).astype(dtype)

    def input_transform(band, tiles_h, tiles_w):
        n, _, width, c = band.shape
        t = np.empty((side, n, tiles_h, width, c), band.dtype)
        v = np.empty((side, side, n, tiles_h, tiles_w, c), band.dtype)
        _combine_rows(b_t, [band[:, a:a + m * tiles_h:m] for a in range(side)], t)
        for k in range(side):
            _combine_rows(b_t, [t[k][:, :, b:b + m * tiles_w:m] for b in range(side)], v[k])
        return v.reshape(side * side, -1, c)

    def output_transform(products, out, tile_rows):
        s = np.empty((m, *products.shape[1:]), products.dtype)
        _combine_rows(a_t, products, s)
        for a in range(m):
            rows = slice(m * tile_rows.start + a, min(m * tile_rows.stop, out.shape[1]), m)
            for b in range(m):
                target = out[:, rows, b::m]
                cols = [s_l[:, :target.shape[1], :target.shape[2]] for s_l in s[a]]
                _combine_rows(a_t[b:b + 1], cols, [target])

    with swapped_tiles(m, transform_kernel, input_transform, output_transform):
        yield


@contextlib.contextmanager
def swapped_tiles(tile, transform_kernel, input_transform, output_transform):
    with mock.patch.object(winograd, "TILE", tile), \
            mock.patch.object(winograd, "transform_kernel", transform_kernel), \
            mock.patch.object(winograd, "input_transform", input_transform), \
            mock.patch.object(winograd, "output_transform", output_transform):
        yield


# F(3x3, 3x3) on points 0, 1, -1, 2: B^T rows r0 = 2 d0 - d1 - 2 d2 + d3,
# r1 = -2 d1 - d2 + d3, r2 = 2 d1 - 3 d2 + d3, r3 = d3 - d1, r4 = 2 d1 - d2 - 2 d3 + d4;
# A^T rows [1, 1, 1, 1, 0], [0, 1, -1, 2, 0], [0, 1, 1, 4, 1].
def _rows_f3(d, out):
    """out[k] = (B^T d)[k] in 12 passes, r3 shared."""
    r0, r1, r2, r3, r4 = out
    np.subtract(d[3], d[1], out=r3)
    np.subtract(d[0], d[2], out=r0)
    r0 *= 2
    r0 += r3
    np.subtract(r3, d[2], out=r1)
    r1 -= d[1]
    np.subtract(d[1], d[2], out=r2)
    r2 *= 3
    r2 += r3
    np.multiply(r3, -2, out=r4)
    r4 += d[4]
    r4 -= d[2]


def _input_transform_f3(band, tiles_h, tiles_w):
    n, _, width, c = band.shape
    t = np.empty((5, n, tiles_h, width, c), band.dtype)
    v = np.empty((5, 5, n, tiles_h, tiles_w, c), band.dtype)
    _rows_f3([band[:, a:a + 3 * tiles_h:3] for a in range(5)], t)
    for k in range(5):
        _rows_f3([t[k][:, :, b:b + 3 * tiles_w:3] for b in range(5)], v[k])
    return v.reshape(25, -1, c)


def _output_transform_f3(m, out, tile_rows):
    """A^T M A in place in m (5, 5, N, TH, TW, F): rows in 10 passes, then columns."""
    m0, m1, m2, m3, m4 = m
    np.subtract(m1, m2, out=m2)  # q = m1 - m2
    m1 *= 2
    m1 -= m2  # p = m1 + m2
    m0 += m1
    m0 += m3  # S_0
    m3 *= 2
    m2 += m3  # S_1 = q + 2 m3
    m3 *= 2
    m1 += m3
    m1 += m4  # S_2 = p + 4 m3 + m4
    for a, s in enumerate((m0, m2, m1)):
        rows = slice(3 * tile_rows.start + a, min(3 * tile_rows.stop, out.shape[1]), 3)
        t0, t1, t2 = (out[:, rows, b::3] for b in range(3))
        x = [s_l[:, :t0.shape[1]] for s_l in s]
        np.add(x[0][:, :, :t0.shape[2]], x[1][:, :, :t0.shape[2]], out=t0)
        t0 += x[2][:, :, :t0.shape[2]]
        t0 += x[3][:, :, :t0.shape[2]]
        x = [s_l[:, :, :t1.shape[2]] for s_l in x]
        np.subtract(x[1], x[2], out=t1)
        t1 += x[3]
        t1 += x[3]
        x = [s_l[:, :, :t2.shape[2]] for s_l in x]
        np.add(x[1], x[2], out=t2)
        x[3] *= 4
        t2 += x[3]
        t2 += x[4]


def _kernel_transform_f3(kernel, dtype):
    _, g, _ = toom_cook([0, 1, -1, 2], 3)
    channels, filters = kernel.shape[2:]
    u = np.empty((5, 5, channels, filters), dtype)
    for k in range(5):  # one (3, C, F) float64 row of G g at a time
        row = sum(g[k, a] * kernel[a].astype(np.float64) for a in range(3) if g[k, a])
        u[k] = (g @ row.reshape(3, -1)).reshape(5, channels, filters)
    return u.reshape(25, channels, filters)


F3_FAST = (3, _kernel_transform_f3, _input_transform_f3, _output_transform_f3)
POINTS = {"F(2x2) 0,1,-1": [0, 1, -1], "F(3x3) p=2": [0, 1, -1, 2],
          "F(3x3) p=-2": [0, 1, -1, -2], "F(3x3) p=1/2": [0, 1, -1, Fraction(1, 2)],
          "F(3x3) p=-1/2": [0, 1, -1, Fraction(-1, 2)],
          "F(4x4) 0,+-1,+-2": [0, 1, -1, 2, -2]}


def reference(x, kernel, dtype=np.float64):
    """'same' 3x3 stride-1 conv, the nine taps summed in `dtype`."""
    n, h, w, _ = x.shape
    padded = np.pad(x.astype(dtype), ((0, 0), (1, 1), (1, 1), (0, 0)))
    return sum(padded[:, a:a + h, b:b + w] @ kernel[a, b].astype(dtype)
               for a in range(3) for b in range(3))


def winograd_same(x, kernel):
    out = np.empty((*x.shape[:3], kernel.shape[3]), x.dtype)
    return winograd.conv3x3(x, kernel, ((1, 1), (1, 1)), out)


def fill(name, shape, rng):
    x = rng.uniform(0, 1, shape) if name == "uniform" else rng.standard_normal(shape)
    return (x + 10 if name == "normal+10" else x).astype(np.float32)


def error_table():
    rng = np.random.default_rng(0)
    print("max |error| / max |output|, float32 against float64, (2, 12, 12, C) 'same'")
    for channels, filters in [(4, 8), (64, 64), (256, 256), (512, 512), (1024, 64)]:
        bound = np.sqrt(6 / (9 * channels + 9 * filters))
        kernel = rng.uniform(-bound, bound, (3, 3, channels, filters)).astype(np.float32)
        for name in ("normal", "uniform", "normal+10"):
            x = fill(name, (2, 12, 12, channels), rng)
            expected = reference(x, kernel)
            scale = np.max(np.abs(expected))
            errors = {}
            for label, points in POINTS.items():
                with tiles(points):
                    errors[label] = np.max(np.abs(winograd_same(x, kernel) - expected))
            with swapped_tiles(*F3_FAST):
                errors["F(3x3) p=2 fast"] = np.max(np.abs(winograd_same(x, kernel) - expected))
            print(f"C {channels} F {filters} {name}: " + ", ".join(
                f"{label} {error / scale:.1e}" for label, error in errors.items()), flush=True)
    print("F(2x2) as conv runs it, float64 against long double, (2, 12, 12, C)")
    for channels, name in [(64, "normal"), (512, "normal"), (512, "normal+10"), (1024, "uniform")]:
        x = fill(name, (2, 12, 12, channels), rng).astype(np.float64)
        kernel = rng.standard_normal((3, 3, channels, 64)) / np.sqrt(9 * channels)
        expected = reference(x, kernel, np.longdouble)
        error = np.max(np.abs(winograd_same(x, kernel) - expected)) / np.max(np.abs(expected))
        print(f"C {channels} {name}: {float(error):.1e}", flush=True)


SPEED_CASES = [((32, 56, 56, 64), 64), ((32, 28, 28, 128), 128), ((16, 112, 112, 32), 64),
               ((32, 14, 14, 256), 256), ((32, 27, 27, 128), 128)]


def speed_table(rounds):
    print(f"load average before: {_load()}")
    for shape, filters in SPEED_CASES:
        rng = np.random.default_rng(0)
        x = rng.standard_normal(shape).astype(np.float32)
        kernel = (rng.standard_normal((3, 3, shape[3], filters))
                  / np.sqrt(9 * shape[3])).astype(np.float32)

        def f3():
            with swapped_tiles(*F3_FAST):
                return winograd_same(x, kernel)

        def im2col():
            with mock.patch.object(convolution, "kernel_path", lambda *a: "im2col"):
                return convolution.conv(x, kernel, 1, "same")

        functions = {"im2col": im2col, "F(2x2)": lambda: winograd_same(x, kernel), "F(3x3)": f3}
        times = _cpu_medians(functions, rounds, check=True)
        base = times["F(2x2)"]
        print(f"{'x'.join(map(str, shape))} -> {filters}: " + ", ".join(
            f"{name} {t * 1e3:.1f} ms" for name, t in times.items())
            + f"; F(3x3) / F(2x2) {times['F(3x3)'] / base:.2f}", flush=True)
    print(f"load average after: {_load()}")


def space_to_depth_conv(x, kernel):
    """A stride-2 k x k 'same' conv as a stride-1 ceil(k / 2) 'valid' conv over 4 C
    channels: input and kernel (zero-padded to an even size) cut into 2x2 phases."""
    n, h, w, c = x.shape
    size = kernel.shape[0]
    half = -(-size // 2)
    out_h, out_w = -(-h // 2), -(-w // 2)
    top, left = max((out_h - 1) * 2 + size - h, 0) // 2, max((out_w - 1) * 2 + size - w, 0) // 2
    rows, cols = 2 * (out_h + half - 1), 2 * (out_w + half - 1)
    padded = np.zeros((n, rows, cols, c), x.dtype)
    padded[:, top:top + h, left:left + w] = x[:, :rows - top, :cols - left]
    phases = padded.reshape(n, rows // 2, 2, cols // 2, 2, c).transpose(0, 1, 3, 2, 4, 5)
    even = np.zeros((2 * half, 2 * half, *kernel.shape[2:]), kernel.dtype)
    even[:size, :size] = kernel
    k = even.reshape(half, 2, half, 2, c, -1).transpose(0, 2, 1, 3, 4, 5)
    return convolution.conv(phases.reshape(n, rows // 2, cols // 2, 4 * c),
                            k.reshape(half, half, 4 * c, -1), 1, "valid")


def stride_two_table(rounds):
    print(f"load average before: {_load()}")
    for shape, filters, size in [((8, 224, 224, 3), 64, 7), ((32, 56, 56, 64), 128, 3)]:
        rng = np.random.default_rng(0)
        x = rng.standard_normal(shape).astype(np.float32)
        kernel = rng.standard_normal((size, size, shape[3], filters)).astype(np.float32)
        functions = {"im2col": lambda: convolution.conv(x, kernel, 2, "same"),
                     "space-to-depth": lambda: space_to_depth_conv(x, kernel)}
        times = _cpu_medians(functions, rounds, check=True)
        print(f"{'x'.join(map(str, shape))} -> {filters} {size}x{size}/2: " + ", ".join(
            f"{name} {t * 1e3:.1f} ms" for name, t in times.items())
            + f"; space-to-depth / im2col {times['space-to-depth'] / times['im2col']:.2f}",
            flush=True)
    print(f"load average after: {_load()}")


def _cpu_medians(functions, rounds, check):
    """Median CPU seconds of the one thread that runs each function (interleaved)."""
    if check:  # all agree before anything is timed
        results = [fn() for fn in functions.values()]
        scale = np.max(np.abs(results[0]))
        assert all(np.max(np.abs(r - results[0])) < 1e-4 * scale for r in results)
    samples = {name: [] for name in functions}
    with mock.patch.object(threads, "WORKERS", 1), threads.limited(1):
        for _ in range(rounds):
            for name, fn in functions.items():
                start = time.thread_time()
                fn()
                samples[name].append(time.thread_time() - start)
    return {name: float(np.median(values)) for name, values in samples.items()}


def _load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--error", action="store_true")
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--stride-two", action="store_true")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    if args.error:
        error_table()
    if args.speed:
        speed_table(args.rounds)
    if args.stride_two:
        stride_two_table(args.rounds)


if __name__ == "__main__":
    main()
