"""The random augmentation layers: the draws (ranges, per image, seeding), the transforms
against obviously-correct NumPy (rolls, pads, flips, loops), gradients against finite
differences, and a fit with them in the model.
(The transforms against tf.keras: conformance/test_augmentation.py.)"""
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from kerasmini import layers
from kerasmini.layers.layer import Layer
from kerasmini.layers.preprocessing.random_rotation import rotation_matrix
from kerasmini.ops import image_transform
from tests.gradcheck import assert_gradients_close, layer_gradients
from tests.helpers import random_input

X = random_input((2, 3, 4, 5), seed=11)
IMAGES = random_input((3, 5, 6, 2), seed=12) * 100 + 100

AUGMENTATIONS = [
    ("flip", layers.RandomFlip, ("horizontal",)), ("rotation", layers.RandomRotation, (0.1,)),
    ("zoom", layers.RandomZoom, (0.2,)), ("translation", layers.RandomTranslation, (0.1, 0.2)),
    ("contrast", layers.RandomContrast, (0.3,)), ("brightness", layers.RandomBrightness, (0.2,)),
]


class AugmentationLayersTest(unittest.TestCase):
    @parameterized.expand(AUGMENTATIONS)
    def test_identity_at_inference_random_in_training(self, name, cls, args):
        layer = cls(*args, seed=3)
        np.testing.assert_array_equal(layer(X, training=False), X.astype("float32"))
        first, second = layer(IMAGES), layer(IMAGES, training=True)  # default: training
        self.assertEqual((first.shape, first.dtype), (IMAGES.shape, np.dtype("float32")))
        self.assertFalse(np.array_equal(first, second), "two calls drew the same")
        self.assertEqual(layer(IMAGES[0]).shape, IMAGES.shape[1:])  # one image
        again = cls.from_config(layer.get_config())
        self.assertEqual(again.get_config(), layer.get_config())
        np.testing.assert_array_equal(cls(*args, seed=3)(IMAGES), first)  # seeded

    @parameterized.expand(AUGMENTATIONS)
    def test_seed_argument_repeats_the_draw(self, name, cls, args):
        layer = cls(*args)
        a = layer.get_random_transformation(IMAGES, seed=5)
        b = layer.get_random_transformation(IMAGES, seed=5)
        for key in a:
            np.testing.assert_array_equal(a[key], b[key], key)
        one = layer.get_random_transformation(IMAGES[:1], seed=6)  # one image, unbatched
        np.testing.assert_array_equal(layer.transform_images(IMAGES[0], one),
                                      layer.transform_images(IMAGES[:1], one)[0])

    def test_predict_of_a_model_with_augmentation(self):
        x = kerasmini.Input((3, 4, 5))
        model = kerasmini.Model(x, layers.RandomFlip()(x))
        np.testing.assert_array_equal(model.predict(X, verbose=0), X.astype("float32"))

    def test_bad_arguments(self):
        with self.assertRaisesRegex(ValueError, "mode"):
            layers.RandomFlip("diagonal")
        with self.assertRaisesRegex(NotImplementedError, "fill_mode"):
            layers.RandomRotation(0.1, fill_mode="mirror")
        with self.assertRaisesRegex(ValueError, "factor=1.5"):
            layers.RandomRotation(1.5)
        with self.assertRaisesRegex(ValueError, "input_number=-1"):
            layers.RandomZoom(-1.0)  # zoom's range excludes -1 (a zero-size image)
        with self.assertRaisesRegex(ValueError, "value_range=3"):
            layers.RandomBrightness(0.1, value_range=3)
        with self.assertRaisesRegex(ValueError, "data.shape"):
            layers.RandomFlip()(np.ones((2, 3)))


class DrawsTest(unittest.TestCase):
    """Each parameter uniform over Keras's range, one draw per image."""
    BATCH = np.zeros((4000, 2, 3, 1))

    def assert_uniform(self, values, low, high):
        values = np.ravel(values)
        self.assertEqual(values.size, len(self.BATCH))
        self.assertTrue(np.all((values >= low) & (values <= high)), (values.min(), values.max()))
        span = high - low  # 4000 uniform draws: within 1% of each end, mean within 3%
        self.assertLess(values.min() - low, 0.01 * span)
        self.assertLess(high - values.max(), 0.01 * span)
        self.assertLess(abs(values.mean() - (low + high) / 2), 0.03 * span)

    def test_flip_half_of_the_images(self):
        flips = layers.RandomFlip(seed=1).get_random_transformation(self.BATCH)["flips"]
        self.assertEqual(flips.shape, (4000, 1, 1, 1))
        self.assertLess(abs(flips.mean() - 0.5), 0.03)

    def test_rotation_degrees(self):
        t = layers.RandomRotation((-0.1, 0.25), seed=1).get_random_transformation(self.BATCH)
        self.assert_uniform(t["angle"], -36, 90)
        self.assertEqual(t["rotation_matrix"].shape, (4000, 8))

    def test_translation_pixels(self):
        t = layers.RandomTranslation(0.5, (-0.2, 0.1), seed=1).get_random_transformation(
            self.BATCH)
        self.assert_uniform(t["translations"][:, 0], -0.2 * 3, 0.1 * 3)  # columns
        self.assert_uniform(t["translations"][:, 1], -0.5 * 2, 0.5 * 2)  # rows

    def test_zoom_factors_and_aspect_ratio(self):
        t = layers.RandomZoom((-0.3, 0.5), (0.1, 0.2), seed=1).get_random_transformation(
            self.BATCH)
        self.assert_uniform(t["height_zoom"], 0.7, 1.5)
        self.assert_uniform(t["width_zoom"], 1.1, 1.2)
        t = layers.RandomZoom(0.4, seed=1).get_random_transformation(self.BATCH)
        np.testing.assert_array_equal(t["width_zoom"], t["height_zoom"])

    def test_brightness_and_contrast(self):
        t = layers.RandomBrightness((-0.1, 0.3), value_range=(0, 2), seed=1)
        self.assert_uniform(t.get_random_transformation(self.BATCH)["rgb_delta"], -0.2, 0.6)
        # Keras 3.15: a number f means the pair (0, f), so the contrast only rises
        contrast = layers.RandomContrast(0.4, seed=1)
        self.assertEqual(contrast.factor, (0, 0.4))
        self.assert_uniform(contrast.get_random_transformation(self.BATCH)["contrast_factor"],
                            1.0, 1.4)
        contrast = layers.RandomContrast((0.2, 0.3), seed=1)
        self.assert_uniform(contrast.get_random_transformation(self.BATCH)["contrast_factor"],
                            0.8, 1.3)


def shift_with_fill(x, dy, dx, fill):
    """x (N, H, W, C) moved dy rows down and dx columns right, `fill` where uncovered."""
    out = np.full_like(x, fill)
    h, w = x.shape[1:3]
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        x[:, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def translation(shift):
    return np.array([1, 0, -shift[1], 0, 1, -shift[0], 0, 0], float)


def fold_coordinate(c, n, mode):
    """One input coordinate brought into the image by `fill_mode`, the rules written as
    the tiling they describe: 'reflect' mirrors about -0.5 and n - 0.5, 'wrap' repeats
    with period n; then clamped to [0, n - 1] as TensorFlow clamps every mode."""
    if mode == "constant":
        return c
    if mode == "reflect" and n > 1:
        c = (c + 0.5) % (2 * n)
        c = (2 * n - c if c >= n else c) - 0.5
    elif mode == "wrap" and n > 1:
        c = c % n
    return min(max(c, 0), n - 1)


def transform_reference(x, transform, interpolation, mode, fill):
    """affine_transform one output pixel at a time (float64)."""
    n, h, w, _ = x.shape
    out = np.empty(x.shape)
    for b, i, j in np.ndindex(n, h, w):
        a0, a1, a2, b0, b1, b2, c0, c1 = transform[b]
        k = c0 * j + c1 * i + 1
        row = fold_coordinate((b0 * j + b1 * i + b2) / k, h, mode)
        col = fold_coordinate((a0 * j + a1 * i + a2) / k, w, mode)
        if interpolation == "nearest":  # half away from zero, as std::round
            points = [(1.0, np.sign(row) * np.floor(abs(row) + 0.5),
                       np.sign(col) * np.floor(abs(col) + 0.5))]
        else:
            r, c = np.floor(row), np.floor(col)
            dr, dc = row - r, col - c
            points = [((1 - dr) * (1 - dc), r, c), ((1 - dr) * dc, r, c + 1),
                      (dr * (1 - dc), r + 1, c), (dr * dc, r + 1, c + 1)]
        out[b, i, j] = sum(weight * (x[b, int(r), int(c)] if 0 <= r <= h - 1 and
                                     0 <= c <= w - 1 else fill)
                           for weight, r, c in points)
    return out


class AffineTransformTest(unittest.TestCase):
    """Whole-pixel shifts have exact answers in every fill mode."""
    x = random_input((2, 5, 6, 3), seed=4)

    @parameterized.expand([("nearest",), ("bilinear",)])
    def test_whole_pixel_shifts(self, interpolation):
        for shift in [(0, 0), (2, -1), (-3, 4), (7, -9)]:
            h, w = self.x.shape[1:3]
            pad = ((0, 0), (2 * h, 2 * h), (2 * w, 2 * w), (0, 0))
            window = (slice(None), slice(2 * h - shift[0], 3 * h - shift[0]),
                      slice(2 * w - shift[1], 3 * w - shift[1]))
            expected = {"constant": shift_with_fill(self.x, *shift, 0.5)
                        if max(abs(shift[0]) - h, abs(shift[1]) - w) < 0 else
                        np.full_like(self.x, 0.5),
                        "wrap": np.roll(self.x, shift, axis=(1, 2)),
                        "reflect": np.pad(self.x, pad, mode="symmetric")[window],
                        "nearest": np.pad(self.x, pad, mode="edge")[window]}
            for mode, want in expected.items():
                got = image_transform.affine_transform(self.x, translation(shift),
                                                       interpolation, mode, 0.5)
                np.testing.assert_allclose(got, want, rtol=0, atol=1e-12,
                                           err_msg=f"{mode} {shift}")

    @parameterized.expand([(m, i) for m in image_transform.FILL_MODES
                           for i in image_transform.INTERPOLATIONS])
    def test_fractional_transforms_against_a_pixel_loop(self, mode, interpolation):
        # shifts by fractions of a pixel land between the last pixel and the next period
        # or mirror image; the random projective transforms reach every fold
        shifts = [translation(s) for s in [(0.5, -0.5), (-2.3, 3.7), (4.6, -5.4), (9.2, 13.1)]]
        rng = np.random.default_rng(5)
        warps = rng.normal(size=(4, 8)) * [1, 1, 4, 1, 1, 4, .02, .02] + [1, 0, 0, 0, 1, 0, 0, 0]
        x = self.x.copy()
        x[1, 0, -1] = np.inf  # a tap outside reads fill_value, not this corner (0 * inf)
        for transform in [shifts[:2], shifts[2:], warps[:2], warps[2:]]:  # 2 images each
            got = image_transform.affine_transform(x, transform, interpolation, mode, 0.5)
            want = transform_reference(x, np.asarray(transform), interpolation, mode, 0.5)
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, err_msg=mode)

    def test_half_pixel_bilinear_is_the_mean_of_neighbours(self):
        got = image_transform.affine_transform(self.x, translation((0, 0.5)), "bilinear",
                                               "nearest")
        want = self.x.copy()
        want[:, :, 1:] = (self.x[:, :, 1:] + self.x[:, :, :-1]) / 2
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)

    def test_rotation_by_a_half_turn_flips_both_ways(self):
        layer = layers.RandomRotation(0.5, dtype="float64")
        t = {"rotation_matrix": rotation_matrix(np.array([180.0, -180.0]),
                                                                     5, 6)}
        np.testing.assert_allclose(layer.transform_images(self.x, t), self.x[:, ::-1, ::-1],
                                   rtol=0, atol=1e-12)

    def test_chunks_of_images_give_the_same_result(self):
        transform = np.random.default_rng(0).normal(size=(2, 8)) * [1, 1, 3, 1, 1, 3, .01, .01]
        whole = image_transform.affine_transform(self.x, transform, "bilinear", "reflect")
        saved = image_transform.WORKSPACE_BYTES
        image_transform.WORKSPACE_BYTES = 1  # one image per chunk
        try:
            chunked = image_transform.affine_transform(self.x, transform, "bilinear", "reflect")
        finally:
            image_transform.WORKSPACE_BYTES = saved
        np.testing.assert_array_equal(chunked, whole)

    def test_channels_first_and_integers(self):
        t = translation((1, 2))
        last = image_transform.affine_transform(self.x, t, "bilinear", "wrap")
        first = image_transform.affine_transform(np.moveaxis(self.x, 3, 1), t, "bilinear",
                                                 "wrap", data_format="channels_first")
        np.testing.assert_array_equal(np.moveaxis(first, 1, 3), last)
        ints = image_transform.affine_transform(np.arange(12).reshape(1, 3, 4, 1), t)
        self.assertEqual(ints.dtype, np.float32)


class ColourAndFlipTest(unittest.TestCase):
    def test_flip_each_image_or_not(self):
        for mode, axes in [("horizontal", (2,)), ("vertical", (1,)),
                           ("horizontal_and_vertical", (1, 2))]:
            layer = layers.RandomFlip(mode, dtype="float64")
            t = {"flips": np.array([True, False, True]).reshape(3, 1, 1, 1)}
            out = layer.transform_images(IMAGES, t)
            for i, flipped in enumerate([True, False, True]):
                want = np.flip(IMAGES[i], [a - 1 for a in axes]) if flipped else IMAGES[i]
                np.testing.assert_array_equal(out[i], want, mode)

    def test_brightness_and_contrast_against_loops(self):
        delta = np.array([-50.0, 10.0, 120.0]).reshape(3, 1, 1, 1)
        out = layers.RandomBrightness(0.5, dtype="float64").transform_images(
            IMAGES, {"rgb_delta": delta})
        factor = np.array([0.5, 1.0, 1.7]).reshape(3, 1, 1, 1)
        con = layers.RandomContrast(0.9, dtype="float64").transform_images(
            IMAGES, {"contrast_factor": factor})
        for i in range(3):
            for c in range(2):
                plane = IMAGES[i, :, :, c]
                np.testing.assert_allclose(out[i, :, :, c],
                                           np.clip(plane + delta[i, 0, 0, 0], 0, 255))
                mean = sum(plane.ravel()) / plane.size
                np.testing.assert_allclose(
                    con[i, :, :, c], np.clip((plane - mean) * factor[i, 0, 0, 0] + mean, 0, 255))


class Fixed(Layer):
    """An augmentation layer applied with one fixed transformation (for finite
    differences, which call it many times)."""

    def __init__(self, augmentation, transformation):
        super().__init__(dtype="float64")
        self.augmentation, self.transformation = augmentation, transformation

    def call(self, inputs):
        return self.augmentation.transform_images(inputs, self.transformation)


class GradientsTest(unittest.TestCase):
    x = random_input((3, 4, 5, 2), seed=7) + 1.0

    def test_flip_brightness_contrast_gradients(self):
        flips = {"flips": np.array([True, False, True]).reshape(3, 1, 1, 1)}
        for layer, t in [(layers.RandomFlip(dtype="float64"), flips),
                         (layers.RandomBrightness(0.5, value_range=(0, 2), dtype="float64"),
                          {"rgb_delta": np.array([0.3, -0.2, 0.1]).reshape(3, 1, 1, 1)}),
                         (layers.RandomContrast(0.5, value_range=(-9, 9), dtype="float64"),
                          {"contrast_factor": np.array([0.6, 1.2, 1.5]).reshape(3, 1, 1, 1)})]:
            assert_gradients_close(layer_gradients(Fixed(layer, t), self.x), layer.name)

    @parameterized.expand([(f, i) for f in image_transform.FILL_MODES
                           for i in image_transform.INTERPOLATIONS])
    def test_geometric_gradients(self, fill_mode, interpolation):
        """Rotation, zoom and shift by one transform each, every fill mode; odd, generic
        parameters so no tap sits on a pixel boundary (where the derivative jumps)."""
        args = dict(fill_mode=fill_mode, interpolation=interpolation, fill_value=0.3,
                    dtype="float64")
        t = {"rotation_matrix": rotation_matrix(np.array([17.3, -151.1, 93.7]), 4, 5)}
        zoom = {"height_zoom": np.array([[0.63], [1.41], [1.07]]),
                "width_zoom": np.array([[1.29], [0.77], [1.83]])}
        shift = {"translations": np.array([[1.37, -0.61], [-4.23, 2.71], [6.19, -5.33]])}
        for layer, transformation in [(layers.RandomRotation(0.5, **args), t),
                                      (layers.RandomZoom(0.5, **args), zoom),
                                      (layers.RandomTranslation(0.5, 0.5, **args), shift)]:
            assert_gradients_close(layer_gradients(Fixed(layer, transformation), self.x),
                                   f"{layer.name} {fill_mode} {interpolation}")

    def test_gradient_in_chunks_of_images(self):
        from kerasmini.ops.image_transform_vjp import affine_transform_vjp
        transform = np.random.default_rng(1).normal(size=(3, 8)) * [1, 1, 3, 1, 1, 3, 0, 0]
        g = random_input(self.x.shape, seed=2)
        whole = affine_transform_vjp(g, None, self.x, transform, "bilinear", "reflect")
        saved = image_transform.WORKSPACE_BYTES
        image_transform.WORKSPACE_BYTES = 1  # one image per chunk
        try:
            chunked = affine_transform_vjp(g, None, self.x, transform, "bilinear", "reflect")
        finally:
            image_transform.WORKSPACE_BYTES = saved
        np.testing.assert_array_equal(chunked, whole)


class FitTest(unittest.TestCase):
    def test_fit_with_augmentation_in_the_model(self):
        """keras.io's image_classification_from_scratch, smaller: flip and rotation
        inside the model, trained by fit."""
        inputs = kerasmini.Input((12, 12, 3))
        x = kerasmini.Sequential([layers.RandomFlip("horizontal", seed=1),
                                  layers.RandomRotation(0.1, seed=2)])(inputs)
        x = layers.Rescaling(1.0 / 255)(x)
        x = layers.Conv2D(4, 3, activation="relu")(x)
        x = layers.GlobalAveragePooling2D()(x)
        model = kerasmini.Model(inputs, layers.Dense(1)(x))
        model.compile(optimizer="adam", loss=kerasmini.losses.BinaryCrossentropy(
            from_logits=True))
        rng = np.random.default_rng(0)
        images = rng.uniform(0, 255, (8, 12, 12, 3)).astype("float32")
        labels = rng.integers(0, 2, (8, 1)).astype("float32")
        before = [w.copy() for w in model.get_weights()]
        history = model.fit(images, labels, epochs=2, batch_size=4, verbose=0)
        self.assertTrue(np.all(np.isfinite(history.history["loss"])))
        for old, new in zip(before, model.get_weights()):
            self.assertFalse(np.array_equal(old, new))


class RandomCropTest(unittest.TestCase):
    x = random_input((3, 6, 7, 2), seed=9)

    def test_training_window_is_a_slice_at_every_position(self):
        layer = layers.RandomCrop(4, 3, dtype="float64", seed=2)
        corners = [layer.get_random_transformation(self.x) for _ in range(3000)]
        counts = np.zeros((3, 5))
        for top, left in corners:
            counts[top, left] += 1
        self.assertTrue(np.all(counts > 0.7 * 200), counts)  # 15 positions, 200 each
        top, left = corners[0]
        np.testing.assert_array_equal(layer.transform_images(self.x, (top, left)),
                                      self.x[:, top:top + 4, left:left + 3])
        out = layer(self.x)  # one window for the whole batch
        self.assertEqual(out.shape, (3, 4, 3, 2))
        self.assertTrue(any(np.array_equal(out, self.x[:, t:t + 4, c:c + 3])
                            for t in range(3) for c in range(5)))
        first = layers.RandomCrop(4, 3, dtype="float64", data_format="channels_first")
        np.testing.assert_array_equal(
            first.transform_images(np.moveaxis(self.x, 3, 1), (1, 2)),
            np.moveaxis(self.x[:, 1:5, 2:5], 3, 1))

    def test_inference_and_small_images_resize_the_centred_window(self):
        layer = layers.RandomCrop(3, 3, dtype="float64")
        x = self.x[:, :6, :6]  # exactly twice the target: each output is a 2x2 mean
        means = (x[:, 0::2, 0::2] + x[:, 1::2, 0::2] + x[:, 0::2, 1::2] + x[:, 1::2, 1::2]) / 4
        np.testing.assert_allclose(layer(x, training=False), means, rtol=0, atol=1e-12)
        wide = np.concatenate([self.x[:, :6, :1], x, self.x[:, :6, :1]], axis=2)
        np.testing.assert_allclose(layer(wide, training=False), means, rtol=0, atol=1e-12)
        small = layers.RandomCrop(12, 12, dtype="float64")  # training, image too small
        np.testing.assert_array_equal(small(x), small(x, training=False))
        self.assertEqual(small(x).shape, (3, 12, 12, 2))
        self.assertEqual(layer(x[0], training=False).shape, (3, 3, 2))

    def test_config_keeps_a_seed_and_bad_sizes_raise(self):
        layer = layers.RandomCrop(2, 2)
        self.assertIsInstance(layer.get_config()["seed"], int)
        again = layers.RandomCrop.from_config(layer.get_config())
        self.assertEqual(again.get_config(), layer.get_config())
        np.testing.assert_array_equal(again(self.x), layers.RandomCrop(2, 2,
                                                                       seed=layer.seed)(self.x))
        with self.assertRaisesRegex(ValueError, "width"):
            layers.RandomCrop(2, 0)

    def test_gradient_through_the_window(self):
        layer = layers.RandomCrop(4, 3, dtype="float64")
        assert_gradients_close(layer_gradients(Fixed(layer, (1, 2)), self.x), "crop")
