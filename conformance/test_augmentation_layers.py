"""The image augmentation layers beyond the first six (AutoContrast ... Pipeline):
configs equal to tf.keras's, .keras files both ways (tf.keras saves, kerasmini loads
and predicts as tf.keras; kerasmini saves, tf.keras loads), inference as tf.keras's,
and argument errors of the same class naming the same argument. (The deterministic
transforms' values against tf.keras and the float64 references:
conformance/test_augmentation.py.)"""
import json
import os
import tempfile

import numpy as np
import pytest

from conformance import harness

tf, keras = harness.tf, harness.keras

LAYERS = [
    ("AutoContrast", dict(value_range=(-1, 2))), ("Equalization", dict(bins=64)),
    ("Solarization", dict(addition_factor=0.2, threshold_factor=(0.3, 0.6))),
    ("RandomGrayscale", dict(factor=0.7)), ("RandomInvert", dict(factor=0.4)),
    ("RandomPosterization", dict(factor=(2, 5))), ("RandomSharpness", dict(factor=0.5)),
    ("RandomHue", dict(factor=(0.1, 0.4))), ("RandomSaturation", dict(factor=0.5)),
    ("RandomColorDegeneration", dict(factor=0.5)),
    ("RandomColorJitter", dict(brightness_factor=0.2, contrast_factor=0.3,
                               saturation_factor=0.4, hue_factor=0.3)),
    ("RandomShear", dict(x_factor=0.3, y_factor=(0.1, 0.2), fill_mode="constant")),
    ("RandomErasing", dict(scale=(0.1, 0.2), fill_value=3.0)),
    ("RandomGaussianBlur", dict(kernel_size=(3, 5), sigma=0.5)),
    ("RandomPerspective", dict(scale=0.5)), ("RandomElasticTransform", dict(scale=0.3)),
    ("RandAugment", dict(num_ops=3, factor=0.4)), ("AugMix", dict(num_chains=2)),
    ("CutMix", dict(factor=0.5)), ("MixUp", dict(alpha=0.4)),
    ("MaxNumBoundingBoxes", dict(max_number=3))]
X = np.random.default_rng(5).uniform(0, 255, (2, 6, 7, 3)).astype("float32")


def plain(config):
    return json.loads(json.dumps(config))


@pytest.mark.parametrize("layer, args", LAYERS, ids=[name for name, _ in LAYERS])
def test_config_and_inference_match_tf_keras(layer, args):
    harness.note(layer, "float32", "config")
    km, tfl = harness.make_km(layer, args), harness.make_tf(layer, args)
    assert plain(km.get_config()) == plain(tfl.get_config())
    again = type(km).from_config(km.get_config())
    assert plain(again.get_config()) == plain(km.get_config())
    want = np.asarray(tfl(X, training=False))
    got = km(X, training=False)
    assert got.dtype == want.dtype and got.shape == want.shape
    ok, _, _, why = harness.compare(got, want, "float32")
    assert ok, f"{layer} at inference: {why}"


def _round_trip(layer_args, folder):
    """tf.keras's model (Rescaling, then the layers in a chain, then Flatten) saved and
    loaded by kerasmini: the same configs and predictions; saved again by kerasmini:
    the file tf.keras loads back (or the error it raises)."""
    import kerasmini
    inputs = keras.Input((6, 7, 3))
    x = keras.layers.Rescaling(0.5)(inputs)
    for layer, args in layer_args:
        x = harness.make_tf(layer, args)(x)
    model = keras.Model(inputs, keras.layers.Flatten()(x))
    model.save(os.path.join(folder, "tf.keras"))
    km_model = kerasmini.models.load_model(os.path.join(folder, "tf.keras"))
    want = model.predict(X, verbose=0)
    ok, _, _, why = harness.compare(km_model.predict(X, verbose=0), want, "float32")
    assert ok, why
    for km_layer, tf_layer in zip(km_model.layers[2:-1], model.layers[2:-1]):
        assert plain(km_layer.get_config()) == plain(tf_layer.get_config())
    km_model.save(os.path.join(folder, "km.keras"))
    back = keras.models.load_model(os.path.join(folder, "km.keras"))
    ok, _, _, why = harness.compare(back.predict(X, verbose=0), want, "float32")
    assert ok, why


def test_keras_files_both_ways():
    """Every layer but Equalization (below) and RandomShear (next) in one model."""
    chain = [case for case in LAYERS if case[0] not in ("Equalization", "RandomShear")]
    for layer, _ in chain:
        harness.note(layer, "float32", "file")
    with tempfile.TemporaryDirectory() as folder:
        _round_trip(chain, folder)


def test_random_shear_file_loads_where_tf_keras_refuses_its_own():
    """Keras stores RandomShear(x_factor=0.3) as x_factor=(-0.3, 0.3), which its own
    constructor refuses: tf.keras cannot load the file it wrote. kerasmini reads it as
    the number it came from."""
    harness.note("RandomShear", "float32", "file")
    with tempfile.TemporaryDirectory() as folder:
        with pytest.raises(Exception, match="input_number=-0.3"):
            _round_trip([("RandomShear", dict(x_factor=0.3))], folder)
        harness.record_divergence("tf-randomshear-refuses-its-own-config", "RandomShear",
                                  "tf.keras cannot load RandomShear(x_factor=0.3) back")
        _round_trip([("RandomShear", dict(x_factor=(0.0, 0.3)))], folder)


def test_equalization_file_and_model():
    """tf.keras 3.15 cannot put Equalization in a functional model (its output spec is
    its input tensor: 'part of a cycle'), so its config goes through the layer
    serialization instead; in kerasmini it works in a model, as the identity at
    predict."""
    import kerasmini
    from kerasmini.models.layer_configs import deserialize_layer, serialize_layer
    harness.note("Equalization", "float32", "file")
    tf_layer = keras.layers.Equalization(value_range=(0, 1), bins=32)
    km_layer = deserialize_layer(plain(keras.saving.serialize_keras_object(tf_layer)))
    assert plain(km_layer.get_config()) == plain(tf_layer.get_config())
    back = keras.saving.deserialize_keras_object(plain(serialize_layer(km_layer)))
    assert plain(back.get_config()) == plain(tf_layer.get_config())
    with pytest.raises(ValueError, match="cycle"):
        inputs = keras.Input((6, 7, 3))
        keras.Model(inputs, keras.layers.Equalization()(inputs))
    harness.record_divergence("tf-equalization-not-in-functional-model", "Equalization",
                              "tf.keras raises 'part of a cycle' building the model")
    inputs = kerasmini.Input((6, 7, 3))
    model = kerasmini.Model(inputs, kerasmini.layers.Equalization()(inputs))
    np.testing.assert_array_equal(model.predict(X, verbose=0), X)


def test_pipeline_applies_its_layers_in_order_and_loads():
    import kerasmini
    harness.note("Pipeline", "float32", "file")
    steps = [keras.layers.Rescaling(1 / 255.0), keras.layers.AutoContrast(value_range=(0, 1)),
             keras.layers.RandomFlip(), keras.layers.Solarization(0.3)]
    inputs = keras.Input((6, 7, 3))
    model = keras.Model(inputs, keras.layers.Pipeline(steps, name="augment")(inputs))
    with tempfile.TemporaryDirectory() as folder:
        model.save(os.path.join(folder, "tf.keras"))
        km_model = kerasmini.models.load_model(os.path.join(folder, "tf.keras"))
        want = model.predict(X, verbose=0)
        ok, _, _, why = harness.compare(km_model.predict(X, verbose=0), want, "float32")
        assert ok, why
        pipeline = km_model.get_layer("augment")
        assert [type(s).__name__ for s in pipeline.layers] == [
            "Rescaling", "AutoContrast", "RandomFlip", "Solarization"]
        tf_steps = model.get_layer("augment").get_config()["layers"]
        assert [plain(s.get_config()) for s in pipeline.layers] == [
            plain(s["config"]) for s in tf_steps]
        km_model.save(os.path.join(folder, "km.keras"))
        back = keras.models.load_model(os.path.join(folder, "km.keras"))
        ok, _, _, why = harness.compare(back.predict(X, verbose=0), want, "float32")
        assert ok, why


BAD_ARGUMENTS = [
    ("AutoContrast", dict(value_range=3), "value_range=3"),
    ("Equalization", dict(value_range=(1, 2, 3)), "value_range"),
    ("Solarization", dict(addition_factor=1.5), "input_number=1.5"),
    ("Solarization", dict(threshold_factor="a"), "threshold_factor=a"),
    ("RandomGrayscale", dict(factor=1.2), "factor=1.2"),
    ("RandomInvert", dict(factor=2), "factor=2"),
    ("RandomPosterization", dict(factor=9), "factor=9"),
    ("RandomSharpness", dict(factor=(0.1, 0.2, 0.3)), "factor"),
    ("RandomHue", dict(factor=-2), "factor=-2"),
    ("RandomSaturation", dict(factor=0.5, value_range=1), "value_range=1"),
    ("RandomColorDegeneration", dict(factor=1.5), "factor=1.5"),
    ("RandomColorJitter", dict(brightness_factor=3), "factor=3"),
    ("RandomShear", dict(x_factor=-0.5), "input_number=-0.5"),
    ("RandomShear", dict(fill_mode="mirror"), "fill_mode"),
    ("RandomErasing", dict(factor=1.5), "factor=1.5"),
    ("RandomGaussianBlur", dict(kernel_size=4), "kernel_size=4"),
    ("RandomPerspective", dict(scale=1.5), "scale=1.5"),
    ("RandomPerspective", dict(interpolation="cubic"), "interpolation"),
    ("RandomElasticTransform", dict(fill_mode="mirrors"), "fill_mode"),
    ("RandAugment", dict(factor=1.5), "factor=1.5"),
    ("AugMix", dict(value_range=5), "value_range=5"),
    ("CutMix", dict(factor=-0.5), "factor=-0.5")]


@pytest.mark.parametrize("layer, args, named", BAD_ARGUMENTS,
                         ids=[f"{name}-{next(iter(a))}" for name, a, _ in BAD_ARGUMENTS])
def test_bad_arguments_raise_as_tf_keras(layer, args, named):
    harness.note(layer, "float32", "errors")
    with pytest.raises(Exception) as tf_error:
        harness.make_tf(layer, args)
    if layer == "Equalization" and tf_error.type is AttributeError:
        # Keras 3.15's Equalization names a message attribute it lacks
        harness.record_divergence("tf-equalization-bad-value-range-attribute-error",
                                  layer, str(tf_error.value)[:200])
        with pytest.raises(ValueError, match=named):
            harness.make_km(layer, args)
        return
    with pytest.raises(tf_error.type) as km_error:
        harness.make_km(layer, args)
    assert named in str(km_error.value), str(km_error.value)
