"""UpSampling2D, Resizing, CenterCrop and ops.resize against per-pixel loop references."""
import itertools
import math
import unittest
from unittest import mock

import numpy as np
from parameterized import parameterized

from kerasmini import layers, ops
from kerasmini.ops import resizing, threads
from tests.helpers import assert_close, random_input
from tests.kernel_limits import shrunk


def resize_reference(x, size, interpolation):
    """NHWC float64, one output pixel at a time. Output pixel o of an axis n -> m sits at
    input coordinate (o + 0.5) * n / m - 0.5 (half-pixel centres)."""
    x = np.asarray(x, np.float64)
    n, h, w, c = x.shape
    out = np.empty((n, *size, c))
    for i, j in itertools.product(range(size[0]), range(size[1])):
        if interpolation == "nearest":
            y = min(math.floor((i + 0.5) * h / size[0]), h - 1)
            z = min(math.floor((j + 0.5) * w / size[1]), w - 1)
            out[:, i, j] = x[:, y, z]
            continue
        y, z = (i + 0.5) * h / size[0] - 0.5, (j + 0.5) * w / size[1] - 0.5
        y0, z0 = math.floor(y), math.floor(z)
        fy, fz = y - y0, z - z0

        def at(a, b):
            return x[:, min(max(a, 0), h - 1), min(max(b, 0), w - 1)]
        out[:, i, j] = ((1 - fy) * ((1 - fz) * at(y0, z0) + fz * at(y0, z0 + 1))
                        + fy * ((1 - fz) * at(y0 + 1, z0) + fz * at(y0 + 1, z0 + 1)))
    return out


SIZES = [((5, 7), (10, 14)), ((5, 7), (3, 4)), ((4, 4), (7, 9)), ((2, 3), (3, 2)),
         ((1, 5), (3, 2)), ((6, 6), (6, 6))]


class ResizeTest(unittest.TestCase):
    @parameterized.expand([(a, b, m) for (a, b), m in itertools.product(
        SIZES, ["bilinear", "nearest"])])
    def test_matches_reference(self, size_in, size_out, interpolation):
        x = random_input((2, *size_in, 3), "float64", 1)
        assert_close(ops.resize(x, size_out, interpolation, "channels_last"),
                     resize_reference(x, size_out, interpolation), "float64",
                     (size_in, size_out, interpolation))

    def test_chunks_of_images(self):
        x = random_input((5, 4, 6, 2), "float32", 2)
        whole = ops.resize(x, (7, 3), "bilinear", "channels_last")
        with mock.patch.object(resizing, "WORKSPACE_BYTES", 1):  # one image per chunk
            assert_close(ops.resize(x, (7, 3), "bilinear", "channels_last"),
                         whole.astype(np.float64), "float32", "chunks")

    @parameterized.expand([("gathers", 0), ("strided_rows", 10**6)])
    def test_both_row_paths_match_the_reference(self, _, max_period):
        """Rows are resized from strided slices when the scale is p / q with p <=
        MAX_PERIOD, by gathers otherwise: each path forced on every size."""
        x = random_input((2, 9, 7, 3), "float64", 4)
        for size in [(18, 7), (27, 5), (12, 7), (3, 4), (9, 9), (10, 3), (1, 2)]:
            with mock.patch.object(resizing, "MAX_PERIOD", max_period), mock.patch.object(
                    resizing, "_lerp_by_residue", wraps=resizing._lerp_by_residue) as strided:
                out = ops.resize(x, size, "bilinear", "channels_last")
            assert_close(out, resize_reference(x, size, "bilinear"), "float64", size)
            self.assertEqual(strided.called, bool(max_period), size)

    def test_rows_gathered_when_the_strided_plan_gives_up(self):
        """_lerp_by_residue may stop halfway (sources off its pattern): the gather then
        rewrites every row."""
        def gives_up(x, axis, sources, period, out):
            out[...] = np.nan
            return False
        x = random_input((2, 5, 4, 3), "float32", 5)
        with mock.patch.object(resizing, "_lerp_by_residue", gives_up):
            out = ops.resize(x, (10, 6), "bilinear", "channels_last")
        assert_close(out, resize_reference(x, (10, 6), "bilinear"), "float32", "gave up")

    def test_chunks_on_two_threads(self):
        x = random_input((5, 4, 6, 2), "float32", 6)
        for size, interpolation in itertools.product([(8, 9), (3, 4)], ["bilinear", "nearest"]):
            with shrunk(parallel_bytes=0, workers=2), \
                    mock.patch.object(resizing, "WORKSPACE_BYTES", 1), \
                    mock.patch.object(threads, "_pool", wraps=threads._pool) as pool:
                out = ops.resize(x, size, interpolation, "channels_last")
            assert_close(out, resize_reference(x, size, interpolation), "float32", size)
            pool.assert_called()

    def test_unknown_interpolation(self):
        with self.assertRaisesRegex(ValueError, "bicubic"):
            ops.resize(np.ones((1, 2, 2, 1)), (4, 4), "bicubic")


class UpSampling2DTest(unittest.TestCase):
    @parameterized.expand(list(itertools.product(
        [2, (2, 3), (1, 2)], ["nearest", "bilinear"], ["channels_last", "channels_first"])))
    def test_matches_reference(self, size, interpolation, fmt):
        layer = layers.UpSampling2D(size, fmt, interpolation, dtype="float64")
        sh, sw = (size, size) if isinstance(size, int) else size
        x = random_input((2, 4, 5, 3), "float64", 3)
        expected = resize_reference(x, (4 * sh, 5 * sw), interpolation)
        if fmt == "channels_first":
            x, expected = x.transpose(0, 3, 1, 2), expected.transpose(0, 3, 1, 2)
        y = layer(x)
        assert_close(y, expected, "float64", (size, interpolation, fmt))
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))
        if fmt == "channels_last":
            self.assertEqual(layer.compute_output_shape((None, 4, None, 3)),
                             (None, 4 * sh, None, 3))

    def test_errors_and_config(self):
        with self.assertRaisesRegex(ValueError, "interpolation"):
            layers.UpSampling2D(interpolation="bicubic")
        with self.assertRaisesRegex(ValueError, "size"):
            layers.UpSampling2D(size=0)
        config = layers.UpSampling2D((2, 3), interpolation="Bilinear").get_config()
        self.assertEqual((config["size"], config["interpolation"]), ((2, 3), "bilinear"))


class ResizingAndCenterCropTest(unittest.TestCase):
    @parameterized.expand(list(itertools.product(
        [(5, 7), (3, 2), (3, 6)], ["bilinear", "nearest"], [False, True],
        ["channels_last", "channels_first"])))
    def test_resizing(self, size, interpolation, crop, fmt):
        x = random_input((2, 7, 5, 3), "float64", 4)
        layer = layers.Resizing(*size, interpolation=interpolation, crop_to_aspect_ratio=crop,
                                data_format=fmt, dtype="float64")
        source = x
        if crop:  # the largest centred box with the target's aspect ratio
            ch = max(min(7, 5 * size[0] // size[1]), 1)
            cw = max(min(5, 7 * size[1] // size[0]), 1)
            top, left = (7 - ch) // 2, (5 - cw) // 2
            source = x[:, top:top + ch, left:left + cw]
        expected = resize_reference(source, size, interpolation)
        if fmt == "channels_first":
            x, expected = x.transpose(0, 3, 1, 2), expected.transpose(0, 3, 1, 2)
        y = layer(x)
        assert_close(y, expected, "float64", (size, interpolation, crop, fmt))
        self.assertEqual(y.shape, layer.compute_output_shape(x.shape))
        assert_close(layer(x[0]), expected[0], "float64", "one image")

    def test_crop_to_an_extreme_aspect_ratio_keeps_one_pixel(self):
        # the box's side w * th // tw (or h * tw // th) rounds to 0: one row (column) is
        # kept, never none and never two
        x = random_input((1, 7, 5, 2), "float64", 6)
        for size, box in [((1, 9), (slice(3, 4), slice(0, 5))),
                          ((9, 1), (slice(0, 7), slice(2, 3))),
                          ((1, 1), (slice(1, 6), slice(0, 5)))]:
            got = ops.resize(x, size, crop_to_aspect_ratio=True)
            expected = resize_reference(x[(slice(None), *box)], size, "bilinear")
            assert_close(got, expected, "float64", size)
        column = random_input((1, 5, 1, 1), "float64", 7)
        assert_close(ops.resize(column, (2, 2), crop_to_aspect_ratio=True),
                     resize_reference(column[:, 2:3], (2, 2), "bilinear"), "float64", "1 x 1")

    def test_center_crop(self):
        x = random_input((2, 7, 6, 3), "float64", 5)
        layer = layers.CenterCrop(3, 4, dtype="float64")
        assert_close(layer(x), x[:, 2:5, 1:5], "float64", "crop")
        assert_close(layer(x[1]), x[1, 2:5, 1:5], "float64", "one image")
        first = layers.CenterCrop(3, 4, data_format="channels_first", dtype="float64")
        nchw = x.transpose(0, 3, 1, 2)
        assert_close(first(nchw), nchw[:, :, 2:5, 1:5], "float64", "channels_first")
        # larger than the input: crop to the aspect ratio 8:4 (7 x 3 of 7 x 6), resize
        big = layers.CenterCrop(8, 4, dtype="float64")
        expected = resize_reference(x[:, 0:7, 1:4], (8, 4), "bilinear")
        assert_close(big(x), expected, "float64", "smart resize")

    def test_unsupported_arguments_raise(self):
        for args in ({"interpolation": "bicubic"}, {"pad_to_aspect_ratio": True},
                     {"antialias": True}, {"height": 0}):
            with self.subTest(args=args), self.assertRaises(ValueError) as caught:
                layers.Resizing(**{"height": 2, "width": 2, **args})
            self.assertIn(next(iter(args)), str(caught.exception))
        with self.assertRaisesRegex(ValueError, "width"):
            layers.CenterCrop(2, -1)
        with self.assertRaises(ValueError):
            layers.Resizing(2, 2)(np.ones((2, 3)))
