"""The training transforms of RandomErasing, CutMix, RandomPerspective,
RandomElasticTransform, RandAugment, AugMix and a two-size RandomGaussianBlur.

Deterministic half: tf.keras draws the transformation (its own
`get_random_transformation`), the very same parameters go, as NumPy, to kerasmini's
`transform_images` and, as tensors, to tf.keras's; the float64 loop references of
reference_augmentation.py decide (RandomElasticTransform: tf.keras's random field is
swapped in for kerasmini's draw and the outputs compared with tf.keras's).
Random half: kerasmini's draws and tf.keras's, many of each, have the same means where
Keras's formulas fix them. And a tf.keras model holding each layer, saved, loads and
trains in kerasmini for 2 epochs. (kerasmini's draws alone, and loops:
tests/test_augmentation_training.py.)"""
import os
import random
import tempfile
import unittest
from unittest import mock

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance import harness
from conformance.reference_augmentation import REFERENCES, mixed_labels
from conformance.test_augmentation import case_name
from kerasmini.layers.preprocessing.random_rotation import rotation_matrix
from kerasmini.ops import image_elastic

tf, keras = harness.tf, harness.keras

CASES = [
    ("RandomErasing", dict(factor=(0.7, 1.0), scale=(0.1, 0.5))),
    ("RandomErasing", dict(scale=(0.2, 0.3), fill_value=(10.0, 20.0, 30.0),
                           value_range=(0, 25))),
    ("RandomErasing", dict(factor=1.0, value_range=(-1, 1), data_format="channels_first")),
    ("CutMix", dict(factor=(0.5, 1.0))), ("CutMix", dict(data_format="channels_first")),
    ("RandomPerspective", dict(factor=(0.6, 1.0), scale=0.8, fill_value=3.0)),
    ("RandomPerspective", dict(scale=0.5, interpolation="nearest",
                               data_format="channels_first")),
    ("RandomGaussianBlur", dict(factor=(0.6, 1.0), kernel_size=(3, 5), sigma=(0.4, 1.0))),
    ("RandomGaussianBlur", dict(kernel_size=(5, 1), sigma=(0.5, 1.0), value_range=(0, 1),
                                data_format="channels_first")),
    ("RandAugment", dict(num_ops=3, factor=0.5)),
    ("RandAugment", dict(num_ops=4, factor=(0.2, 0.9), value_range=(0, 1),
                         interpolation="nearest", data_format="channels_first")),
    ("AugMix", dict(num_chains=3, chain_depth=3, factor=0.4)),
    ("AugMix", dict(num_chains=2, chain_depth=2, alpha=0.5, all_ops=False,
                    value_range=(0, 1), data_format="channels_first")),
    ("MixUp", dict(alpha=0.5))]
SHAPES = {"channels_last": (3, 6, 7, 3), "channels_first": (3, 3, 6, 7)}


def numpy_of(t):
    """tf.keras's transformation (nested dicts, lists, tensors) as NumPy."""
    if isinstance(t, dict):
        return {k: numpy_of(v) for k, v in t.items()}
    if isinstance(t, list):
        return [numpy_of(v) for v in t]
    return t.numpy() if isinstance(t, tf.Tensor) else t


def exact_rotations(t):
    """tf.keras draws RandomRotation's rotation_matrix in float32 even for a float64
    layer (and transforms with it): for kerasmini and the reference, the float64
    matrix of the drawn angle, as kerasmini's own draw makes it."""
    if isinstance(t, list):
        return [exact_rotations(v) for v in t]
    if not isinstance(t, dict):
        return t
    t = {k: exact_rotations(v) for k, v in t.items()}
    if "rotation_matrix" in t:
        t["rotation_matrix"] = rotation_matrix(np.asarray(t["angle"], np.float64),
                                               t["image_height"], t["image_width"])
    return t


def tf_draw(layer, args, dtype, x, seed):
    """tf.keras's layer (seeded) and its transformation of x, drawn by the layer's seed
    generator (AugMix picks its steps with Python's `random`: seeded too). Not with
    get_random_transformation(seed=int): Keras then draws every number of the dict
    from that one seed, the same uniforms, so that 'apply with probability p' never
    applies for factor (0, 1)."""
    tf_layer = harness.make_tf(layer, {**args, "dtype": dtype, "seed": seed % 1000})
    random.seed(seed)
    return tf_layer, tf_layer.get_random_transformation(tf.constant(x), training=True)


def known_divergence(layer, args, dtype, t):
    """Where tf.keras departs from the reference (each one named)."""
    size = args.get("kernel_size", 3)
    if layer == "RandomGaussianBlur" and isinstance(size, tuple) and size[0] != size[1]:
        return "tf-gaussian-blur-two-sizes-kernel-reshaped"  # (cols, rows) -> (rows, cols)
    if dtype == "float64" and layer in ("RandAugment", "AugMix", "RandomPerspective"):
        return "tf-image-transform-float32-coordinates"
    return None


class TestTrainingTransforms(unittest.TestCase):
    @parameterized.expand([(layer, args, dtype) for layer, args in CASES
                           for dtype in ("float32", "float64")], name_func=case_name)
    def test(self, layer, args, dtype):
        harness.note(layer, dtype, "values")
        seed = harness.seed_of(layer, args, dtype, "training")
        low, high = args.get("value_range", (0, 255))
        rng = np.random.default_rng(seed)
        x = rng.uniform(low, high, SHAPES[args.get("data_format", "channels_last")])
        x = x.astype(dtype)
        tf_layer, tf_t = tf_draw(layer, args, dtype, x, seed)
        t = numpy_of(tf_t)
        t = exact_rotations(t) if dtype == "float64" else t
        km = harness.make_km(layer, {**args, "dtype": dtype})
        km_out = km.transform_images(x, t, training=True)
        self.assertEqual((km_out.shape, km_out.dtype), (x.shape, np.dtype(dtype)))
        tf_out = np.asarray(tf_layer.transform_images(tf.constant(x), tf_t, training=True))
        where = harness.describe(layer, args, dtype, x.shape, seed)
        harness.three_way(km_out, tf_out, REFERENCES[layer](x, t, args), dtype, where,
                          classify=lambda _: known_divergence(layer, args, dtype, t))
        if layer in ("CutMix", "MixUp"):  # labels mixed by the pasted area / the weight
            labels = np.eye(3, dtype=dtype)
            km_labels = km.transform_labels(labels, t)
            try:  # tf.keras's float64 MixUp multiplies by a float32 weight: it raises
                tf_labels = np.asarray(tf_layer.transform_labels(tf.constant(labels), tf_t))
            except tf.errors.InvalidArgumentError as error:
                tf_labels = error
            harness.three_way(km_labels, tf_labels, mixed_labels(labels, t), dtype,
                              where + " labels")


def _tf_field(shape, seed, dtype):
    """Keras's draw for elastic_transform: a stateless normal field of its seed."""
    from keras.src.random.seed_generator import draw_seed
    return np.asarray(tf.random.stateless_normal(shape, seed=draw_seed(seed), dtype=dtype))


@parameterized.expand([
    ("bilinear_reflect", "float32", dict(scale=(0.5, 1.0), factor=(0.5, 1.0))),
    ("nearest_constant_cf", "float32", dict(interpolation="nearest", fill_mode="constant",
                                            fill_value=30.0, value_range=(20, 200),
                                            data_format="channels_first")),
    ("wrap_float64", "float64", dict(scale=0.8, fill_mode="nearest"))])
def test_elastic_after_the_draw_as_tf_keras(_, dtype, args):
    harness.note("RandomElasticTransform", dtype, "values")
    seed = harness.seed_of("RandomElasticTransform", args, dtype)
    x = np.random.default_rng(seed).uniform(0, 255, SHAPES[args.get(
        "data_format", "channels_last")]).astype(dtype)
    x = np.concatenate([x] * 4, axis=2 if args.get("data_format") else 1)  # 24 rows
    tf_layer, tf_t = tf_draw("RandomElasticTransform", args, dtype, x, seed)
    tf_t["seed"] = seed % 1000  # an int for both fields (tf.keras's: its generator)
    want = np.asarray(tf_layer.transform_images(tf.constant(x), tf_t, training=True))
    km = harness.make_km("RandomElasticTransform", {**args, "dtype": dtype})
    with mock.patch.object(image_elastic, "displacement", _tf_field):
        got = km.transform_images(x, numpy_of(tf_t), training=True)
    assert got.dtype == want.dtype
    ok, _, _, why = harness.compare(got, want, dtype)
    assert ok, why
    assert not np.allclose(got, np.clip(x, *args.get("value_range", (0, 255))))


def _means(layer, args, draw):
    """Per-library means of the drawn quantities `draw(transformation)` over 40 draws
    of 50 images each."""
    x = np.zeros((50, 8, 10, 3), "float32")
    km = harness.make_km(layer, {**args, "seed": 3})
    tf_layer = harness.make_tf(layer, {**args, "seed": 3})
    km_values = np.concatenate([draw(km.get_random_transformation(x)) for _ in range(40)])
    tf_values = np.concatenate([draw(numpy_of(tf_layer.get_random_transformation(
        tf.constant(x), training=True))) for _ in range(40)])
    return km_values, tf_values


def _box_fraction(t):
    return np.asarray(t["batch_masks"], float).mean(axis=(1, 2, 3))


DRAWS = [  # (layer, args, quantity drawn, allowed gap of the means)
    ("RandomErasing", dict(factor=(0.3, 0.5)), lambda t: np.asarray(t["apply_erasing"],
                                                                    float), 0.05),
    ("RandomErasing", dict(factor=1.0, scale=(0.1, 0.6)),
     lambda t: _box_fraction(t)[np.asarray(t["apply_erasing"], bool)], 0.03),
    ("CutMix", dict(factor=(0.4, 0.6)), lambda t: np.ravel(t["mix_weight"]), 0.03),
    ("CutMix", dict(factor=(0.4, 0.6)), _box_fraction, 0.03),
    ("RandomPerspective", dict(factor=(0.2, 0.4), scale=0.7),
     lambda t: np.asarray(t["apply_perspective"], float), 0.05),
    ("RandomPerspective", dict(scale=0.7),
     lambda t: np.abs(np.asarray(t["end_points"]) - np.asarray(t["start_points"]))
     .reshape(-1) / 9.0, 0.03),
    ("RandomElasticTransform", dict(factor=(0.2, 0.8)),
     lambda t: np.asarray(t["apply_transform"], float), 0.05),
    ("RandomGaussianBlur", dict(sigma=(0.2, 0.9), kernel_size=(3, 5)),
     lambda t: np.asarray(t["blur_factor"], float), 0.05)]


@parameterized.expand([(layer, args, draw, gap) for layer, args, draw, gap in DRAWS],
                      name_func=lambda f, n, p: f"{f.__name__}_{n}_{p.args[0]}")
def test_draws_have_tf_keras_means(layer, args, draw, gap):
    """Seeded on both sides, so each comparison is fixed; a wrong range, a missing
    square root or a probability not honoured moves a mean by more than the gap."""
    harness.note(layer, "float32", "draws")
    km_values, tf_values = _means(layer, args, draw)
    assert abs(km_values.mean() - tf_values.mean()) < gap, (km_values.mean(),
                                                            tf_values.mean())
    assert km_values.min() >= min(tf_values.min(), 0) - 1e-6


TRAINED = [("RandomErasing", dict()), ("CutMix", dict()), ("RandomPerspective", dict()),
           ("RandomElasticTransform", dict()), ("RandAugment", dict()), ("AugMix", dict()),
           ("RandomGaussianBlur", dict(kernel_size=(3, 5)))]


def test_tf_keras_models_with_them_train_in_kerasmini():
    """tf.keras's model with all seven (keras.io's augmentation block, then a small
    classifier), saved, loaded by kerasmini and fit for 2 epochs: finite losses, the
    weights change, and predict is the model without the augmentation (identity)."""
    for layer, _ in TRAINED:
        harness.note(layer, "float32", "fit")
    # every layer named: an automatic name would move tf.keras's name counters and not
    # kerasmini's (loading keeps the file's names), and later config checks compare names
    inputs = keras.Input((12, 12, 3), name="images")
    x = inputs
    for layer, args in TRAINED:
        x = harness.make_tf(layer, {**args, "name": f"augment_{layer}"})(x)
    x = keras.layers.Rescaling(1 / 255.0, name="scale")(x)
    x = keras.layers.Conv2D(3, 3, name="conv")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    model = keras.Model(inputs, keras.layers.Dense(2, activation="softmax", name="out")(x),
                        name="augmented")
    images = np.random.default_rng(1).uniform(0, 255, (8, 12, 12, 3)).astype("float32")
    labels = np.eye(2, dtype="float32")[np.arange(8) % 2]
    with tempfile.TemporaryDirectory() as folder:
        model.save(os.path.join(folder, "m.keras"))
        km_model = kerasmini.models.load_model(os.path.join(folder, "m.keras"))
    ok, _, _, why = harness.compare(km_model.predict(images, verbose=0),
                                    model.predict(images, verbose=0), "float32")
    assert ok, why
    km_model.compile(optimizer="adam", loss="categorical_crossentropy")
    before = [w.copy() for w in km_model.get_weights()]
    losses = km_model.fit(images, labels, epochs=2, batch_size=4, verbose=0).history["loss"]
    assert len(losses) == 2 and np.all(np.isfinite(losses)), losses
    assert all(not np.array_equal(a, b) for a, b in zip(before, km_model.get_weights()))


MASK_CASES = [("CutMix", dict(factor=(0.5, 1.0))),
              ("RandomPerspective", dict(factor=(1.0, 1.0), scale=0.8)),
              ("RandomPerspective", dict(factor=(1.0, 1.0), data_format="channels_first")),
              ("RandomElasticTransform", dict(factor=(1.0, 1.0), scale=(0.8, 1.0))),
              ("RandAugment", dict(num_ops=8, factor=0.6)),
              ("AugMix", dict(num_chains=3, factor=0.5, all_ops=False))]


@parameterized.expand(MASK_CASES, name_func=lambda f, n, p: f"{f.__name__}_{n}_{p.args[0]}")
def test_segmentation_masks_as_tf_keras(layer, args):
    """Whole-number masks through transform_segmentation_masks with tf.keras's draw:
    the same classes at the same pixels (nearest, so exactly); AugMix mixes the masks
    as it mixes images (Keras's rule): equal within float32 tolerance."""
    harness.note(layer, "float32", "values")
    seed = harness.seed_of(layer, args, "masks")
    first = args.get("data_format") == "channels_first"
    shape = (3, 1, 24, 20) if first else (3, 24, 20, 1)
    masks = np.random.default_rng(seed).integers(0, 5, shape).astype("float32")
    images = np.repeat(masks, 3, axis=1 if first else 3)
    tf_layer, tf_t = tf_draw(layer, args, "float32", images, seed)
    t = numpy_of(tf_t)
    if layer == "RandomElasticTransform":
        tf_t["seed"] = t["seed"] = seed % 1000
    want = np.asarray(tf_layer.transform_segmentation_masks(tf.constant(masks), tf_t))
    km = harness.make_km(layer, args)
    with mock.patch.object(image_elastic, "displacement", _tf_field):
        got = km.transform_segmentation_masks(masks, t)
    ok, _, _, why = harness.compare(got, want, "float32")
    assert ok, why
    if layer != "AugMix":
        np.testing.assert_array_equal(got, want)
    assert not np.array_equal(got, masks)


def test_erasing_three_fill_values_per_channel_in_channels_first():
    """Three fill values are one per channel (Keras's docstring: 'a list of three
    numbers' for RGB). tf.keras spreads them along the last axis, so a channels_first
    batch gets them along its columns (and fails unless it has 3 columns): recorded;
    kerasmini fills each channel with its value."""
    harness.note("RandomErasing", "float32", "values")
    args = dict(fill_value=(10.0, 20.0, 30.0), data_format="channels_first")
    x = np.zeros((2, 3, 5, 3), "float32")
    km_fill = harness.make_km("RandomErasing", args).get_random_transformation(x)
    want = np.broadcast_to(np.array([10.0, 20.0, 30.0]).reshape(1, 3, 1, 1), x.shape)
    np.testing.assert_array_equal(km_fill["fill_value"], want)
    tf_fill = numpy_of(harness.make_tf("RandomErasing", args).get_random_transformation(
        tf.constant(x), training=True))["fill_value"]
    if not np.array_equal(tf_fill, want):
        harness.record_divergence("tf-randomerasing-fill-values-along-last-axis",
                                  "RandomErasing(fill_value=(10, 20, 30), channels_first)",
                                  f"tf.keras's fill of pixel (0, 0): {tf_fill[0, :, 0, 0]}")
