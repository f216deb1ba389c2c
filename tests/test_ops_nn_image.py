"""keras.ops.nn's window ops, normalizations, rearrangements and CTC, and
keras.ops.image, beyond the value and gradient table (tests/ops_table_nn.py): each
check's error (deleting a check fails a test), gradients the table cannot reach (with
respect to scale_and_translate's scale and translation), polar's complex values, and a
model of these operations on KerasTensors that runs, trains and saves as Keras's
operation classes."""
import json
import os
import tempfile
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from kerasmini import GradientTape, ops
from tests.gradcheck import numeric_gradient

RNG = np.random.default_rng(0)
X = RNG.random((2, 6, 7, 3)).astype("float32")
SEQ = RNG.random((2, 7, 3)).astype("float32")
I = ops.image

ERRORS = [
    ("conv_rank", lambda: ops.conv(X[0, 0], np.ones((3, 3, 2))), ValueError,
     r"inputs.shape=\(7, 3\)"),
    ("conv_kernel_rank", lambda: ops.conv(SEQ, np.ones((3, 3, 3, 2))), ValueError,
     r"kernel.shape=\(3, 3, 3, 2\)"),
    ("depthwise_conv_3d", lambda: ops.depthwise_conv(X[..., None], np.ones((1, 1, 1, 3, 1))),
     ValueError, "rank 3 or 4"),
    ("conv_transpose_1d_output_padding", lambda: ops.conv_transpose(
        SEQ, np.ones((3, 2, 3)), strides=2, output_padding=(1, 1)), ValueError,
     "output_padding"),
    ("max_pool_1d_pool_size", lambda: ops.max_pool(SEQ, (2, 2)), ValueError, "pool_size"),
    ("average_pool_3d_strides", lambda: ops.average_pool(X[..., None], 2, strides=0),
     ValueError, "strides"),
    ("depth_to_space_block", lambda: ops.depth_to_space(X, 1), ValueError, "block_size=1"),
    ("depth_to_space_channels", lambda: ops.depth_to_space(X, 2), ValueError,
     r"channels \(3\)"),
    ("depth_to_space_rank", lambda: ops.depth_to_space(SEQ, 2), ValueError, "4D"),
    ("space_to_depth_height", lambda: ops.space_to_depth(X, 4), ValueError,
     r"Height \(6\)"),
    ("space_to_depth_width", lambda: ops.space_to_depth(X, 2), ValueError, r"Width \(7\)"),
    ("unfold_rank", lambda: ops.unfold(SEQ, 2), ValueError, "4D"),
    ("unfold_too_large", lambda: ops.unfold(X, 8), ValueError, "does not fit"),
    ("unfold_stride", lambda: ops.unfold(X, 2, stride=0), ValueError, "stride=0"),
    ("fold_rank", lambda: ops.fold(X, (4, 4), 2), ValueError, "3D"),
    ("fold_columns", lambda: ops.fold(np.ones((1, 8, 5)), (4, 4), 2), ValueError,
     r"x.shape=\(1, 8, 5\)"),
    ("psnr_shapes", lambda: ops.psnr(X, X[0], 1.0), ValueError, "must match"),
    ("ctc_loss_batch", lambda: ops.ctc_loss(np.ones((3, 2), "int32"), SEQ,
                                            np.ones(3, "int32"), np.ones(2, "int32")),
     ValueError, "`target` and `output`"),
    ("ctc_decode_strategy", lambda: ops.ctc_decode(SEQ, [7, 7], strategy="best"),
     ValueError, "Invalid strategy best"),
    ("ctc_decode_top_paths", lambda: ops.ctc_decode(SEQ, [7, 7], strategy="beam_search",
                                                    beam_width=2, top_paths=3),
     ValueError, r"`top_paths` \(3\)"),
    ("crop_two_of_three", lambda: I.crop_images(X, 1, 1, bottom_cropping=1,
                                                target_height=2, target_width=3),
     ValueError, "exactly two of top_cropping"),
    ("crop_negative", lambda: I.crop_images(X, -1, 0, target_height=2, target_width=3),
     ValueError, "top_cropping=-1"),
    ("crop_too_large", lambda: I.crop_images(X, 2, 0, target_height=5, target_width=3),
     ValueError, "does not fit"),
    ("pad_two_of_three", lambda: I.pad_images(X, 1, target_height=9, target_width=9),
     ValueError, "exactly two of left_padding"),
    ("pad_target_too_small", lambda: I.pad_images(X, 1, 1, target_height=6,
                                                  target_width=9), ValueError,
     "bottom_padding=-1"),
    ("images_rank", lambda: I.pad_images(SEQ[0], 1, 1, 1, 1), ValueError,
     "Invalid images rank"),
    ("hsv_integer_images", lambda: I.rgb_to_hsv(np.ones((2, 2, 3), "uint8")), ValueError,
     "images.dtype=uint8"),
    ("resize_size", lambda: I.resize(X, (4,)), ValueError, r"size=\(4,\)"),
    ("resize_size_zero", lambda: I.resize(X, (4, 0)), ValueError, "positive"),
    ("resize_interpolation", lambda: I.resize(X, (4, 4), "cubic"), ValueError,
     "interpolation=cubic"),
    ("resize_fill_mode", lambda: I.resize(X, (4, 4), fill_mode="reflect"), ValueError,
     "fill_mode=reflect"),
    ("resize_crop_and_pad", lambda: I.resize(X, (4, 4), crop_to_aspect_ratio=True,
                                             pad_to_aspect_ratio=True), ValueError,
     "Only one of"),
    ("affine_transform_rank", lambda: I.affine_transform(X, np.ones((1, 1, 8))),
     ValueError, "transform rank"),
    ("perspective_points", lambda: I.perspective_transform(X, np.ones((3, 2)),
                                                           np.ones((3, 2))), ValueError,
     "start_points shape"),
    ("perspective_mismatch", lambda: I.perspective_transform(
        X, np.ones((2, 4, 2)), np.ones((4, 2))), ValueError, "same shape"),
    ("map_coordinates_leading", lambda: I.map_coordinates(X, np.ones((2, 3)), 1),
     ValueError, "First dim of `coordinates`"),
    ("map_coordinates_rank", lambda: I.map_coordinates(X[0, 0, :, 0], np.ones(1), 1),
     ValueError, "at least rank 2"),
    ("map_coordinates_fill", lambda: I.map_coordinates(X[0, 0], np.ones((2, 3)), 1,
                                                       "edge"), ValueError, "fill_mode=edge"),
    ("map_coordinates_order", lambda: I.map_coordinates(X[0, 0], np.ones((2, 3)), 3),
     NotImplementedError, "order<=1"),
    ("extract_patches_size", lambda: I.extract_patches(X, (2, 2, 2, 2)), ValueError,
     "length 4"),
    ("extract_patches_size_type", lambda: I.extract_patches(X, "2"), TypeError,
     "of type str"),
    ("extract_patches_stride_and_dilation", lambda: I.extract_patches(
        X, 2, strides=2, dilation_rate=2), ValueError, "dilation"),
    ("sobel_rank", lambda: I.sobel_edges(X[0]), ValueError, "rank 4"),
    ("ssim_rank", lambda: I.ssim(SEQ[0], SEQ[0]), ValueError, "image1 rank"),
    ("scale_and_translate_method", lambda: I.scale_and_translate(
        X, X.shape, [1.0], [0.0], (1,), "nearest"), ValueError, "method=nearest"),
]


class NnImageErrorsTest(unittest.TestCase):
    @parameterized.expand(ERRORS)
    def test_error_names_the_argument(self, _, call, error, fragment):
        with self.assertRaisesRegex(error, fragment):
            call()


class DetailsTest(unittest.TestCase):
    def test_scale_and_translate_gradient_reaches_scale_and_translation(self):
        images = RNG.standard_normal((3, 7))
        weights = RNG.standard_normal((3, 5))
        for method, antialias in (("linear", False), ("cubic", True), ("lanczos3", True)):
            scale, translation = np.array([0.8]), np.array([0.35])

            def loss():
                return float(np.sum(I.scale_and_translate(
                    images, (3, 5), scale, translation, (1,), method, antialias) * weights))

            with GradientTape() as tape:
                tape.watch([images, scale, translation])
                total = np.sum(I.scale_and_translate(images, (3, 5), scale, translation,
                                                     (1,), method, antialias) * weights)
            for got, source in zip(tape.gradient(total, [images, scale, translation]),
                                   (images, scale, translation)):
                np.testing.assert_allclose(got, numeric_gradient(loss, source), rtol=1e-6,
                                           atol=1e-8, err_msg=method)

    def test_polar(self):
        r, angle = RNG.random(5).astype("float32"), RNG.standard_normal(5).astype("float32")
        z = ops.polar(r, angle)
        self.assertEqual(z.dtype, np.complex64)
        np.testing.assert_allclose(z, r * np.exp(1j * angle.astype("float64")), rtol=1e-6)
        self.assertEqual(ops.polar(r.astype("float64"), angle.astype("float64")).dtype,
                         np.complex128)

    def test_layer_normalization_rms_scaling(self):
        x, gamma = RNG.standard_normal((3, 4)), RNG.standard_normal(4)
        expected = x / np.sqrt(x.var(-1, keepdims=True) + 1e-3) * gamma
        np.testing.assert_allclose(ops.layer_normalization(x, gamma, epsilon=1e-3,
                                                           rms_scaling=True),
                                   expected, rtol=1e-12)

    def test_half_precision_normalizations_compute_in_float32(self):
        x = (RNG.standard_normal((3, 8)) * 100).astype("float16")
        for op in (ops.layer_normalization, ops.rms_normalization):
            out = op(x)
            self.assertEqual(out.dtype, np.float16)
            np.testing.assert_allclose(out, op(x.astype("float32")), atol=2e-3)

    def test_resize_integer_images_round_back(self):
        images = RNG.integers(0, 256, (1, 5, 4, 1)).astype("uint8")
        out = I.resize(images, (9, 7))
        self.assertEqual(out.dtype, np.uint8)
        np.testing.assert_array_equal(out, np.clip(np.round(I.resize(
            images.astype("float32"), (9, 7))), 0, 255))


def nn_image_model():
    """A functional model of keras.ops.nn and keras.ops.image calls (weights: a Conv2D)."""
    x = kerasmini.Input((8, 10, 3), name="x")
    y = kerasmini.layers.Conv2D(4, 3, padding="same", name="c")(x)
    y = I.resize(y, (6, 8), interpolation="lanczos3")
    y = ops.layer_normalization(ops.max_pool(y, 2, strides=1, padding="same"))
    patches = I.extract_patches(ops.depth_to_space(y, 2), 3, padding="same")
    pooled = ops.adaptive_average_pool(patches, (2, 2))
    blurred = I.gaussian_blur(I.crop_images(y, 1, 1, target_height=4, target_width=5))
    return kerasmini.Model(x, [pooled, ops.average_pool(blurred, 2)], name="nn_image")


class NnImageModelTest(unittest.TestCase):
    def test_runs_trains_and_saves(self):
        model = nn_image_model()
        x = RNG.random((2, 8, 10, 3)).astype("float32")
        pooled, blurred = model.predict(x, verbose=0)
        self.assertEqual((pooled.shape, blurred.shape), ((2, 2, 2, 9), (2, 2, 2, 4)))
        kernel = model.get_layer("c").kernel
        with GradientTape() as tape:
            total = sum(ops.sum(out) for out in model(x))
        self.assertEqual(tape.gradient(total, kernel).shape, (3, 3, 3, 4))
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "m.keras")
            model.save(path)
            loaded = kerasmini.models.load_model(path)
        for a, b in zip(loaded.predict(x, verbose=0), (pooled, blurred)):
            np.testing.assert_array_equal(a, b)
        saved = {layer["class_name"]: layer for layer in
                 json.loads(model.to_json())["config"]["layers"]}
        self.assertEqual(saved["Resize"]["module"], "keras.src.ops.image")
        self.assertEqual(saved["Resize"]["config"]["interpolation"], "lanczos3")
        self.assertEqual(saved["LayerNorm"]["inbound_nodes"][0]["args"][1:], [None, None])
        self.assertEqual(saved["DepthToSpace"]["module"], "keras.src.ops.nn")
        self.assertEqual(saved["MaxPool"]["config"]["pool_size"], 2)
