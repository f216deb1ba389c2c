"""Random augmentation layers: the deterministic half of a training call.

Random draws differ between kerasmini and TensorFlow, so each case draws one
transformation with kerasmini's `get_random_transformation` and hands the very same
parameters to both `transform_images`; the float64 loop reference of
reference_augmentation.py decides. (The draws' ranges and seeding are tested in
tests/test_augmentation.py.)
"""
import unittest

import numpy as np
from parameterized import parameterized

from conformance import harness
from conformance.reference_augmentation import REFERENCES

tf, keras = harness.tf, harness.keras

GEOMETRY = [dict(fill_mode=f, interpolation=i) for f in ("reflect", "wrap", "constant",
                                                         "nearest")
            for i in ("bilinear", "nearest")]
CASES = (
    [("RandomRotation", dict(factor=0.3, fill_value=0.5, **g)) for g in GEOMETRY]
    + [("RandomZoom", dict(height_factor=(-0.5, 0.6), width_factor=0.4, **g))
       for g in GEOMETRY]
    + [("RandomTranslation", dict(height_factor=0.6, width_factor=(-0.8, 0.5),
                                  fill_value=-1.0, **g)) for g in GEOMETRY]
    + [("RandomRotation", dict(factor=(-1, 1), data_format="channels_first")),
       ("RandomZoom", dict(height_factor=0.5, data_format="channels_first")),
       ("RandomTranslation", dict(height_factor=0.3, width_factor=0.3,
                                  data_format="channels_first")),
       ("RandomFlip", dict(mode="horizontal")), ("RandomFlip", dict(mode="vertical")),
       ("RandomFlip", dict(mode="horizontal_and_vertical")),
       ("RandomFlip", dict(data_format="channels_first")),
       ("RandomBrightness", dict(factor=0.4, value_range=(-2, 3))),
       ("RandomBrightness", dict(factor=(-0.9, 0.2), value_range=(1, -1))),
       ("RandomContrast", dict(factor=(0.5, 0.7), value_range=(-2, 2))),
       ("RandomContrast", dict(factor=0.9, value_range=(-2, 2),
                               data_format="channels_first")),
       ("RandomShear", dict(x_factor=0.4, y_factor=(0.1, 0.3), fill_mode="constant",
                            fill_value=0.5)),
       ("RandomShear", dict(x_factor=0.8, interpolation="nearest", fill_mode="nearest",
                            data_format="channels_first")),
       ("RandomGaussianBlur", dict(factor=0.6, kernel_size=5, sigma=(0.3, 1.0),
                                   value_range=(-1, 1))),
       ("RandomGaussianBlur", dict(data_format="channels_first", value_range=(-3, 3))),
       ("MixUp", dict(alpha=0.4)), ("MixUp", dict(alpha=2.0, data_format="channels_first")),
       ("RandomCrop", dict(height=4, width=3)),
       ("RandomCrop", dict(height=2, width=5, data_format="channels_first"))])
COLOR = [
    ("AutoContrast", dict(value_range=(-2, 3))), ("AutoContrast", dict()),
    ("AutoContrast", dict(value_range=(0, 1), data_format="channels_first")),
    ("Equalization", dict(value_range=(-2, 3), bins=16)), ("Equalization", dict()),
    ("Equalization", dict(bins=64, data_format="channels_first")),
    ("Solarization", dict(addition_factor=0.3, threshold_factor=(0.2, 0.8))),
    ("Solarization", dict(threshold_factor=0.5, value_range=(0, 1))),
    ("RandomInvert", dict(factor=0.5, value_range=(0, 1))),
    ("RandomGrayscale", dict(factor=0.5)),
    ("RandomGrayscale", dict(factor=0.5, data_format="channels_first")),
    ("RandomPosterization", dict(factor=(1, 8))),
    ("RandomPosterization", dict(factor=3, value_range=(-1, 1))),
    ("RandomColorDegeneration", dict(factor=(-0.5, 1.0), value_range=(0, 1))),
    ("RandomColorDegeneration", dict(factor=0.8, data_format="channels_first")),
    ("RandomSharpness", dict(factor=(0.0, 1.0), value_range=(-2, 2))),
    ("RandomSharpness", dict(factor=0.9, data_format="channels_first")),
    ("RandomSaturation", dict(factor=(0.0, 0.9))),
    ("RandomSaturation", dict(factor=0.7, value_range=(0, 1), data_format="channels_first")),
    ("RandomHue", dict(factor=0.8)), ("RandomHue", dict(factor=(0.2, 1.0), value_range=(-1, 1),
                                                       data_format="channels_first"))]
CASES = CASES + COLOR
SHAPES = {"channels_last": (4, 6, 7, 2), "channels_first": (4, 2, 6, 7)}
RGB_SHAPES = {"channels_last": (4, 6, 7, 3), "channels_first": (4, 3, 6, 7)}
COLOR_LAYERS = {layer for layer, _ in COLOR}


def case_input(layer, args, rng):
    """Normal noise for the geometric layers; RGB pixels spread over the value range
    (slightly past it, for the clips) for the color ones."""
    layout = args.get("data_format", "channels_last")
    if layer not in COLOR_LAYERS:
        return rng.standard_normal(SHAPES[layout])
    low, high = sorted(args.get("value_range", (0, 255)))
    inside = ("RandomPosterization", "Equalization", "RandomSaturation", "RandomHue")
    margin = 0.0 if layer in inside else 0.05 * (high - low)
    return rng.uniform(low - margin, high + margin, RGB_SHAPES[layout])


def case_name(func, num, param):
    layer, args = param.args[:2]
    return f"{func.__name__}_{num}_{layer}_{'_'.join(str(v) for v in args.values())}"


def tf_transformation(transformation):
    if isinstance(transformation, tuple):  # RandomCrop's (row, column)
        return transformation
    if isinstance(transformation, np.ndarray):  # RandomGrayscale's choices
        return tf.constant(transformation)
    return {k: tf.constant(v) if isinstance(v, np.ndarray) else v
            for k, v in transformation.items()}


class TestTransformImages(unittest.TestCase):
    @parameterized.expand([(layer, args, dtype) for layer, args in CASES
                           for dtype in ("float32", "float64")], name_func=case_name)
    def test(self, layer, args, dtype):
        harness.note(layer, dtype, "values")
        seed = harness.seed_of(layer, args, dtype)
        rng = np.random.default_rng(seed)
        x = case_input(layer, args, rng).astype(dtype)
        km = harness.make_km(layer, {**args, "dtype": dtype})
        t = km.get_random_transformation(x, training=True, seed=seed)
        km_out = km.transform_images(x, t, training=True)
        shape = km.compute_output_shape(x.shape)
        self.assertEqual((km_out.shape, km_out.dtype), (shape, np.dtype(dtype)))
        tf_layer = harness.make_tf(layer, {**args, "dtype": dtype})
        tf_out = np.asarray(tf_layer.transform_images(tf.constant(x),
                                                      tf_transformation(t), training=True))
        ref = REFERENCES[layer](x, t, args)
        where = harness.describe(layer, args, dtype, x.shape, seed)
        harness.three_way(km_out, tf_out, ref, dtype, where,
                          classify=lambda _: known_divergence(layer, args, dtype))


def known_divergence(layer, args, dtype):
    """The ways TF departs from the reference: ImageProjectiveTransformV3's two, and
    RandomHue's _transform_value_range, which casts float64 images to float32."""
    if layer == "RandomHue" and dtype == "float64":  # Keras maps the range in float32
        return "tf-randomhue-value-range-in-float32"
    if args.get("fill_mode") == "wrap":
        return "tf-wrap-fill-mode-wrong-period"
    if dtype == "float64" and layer in ("RandomRotation", "RandomZoom", "RandomTranslation",
                                        "RandomShear"):
        return "tf-image-transform-float32-coordinates"
    return None


def test_random_crop_at_inference_resizes_the_centred_window():
    """Keras's docstring (and Keras 2): at inference the largest centred window of the
    target's aspect ratio, resized; tf.keras 3.15's layer returns its input unchanged
    instead (a shape that contradicts its compute_output_shape): recorded."""
    harness.note("RandomCrop", "float32", "values")
    x = np.random.default_rng(4).standard_normal((2, 7, 9, 3)).astype("float32")
    km_out = harness.make_km("RandomCrop", dict(height=4, width=3))(x, training=False)
    want = np.asarray(keras.ops.image.resize(x, (4, 3), crop_to_aspect_ratio=True))
    ok, _, _, why = harness.compare(km_out, want, "float32")
    assert ok, f"RandomCrop(4, 3) at inference != keras.ops.image.resize: {why}"
    tf_out = np.asarray(keras.layers.RandomCrop(4, 3)(x, training=False))
    if tf_out.shape != km_out.shape:
        harness.record_divergence("tf-randomcrop-identity-at-inference", "RandomCrop(4, 3)",
                                  f"tf.keras returned shape {tf_out.shape}")


def test_image_classification_example_trains_in_kerasmini(tmp_path):
    """keras.io's image_classification_from_scratch (conformance/models/applications.py,
    RandomFlip + RandomRotation inside the model), saved by tf.keras, loaded and trained
    by kerasmini's fit: the augmentation acts (the images change in training) and the
    step updates every trainable weight with a finite loss."""
    import kerasmini
    from conformance.models import applications
    keras.utils.set_random_seed(3)
    path = str(tmp_path / "image_classification.keras")
    applications.image_classification_from_scratch().save(path)
    model = kerasmini.models.load_model(path)
    x = applications.sample_input(model, "image_classification", batch=4)
    y = np.array([[0.0], [1.0], [1.0], [0.0]], "float32")
    augmentation = model.get_layer("augmentation")
    assert not np.allclose(augmentation(x, training=True), x)
    np.testing.assert_array_equal(augmentation(x, training=False), x)
    model.compile(optimizer="adam", loss=kerasmini.losses.BinaryCrossentropy(from_logits=True))
    before = [w.numpy().copy() for w in model.trainable_weights]
    loss = model.fit(x, y, epochs=1, batch_size=4, verbose=0).history["loss"]
    assert np.all(np.isfinite(loss)), loss
    unchanged = [w.path for w, old in zip(model.trainable_weights, before)
                 if np.array_equal(w.numpy(), old)]
    assert not unchanged, f"fit left {unchanged} unchanged"
