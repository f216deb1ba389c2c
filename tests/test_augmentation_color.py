"""The augmentation layers added after the first six: every one's config, inference and
refusals; the color ones' training draws (ranges, per image, seeding) and transforms
against small loops and exact properties; Pipeline's order; files through kerasmini.
(Against tf.keras: conformance/test_augmentation.py and test_augmentation_layers.py.)"""
import colorsys
import os
import tempfile

import numpy as np
import pytest

import kerasmini
from kerasmini import layers

RGB = np.random.default_rng(3).uniform(0, 250, (3, 5, 6, 3)).astype("float32")
TRAINED = [  # the layers with a training transform, and arguments that change images
    ("AutoContrast", dict()), ("Equalization", dict(bins=32)),
    ("Solarization", dict(addition_factor=0.2, threshold_factor=0.8)),
    ("RandomInvert", dict(factor=0.8)), ("RandomGrayscale", dict(factor=0.8)),
    ("RandomPosterization", dict(factor=(1, 6))), ("RandomColorDegeneration", dict(factor=0.9)),
    ("RandomSharpness", dict(factor=(0.0, 1.0))), ("RandomHue", dict(factor=0.3)),
    ("RandomSaturation", dict(factor=0.3)), ("MixUp", dict()),
    ("RandomColorJitter", dict(brightness_factor=0.2, hue_factor=0.3)),
    ("RandomShear", dict(x_factor=0.2)), ("RandomGaussianBlur", dict()),
    ("RandomErasing", dict(factor=(1.0, 1.0), scale=(0.3, 0.5))),
    ("RandomGaussianBlur", dict(kernel_size=(3, 5))),
    ("RandomPerspective", dict()),
    ("RandomElasticTransform", dict()), ("RandAugment", dict()), ("AugMix", dict()),
    ("CutMix", dict())]


def make(name, args, **more):
    return getattr(layers, name)(**args, **more)


@pytest.mark.parametrize("name, args", TRAINED)
def test_config_round_trip_and_inference(name, args):
    layer = make(name, args, seed=4) if name not in ("AutoContrast", "Equalization") \
        else make(name, args)
    again = type(layer).from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    out = layer(RGB, training=False)
    if name == "AutoContrast":  # transforms at inference too, as in Keras
        assert not np.allclose(out, RGB)
    else:
        np.testing.assert_array_equal(out, RGB)


@pytest.mark.parametrize("name, args", TRAINED)
def test_training_draws_per_image_seeded_and_shaped(name, args):
    seeded = {} if name in ("AutoContrast", "Equalization") else dict(seed=7)
    layer = make(name, args, **seeded)
    first = layer(RGB)  # training is the default when called directly
    assert (first.shape, first.dtype) == (RGB.shape, np.dtype("float32"))
    assert not np.allclose(first, RGB)
    np.testing.assert_array_equal(make(name, args, **seeded)(RGB), first)
    assert layer(RGB[0]).shape == RGB.shape[1:]  # one image
    t = layer.get_random_transformation(RGB[:1], seed=9)
    np.testing.assert_array_equal(layer.transform_images(RGB[0], t),
                                  layer.transform_images(RGB[:1], t)[0])


def test_identity_at_the_neutral_factors():
    whole = np.floor(RGB)  # posterization keeps whole 8-bit values at 8 bits
    cases = [layers.RandomInvert(0.0), layers.RandomGrayscale(0.0),
             layers.RandomColorDegeneration((0.0, 0.0)), layers.RandomSharpness((0.5, 0.5)),
             layers.RandomPosterization((8, 8))]
    for layer in cases:
        np.testing.assert_allclose(layer(whole), whole, rtol=1e-6, err_msg=layer.name)
    np.testing.assert_array_equal(layers.RandomShear(0.0, 0.0)(whole), whole)
    np.testing.assert_allclose(layers.RandomHue((0.0, 0.0))(whole), whole, rtol=1e-5,
                               atol=255 * 4e-7)
    np.testing.assert_allclose(layers.RandomSaturation((0.5, 0.5))(whole), whole, rtol=1e-5,
                               atol=255 * 4e-7)  # float32 roundoff at pixel scale 255
    # Keras's threshold draw is uniform in [threshold_factor[0], 255 threshold_factor[1]]
    # (the low end unscaled): (1, 1) draws in [1, 255], above every pixel below 1
    dim = whole / 255
    np.testing.assert_array_equal(layers.Solarization(threshold_factor=(1.0, 1.0))(dim), dim)


BATCH = np.zeros((4000, 1, 1, 3), "float32")


def assert_uniform(values, low, high):
    values = np.ravel(values)
    assert values.size == len(BATCH)
    assert values.min() >= low and values.max() <= high
    span = high - low
    assert values.min() - low < 0.01 * span and high - values.max() < 0.01 * span
    assert abs(values.mean() - (low + high) / 2) < 0.03 * span


def test_draws_cover_keras_ranges():
    t = layers.Solarization((0.1, 0.4), 0.5, seed=1).get_random_transformation(BATCH)
    assert_uniform(t["additions"], 0.1, 0.4 * 255)  # Keras: the low end stays unscaled
    assert_uniform(t["thresholds"], 0.0, 0.5 * 255)
    assert_uniform(layers.RandomColorDegeneration((-0.2, 0.6), seed=1)
                   .get_random_transformation(BATCH)["factor"], -0.2, 0.6)
    assert_uniform(layers.RandomSharpness(0.7, seed=1)
                   .get_random_transformation(BATCH)["factor"], 0.0, 0.7)
    inverted = layers.RandomInvert((0.2, 0.6), seed=1).get_random_transformation(BATCH)
    assert abs(inverted["apply_inversion"].mean() - 0.4) < 0.03  # p uniform in factor
    gray = layers.RandomGrayscale(0.3, seed=1).get_random_transformation(BATCH)
    assert abs(gray.mean() - 0.3) < 0.03
    shifts = layers.RandomPosterization((2, 6), seed=1).get_random_transformation(BATCH)
    assert set(np.unique(shifts["shift_factor"])) == {3, 4, 5, 6}  # bits 2..5: randint
    assert layers.RandomPosterization(5).factor == (1, 5)


def test_transforms_against_loops():
    x = RGB.astype("float64")
    layer = layers.RandomSharpness(0.3, dtype="float64")
    t = {"factor": np.array([0.0, 0.25, 1.0])}
    want = np.empty_like(x)
    for i, r, c in np.ndindex(*x.shape[:3]):
        near = sum(x[i, rr, cc] for rr in range(r - 1, r + 2) for cc in range(c - 1, c + 2)
                   if 0 <= rr < 5 and 0 <= cc < 6)
        smooth = (near + 4 * x[i, r, c]) / 13
        want[i, r, c] = np.clip(x[i, r, c] + (1 - 2 * t["factor"][i]) * (smooth - x[i, r, c]),
                                0, 255)
    np.testing.assert_allclose(layer.transform_images(x, t), want, rtol=1e-12)

    t = {"additions": np.array([0.0, 30.0, 10.0]).reshape(3, 1, 1, 1),
         "thresholds": np.array([128.0, 200.0, 0.0]).reshape(3, 1, 1, 1)}
    got = layers.Solarization(dtype="float64").transform_images(x, t)
    for i, r, c, k in np.ndindex(*x.shape):
        q = min(x[i, r, c, k] + t["additions"][i, 0, 0, 0], 255.0)
        assert got[i, r, c, k] == (q if q < t["thresholds"][i, 0, 0, 0] else 255 - q)

    gray = layers.RandomGrayscale(dtype="float64").transform_images(
        x, np.array([True, False, True]))
    luma = x @ np.array([0.2989, 0.5870, 0.1140])
    np.testing.assert_allclose(gray[[0, 2]], np.repeat(luma[[0, 2], ..., None], 3, -1),
                               rtol=1e-12)
    np.testing.assert_array_equal(gray[1], x[1])

    posterized = layers.RandomPosterization(3, dtype="float64").transform_images(
        x, {"shift_factor": np.array([5, 6, 7], np.uint8)})
    for i in range(3):  # the top 3, 2, 1 bits of the integer part
        np.testing.assert_array_equal(posterized[i], np.floor(x[i]) // 2 ** (5 + i)
                                      * 2 ** (5 + i))


def test_saturation_and_hue_against_colorsys():
    """Python's colorsys is the reference HSV: saturation times the factor; hue moved."""
    x = RGB.astype("float64") / 255
    t = {"factor": np.array([0.0, 0.7, 1.6])}
    got = layers.RandomSaturation(0.5, value_range=(0, 1), dtype="float64").transform_images(x, t)
    turned = layers.RandomHue(0.5, value_range=(0, 1), dtype="float64").transform_images(
        x, {"factor": np.array([0.0, 0.2, -0.45])})
    for i, r, c in np.ndindex(*x.shape[:3]):
        h, s, v = colorsys.rgb_to_hsv(*x[i, r, c])
        want = colorsys.hsv_to_rgb(h, min(s * t["factor"][i], 1.0), v)
        np.testing.assert_allclose(got[i, r, c], want, rtol=1e-12, atol=1e-15)
        h = (h + [0.0, 0.2, -0.45][i]) % 1.0
        np.testing.assert_allclose(turned[i, r, c], colorsys.hsv_to_rgb(h, s, v), rtol=1e-12,
                                   atol=1e-15)


def test_shear_and_mix_up_against_loops():
    x = RGB.astype("float64")
    t = {"shear_factor": np.array([[1.0, 0.0], [0.0, -1.0], [0.0, 0.0]])}
    got = layers.RandomShear(fill_mode="constant", fill_value=-1.0, interpolation="nearest",
                             dtype="float64").transform_images(x, t)
    for i, r, c in np.ndindex(*x.shape[:3]):
        (sx, sy), (h, w) = t["shear_factor"][i], x.shape[1:3]
        col, row = int(c + sx * r), int(sy * c + r)  # whole-pixel shears: exact
        want = x[i, row, col] if 0 <= row < h and 0 <= col < w else -1.0
        np.testing.assert_array_equal(got[i, r, c], want)
    blur = layers.RandomGaussianBlur(kernel_size=3, dtype="float64").transform_images(
        x, {"should_apply_blur": np.array([True, False, True]),
            "blur_factor": np.array([0.7, 0.4])})
    taps = [np.exp(-0.5 * ((np.arange(3) - 1) / s) ** 2) for s in (0.7, 0.4)]
    kernel = np.outer(taps[1], taps[0]) / np.outer(taps[1], taps[0]).sum()
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    for i, r, c in np.ndindex(*x.shape[:3]):
        want = np.tensordot(kernel, padded[i, r:r + 3, c:c + 3], axes=2) if i != 1 \
            else x[i, r, c]
        np.testing.assert_allclose(blur[i, r, c], want, rtol=1e-12)
    t = {"mix_weight": np.array([0.25, 1.0, 0.5]), "permutation_order": np.array([2, 0, 1])}
    mixed = layers.MixUp(dtype="float64").transform_images(x, t)
    for i, w in enumerate(t["mix_weight"]):
        np.testing.assert_allclose(mixed[i], w * x[i] + (1 - w) * x[[2, 0, 1][i]], rtol=1e-12)
    weights = layers.MixUp(alpha=0.5, seed=1).get_random_transformation(BATCH)["mix_weight"]
    assert abs(weights.mean() - 0.5) < 0.02 and abs(weights.var() - 1 / 8) < 0.01  # Beta


def test_auto_contrast_stretches_each_plane_and_keeps_constant_ones():
    x = RGB.copy()
    x[1, :, :, 2] = 7.0  # nothing to stretch
    out = layers.AutoContrast(value_range=(0, 255))(x, training=False)
    assert np.allclose(out.min(axis=(1, 2))[[0, 2]], 0) and np.allclose(
        out.max(axis=(1, 2))[[0, 2]], 255, rtol=1e-6)
    np.testing.assert_array_equal(out[1, :, :, 2], 7.0)
    lo, hi = x[0].min(axis=(0, 1)), x[0].max(axis=(0, 1))
    np.testing.assert_allclose(out[0], (x[0] - lo) / (hi - lo) * 255, rtol=1e-5, atol=1e-4)


def test_equalization_flattens_the_histogram():
    """A channel of 256 distinct levels crowded at the low end comes out spread over
    [0, 255]: its lookup table is the cumulative count, so ranks become levels."""
    values = np.sort(np.random.default_rng(2).choice(64, 64, replace=False)).astype("float32")
    x = np.broadcast_to(values.reshape(1, 8, 8, 1), (1, 8, 8, 3)).copy()
    out = layers.Equalization()(x)
    ranks = np.arange(64)
    np.testing.assert_array_equal(out[0, :, :, 0].ravel(), np.round(ranks * 255 / 63))
    flat = np.full((1, 2, 2, 3), 9.0, "float32")  # a single bin: unchanged
    np.testing.assert_array_equal(layers.Equalization()(flat), flat)


def test_pipeline_applies_its_layers_in_order_and_saves():
    double_then_shift = layers.Pipeline([layers.Rescaling(2.0), layers.Rescaling(1.0, 1.0)])
    shift_then_double = layers.Pipeline([layers.Rescaling(1.0, 1.0), layers.Rescaling(2.0)])
    np.testing.assert_allclose(double_then_shift(RGB), 2 * RGB + 1, rtol=1e-6)
    np.testing.assert_allclose(shift_then_double(RGB), 2 * (RGB + 1), rtol=1e-6)
    inputs = kerasmini.Input((5, 6, 3))
    steps = [layers.AutoContrast(), layers.RandomGrayscale(), layers.MaxNumBoundingBoxes(4)]
    model = kerasmini.Model(inputs, layers.Pipeline(steps, name="augment")(inputs))
    with tempfile.TemporaryDirectory() as folder:
        model.save(os.path.join(folder, "m.keras"))
        loaded = kerasmini.models.load_model(os.path.join(folder, "m.keras"))
    np.testing.assert_array_equal(loaded.predict(RGB, verbose=0), model.predict(RGB, verbose=0))
    assert [type(s).__name__ for s in loaded.get_layer("augment").layers] == [
        "AutoContrast", "RandomGrayscale", "MaxNumBoundingBoxes"]


@pytest.mark.parametrize("make_bad, error, named", [
    (lambda: layers.AutoContrast(value_range=(1,)), ValueError, "value_range"),
    (lambda: layers.Solarization(addition_factor=(0.1, 2)), ValueError, "input_number=2"),
    (lambda: layers.RandomGrayscale(factor=-0.1), ValueError, "factor=-0.1"),
    (lambda: layers.RandomGrayscale(factor="a"), TypeError, "factor=a"),
    (lambda: layers.RandomPosterization(factor=0), ValueError, "factor=0"),
    (lambda: layers.RandomShear(y_factor=(0.1, 0.2, 0.3)), ValueError, "y_factor"),
    (lambda: layers.RandomGaussianBlur(kernel_size=(3, 4)), ValueError, "kernel_size"),
    (lambda: layers.RandomErasing(scale=2), ValueError, "scale=2"),
    (lambda: layers.RandomElasticTransform(interpolation="cubic"), NotImplementedError,
     "interpolation"),
    (lambda: layers.RandomColorJitter(hue_factor=2), ValueError, "factor=2"),
    (lambda: layers.MaxNumBoundingBoxes(2)({"images": RGB}), ValueError, "numeric input"),
    (lambda: layers.Pipeline.from_config({"layers": 3}), ValueError, "layers=3")])
def test_bad_arguments_name_the_value(make_bad, error, named):
    with pytest.raises(error, match=named):
        make_bad()


def test_random_shear_reads_keras_stored_number_back():
    config = layers.RandomShear(x_factor=0.3).get_config()
    assert config["x_factor"] == (-0.3, 0.3)
    assert layers.RandomShear.from_config(config).x_factor == (-0.3, 0.3)
