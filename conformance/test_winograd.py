"""Winograd F(2x2, 3x3) (ops/winograd.py) against tf.keras and the float64 reference.

1. Every 3x3 stride-1 ungrouped configuration of the Conv2D value grid, forced through
   Winograd (its thresholds lowered to 0): its float32 rounding must stay inside the
   same tolerance as im2col's on the same cases.
2. Its chunked and threaded paths: blocks of tile rows (bands and whole images, each with
   a shorter last one) and blocks shared by two threads, in both data formats.
3. Channel-heavy layers at the real thresholds, where conv picks Winograd by itself: the
   sizes where its error is largest (long sums over channels), on normal inputs and on
   inputs all of one sign (-|x| - 1: a mean offset, where large transformed values cancel
   in the output transform; zero-mean inputs gave the larger errors in
   benchmarks/winograd_tiles.py, both are checked).
Each test checks that Winograd really ran. Runs in every tier (it is small):
conformance/mutations.py plants bugs in the transforms and counts on it."""
import unittest

import numpy as np
from parameterized import parameterized

from conformance import grids
from conformance.harness import check_values, make_inputs, make_km, seed_of
from tests.kernel_limits import budgets_covering, kinds, shrunk, winograd_calls


def grid_cases():
    for name, args, shapes in grids.conv_configs():
        if args["kernel_size"] == 3 and args["strides"] == 1 and args["dilation_rate"] == 1 \
                and args["groups"] == 1:
            yield f"{name}_float32", args, "float32", shapes
            if args["data_format"] == "channels_last":  # TF has no float64 NCHW conv on CPU
                yield f"{name}_float64", args, "float64", shapes


CHUNKED = [dict(filters=4, kernel_size=3, padding=p, data_format=f)
           for p in ("same", "valid") for f in ("channels_last", "channels_first")]
# Heights with 3 tile rows in both paddings (bands of 2 and 1), widths with 5 and 4 tiles.
SHAPES = {("same", "channels_last"): (5, 5, 9, 3), ("same", "channels_first"): (5, 3, 5, 9),
          ("valid", "channels_last"): (5, 7, 9, 3), ("valid", "channels_first"): (5, 3, 7, 9)}

# (input shape, filters, padding, dtype): C F / (C + F) >= 30 and >= 2048 output pixels.
LARGE = [((2, 32, 32, 64), 64, "same", "float32"),
         ((8, 16, 16, 256), 256, "same", "float32"),
         ((4, 29, 27, 64), 72, "valid", "float32"),
         ((2, 33, 33, 512), 48, "same", "float32"),
         ((2, 32, 32, 64), 64, "same", "float64")]
# Offset inputs: the longest channel sums, float32 and float64.
OFFSET = [((2, 32, 32, 1024), 64, "same", "float32"), ((8, 16, 16, 256), 256, "same", "float32"),
          ((2, 32, 32, 512), 64, "same", "float64")]


class TestWinogradValues(unittest.TestCase):
    @parameterized.expand(list(grid_cases()))
    def test_grid_through_winograd_agrees(self, name, args, dtype, shapes):
        with shrunk(winograd_from=0), winograd_calls() as calls:
            check_values("Conv2D", args, dtype, shapes, seed_of("Conv2D", name))
        self.assertTrue(calls, name)

    @parameterized.expand([(f"{a['padding']}_{a['data_format']}", a) for a in CHUNKED])
    def test_chunks_agree(self, name, args):
        shape = SHAPES[args["padding"], args["data_format"]]
        km_layer = make_km("Conv2D", dict(args))
        x = make_inputs(shape, "float32", np.random.default_rng(0))
        with shrunk(winograd_from=0):
            covering = budgets_covering(lambda: km_layer(x))
        walks = []
        for budget in sorted(set(covering.values())):
            with shrunk(workspace_bytes=budget, parallel_bytes=0, workers=2,
                        winograd_from=0) as walked, winograd_calls() as calls:
                check_values("Conv2D", args, "float32", [shape],
                             seed_of("Conv2D", name, budget))
            walks += walked
            self.assertTrue(calls, name)
        self.assertLessEqual(set(covering), kinds(walks), name)

    @parameterized.expand([(f"{a['padding']}_{a['data_format']}", a) for a in CHUNKED])
    def test_threads_agree(self, name, args):
        with shrunk(small_product=0, min_rows=3, workers=2, winograd_from=0) as walked, \
                winograd_calls() as calls:
            check_values("Conv2D", args, "float32", [SHAPES[args["padding"], args["data_format"]]],
                         seed_of("Conv2D", name, 0))
        self.assertTrue(calls, name)
        self.assertGreater(max(len(walk) for walk in walked), 2, name)  # shared blocks

    @parameterized.expand([(f"{'x'.join(map(str, s))}_{f}_{p}_{d}", s, f, p, d)
                           for s, f, p, d in LARGE])
    def test_large_layers_take_winograd_and_agree(self, name, shape, filters, padding, dtype):
        args = dict(filters=filters, kernel_size=3, padding=padding)
        with winograd_calls() as calls:
            check_values("Conv2D", args, dtype, [shape], seed_of("Conv2D", name))
        self.assertTrue(calls, name)

    @parameterized.expand([(f"{'x'.join(map(str, s))}_{f}_{p}_{d}", s, f, p, d)
                           for s, f, p, d in OFFSET])
    def test_offset_inputs_take_winograd_and_agree(self, name, shape, filters, padding, dtype):
        args = dict(filters=filters, kernel_size=3, padding=padding)
        with winograd_calls() as calls:
            check_values("Conv2D", args, dtype, [shape], seed_of("Conv2D", name, "offset"),
                         fill="negative")
        self.assertTrue(calls, name)
