"""kerasmini's keras.applications builders against tf.keras's: the same call builds in
both libraries, then the two models must have the same config (layer names, classes,
configs, connections), summary() text and parameter count; with tf.keras's weights
copied in (BatchNormalization statistics randomized), the same predictions; saved by
kerasmini as .keras, tf.keras must read it and predict the same. Bad arguments must
raise the exception class tf.keras raises.

CASES: name -> (builder, keyword arguments, family). The first case of each family is
the quick tier's and the only one whose values and file are compared (the others share
its blocks and layers: their structure is what differs). The deep variants of a family
(DEEP: ResNet101/152, DenseNet169/201, EfficientNetB1-B7, ...) take 5-50 s each to
build in tf.keras, so the suite checks them only with KM_ALL_APPLICATIONS=1; small
inputs keep the rest near a minute.
"""
import json
import os
import tempfile
import zlib

import kerasmini
from conformance.models import applications, tf_keras

keras = tf_keras()

CASES = {
    "VGG16": ("VGG16", dict(input_shape=(32, 32, 3), classes=10), "vgg"),
    "VGG19_notop_avg": ("VGG19", dict(include_top=False, input_shape=(40, 32, 3),
                                      pooling="avg"), "vgg"),
    "ResNet50": ("ResNet50", dict(input_shape=(32, 32, 3), classes=5), "resnet"),
    "ResNet101_notop_max": ("ResNet101", dict(include_top=False, input_shape=(32, 40, 3),
                                              pooling="max"), "resnet"),
    "ResNet152_logits": ("ResNet152", dict(input_shape=(32, 32, 3), classes=3,
                                           classifier_activation=None), "resnet"),
    "ResNet50V2": ("ResNet50V2", dict(input_shape=(32, 32, 3), classes=5), "resnet_v2"),
    "ResNet101V2_notop": ("ResNet101V2", dict(include_top=False, input_shape=(33, 35, 3)),
                          "resnet_v2"),
    "ResNet152V2_notop_avg": ("ResNet152V2", dict(include_top=False, pooling="avg",
                                                  input_shape=(32, 32, 1)), "resnet_v2"),
    "MobileNet": ("MobileNet", dict(input_shape=(32, 32, 3), alpha=0.25, classes=5),
                  "mobilenet"),
    "MobileNet_notop_dm2": ("MobileNet", dict(include_top=False, input_shape=(128, 128, 3),
                                              alpha=0.5, depth_multiplier=2, pooling="max"),
                            "mobilenet"),
    "MobileNetV2": ("MobileNetV2", dict(input_shape=(96, 96, 3), alpha=0.35, classes=10),
                    "mobilenet_v2"),
    "MobileNetV2_notop_wide": ("MobileNetV2", dict(include_top=False, alpha=1.3,
                                                   input_shape=(33, 47, 3), pooling="avg"),
                               "mobilenet_v2"),
    "DenseNet121": ("DenseNet121", dict(input_shape=(32, 32, 3), classes=5), "densenet"),
    "DenseNet169_notop_max": ("DenseNet169", dict(include_top=False, pooling="max",
                                                  input_shape=(32, 32, 3)), "densenet"),
    "DenseNet201_notop": ("DenseNet201", dict(include_top=False, input_shape=(40, 36, 3)),
                          "densenet"),
    "MobileNetV3Small": ("MobileNetV3Small", dict(input_shape=(32, 32, 3), alpha=0.75,
                                                  classes=5), "mobilenet_v3"),
    "MobileNetV3Large_minimalistic": ("MobileNetV3Large", dict(
        input_shape=(48, 40, 3), minimalistic=True, include_top=False, pooling="avg",
        include_preprocessing=False), "mobilenet_v3"),
    "MobileNetV3Small_wide_nodropout": ("MobileNetV3Small", dict(
        input_shape=(32, 32, 3), alpha=1.25, classes=4, dropout_rate=0.0),
        "mobilenet_v3"),
    "MobileNetV3Large_unknown_size": ("MobileNetV3Large", dict(classes=3), "mobilenet_v3"),
    "EfficientNetB0": ("EfficientNetB0", dict(input_shape=(32, 32, 3), classes=5),
                       "efficientnet"),
    **{f"EfficientNetB{i}_notop": (f"EfficientNetB{i}", dict(
        include_top=False, input_shape=(32, 32, 3), pooling=("avg", "max", None)[i % 3]),
        "efficientnet") for i in range(1, 8)},
    "InceptionV3": ("InceptionV3", dict(input_shape=(75, 75, 3), classes=5),
                    "inception_v3"),
    "InceptionV3_notop_max": ("InceptionV3", dict(include_top=False, pooling="max",
                                                  input_shape=(80, 90, 3)), "inception_v3"),
    "Xception": ("Xception", dict(input_shape=(71, 71, 3), classes=5), "xception"),
    "Xception_notop_avg": ("Xception", dict(include_top=False, pooling="avg",
                                            input_shape=(72, 80, 3)), "xception"),
    "InceptionResNetV2": ("InceptionResNetV2", dict(input_shape=(75, 75, 3), classes=5),
                          "inception_resnet_v2"),
    "EfficientNetV2B0": ("EfficientNetV2B0", dict(input_shape=(32, 32, 3), classes=5),
                         "efficientnet_v2"),
    "EfficientNetV2B1_notop_1_channel": ("EfficientNetV2B1", dict(
        include_top=False, input_shape=(32, 32, 1), pooling="avg"), "efficientnet_v2"),
    "EfficientNetV2B2_noprep": ("EfficientNetV2B2", dict(
        input_shape=(32, 32, 3), classes=3, include_preprocessing=False),
        "efficientnet_v2"),
    **{f"EfficientNetV2{v}_notop": (f"EfficientNetV2{v}", dict(
        include_top=False, input_shape=(32, 32, 3)), "efficientnet_v2")
       for v in ("B3", "S", "M", "L")},
    "ConvNeXtTiny": ("ConvNeXtTiny", dict(input_shape=(32, 32, 3), classes=5), "convnext"),
    "ConvNeXtSmall_notop_avg_1_channel": ("ConvNeXtSmall", dict(
        include_top=False, pooling="avg", input_shape=(32, 32, 1)), "convnext"),
    **{f"ConvNeXt{v}_notop": (f"ConvNeXt{v}", dict(include_top=False,
                                                   input_shape=(32, 32, 3)), "convnext")
       for v in ("Base", "Large", "XLarge")},
    "NASNetMobile": ("NASNetMobile", dict(input_shape=(32, 32, 3), classes=5), "nasnet"),
    "NASNetMobile_notop_max_odd": ("NASNetMobile", dict(include_top=False, pooling="max",
                                                        input_shape=(33, 45, 3)), "nasnet"),
    "NASNetLarge_notop_avg": ("NASNetLarge", dict(include_top=False, pooling="avg",
                                                  input_shape=(32, 32, 3)), "nasnet"),
}

DEEP = ("ResNet101_notop_max", "ResNet152_logits", "ResNet101V2_notop",
        "ResNet152V2_notop_avg", "DenseNet169_notop_max", "DenseNet201_notop",
        *(f"EfficientNetB{i}_notop" for i in range(1, 8)),
        *(f"EfficientNetV2{v}_notop" for v in ("B3", "S", "M", "L")),
        "ConvNeXtSmall_notop_avg_1_channel",
        *(f"ConvNeXt{v}_notop" for v in ("Base", "Large", "XLarge")),
        "NASNetLarge_notop_avg")


def build(library, name):
    """The model of case `name` in `library` (kerasmini or tf.keras), names counted
    from a fresh session in both."""
    builder, kwargs, _ = CASES[name]
    library.backend.clear_session()
    library.utils.set_random_seed(zlib.crc32(name.encode()))
    return getattr(library.applications, builder)(weights=None, **kwargs)


def config_of(model):
    """The model's get_config() as JSON reads it back (tuples and lists alike)."""
    return json.loads(json.dumps(model.get_config(), default=repr))


# the cases whose .keras file tf.keras reads back: those with tensor operations,
# Rescaling and Normalization layers, nested models; for the others the same config's file is read
# back by test_applications.py (tf.keras's file, loaded and saved again by kerasmini)
SAVE_BACK = ("MobileNet", "MobileNetV3Small", "EfficientNetV2B0", "ConvNeXtTiny")


def check(name, values=True):
    """{config_equal, summary_equal, params (km, tf)} for case `name`; with `values`
    also predictions (error, ok), and saved_back (error, ok) for SAVE_BACK's."""
    tf_model, km_model = build(keras, name), build(kerasmini, name)
    result = {"config_equal": config_of(km_model) == config_of(tf_model),
              "summary_equal": applications.summary_text(km_model)
              == applications.summary_text(tf_model),
              "params": (km_model.count_params(), tf_model.count_params())}
    if not result["config_equal"]:
        result["config_diff"] = first_difference(config_of(km_model), config_of(tf_model))
    if values:
        result.update(_values(tf_model, km_model, name))
    return result


def _values(tf_model, km_model, name):
    applications.randomize_batchnorm(tf_model)
    km_model.set_weights(tf_model.get_weights())
    x = applications.sample_input(tf_model, name)
    expected = applications.as_numpy(tf_model(x, training=False))
    result = {"predictions": applications.relative_error(km_model.predict(x, verbose=0),
                                                         expected)}
    if name not in SAVE_BACK:
        return result
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "km.keras")
        km_model.save(path)
        reloaded = keras.models.load_model(path)
        result["saved_back"] = applications.relative_error(reloaded(x, training=False),
                                                           expected)
    return result


def first_difference(got, expected, where="config"):
    """Where two nested configs first differ, as text (for the failure message)."""
    if isinstance(got, dict) and isinstance(expected, dict):
        for key in sorted(set(got) | set(expected), key=str):
            if got.get(key, "<missing>") != expected.get(key, "<missing>"):
                return first_difference(got.get(key, "<missing>"),
                                        expected.get(key, "<missing>"), f"{where}[{key!r}]")
    if isinstance(got, list) and isinstance(expected, list) and len(got) == len(expected):
        for i, (g, e) in enumerate(zip(got, expected)):
            if g != e:
                return first_difference(g, e, f"{where}[{i}]")
    return f"{where}: kerasmini {got!r}, tf.keras {expected!r}"


def names(tier):
    """The cases a tier checks: 'quick' one per family, 'full' all but DEEP, 'all'."""
    if tier == "quick":
        return quick_names()
    return [n for n in CASES if tier == "all" or n not in DEEP]


def quick_names():
    seen, names = set(), []
    for name, (_, _, family) in CASES.items():
        if family not in seen:
            names.append(name)
            seen.add(family)
    return names
