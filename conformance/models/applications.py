"""Every keras.applications architecture, the Keras code examples' convnets and the graph
shapes of graphs.py (skips, shared weights, nested models, several or dict inputs and
outputs, ...), built in tf.keras at a small input size, saved, loaded by kerasmini and
compared.

`check(name)` does the whole round for one model and returns what it measured; the
tests (test_applications.py) assert on it, and `python -m
conformance.models.applications` runs them all and writes the status table into
README.md.

Weights: tf.keras's own random initialization, with the BatchNormalization statistics
and scales randomized too (their defaults, mean 0 and variance 1, would hide a wrong
formula). Comparison: each layer's output and the predictions against tf.keras with
harness.compare's float32 policy (rtol 1e-5, atol 1e-5 of the output's scale).
"""
import os
import tempfile
import time
import warnings
import zlib

import numpy as np

import kerasmini
from conformance.models import tf_keras
from conformance.models.graphs import GRAPHS
from conformance.models.newer_layers import NEWER_LAYERS

keras = tf_keras()  # fails loudly here without TensorFlow
RTOL = 1e-5


def _apps(builder, shape, **kwargs):
    return lambda: builder(weights=None, input_shape=shape, classes=5, **kwargs)


def image_classification_from_scratch():
    """keras.io/examples/vision/image_classification_from_scratch (smaller)."""
    L = keras.layers
    inputs = keras.Input((32, 32, 3))
    x = keras.Sequential([L.RandomFlip("horizontal"), L.RandomRotation(0.1)],
                         name="augmentation")(inputs)
    x = L.Rescaling(1.0 / 255)(x)
    x = L.Conv2D(16, 3, strides=2, padding="same")(x)
    x = L.BatchNormalization()(x)
    x = L.Activation("relu")(x)
    previous = x
    for size in (32, 64):
        x = L.Activation("relu")(x)
        x = L.SeparableConv2D(size, 3, padding="same")(x)
        x = L.BatchNormalization()(x)
        x = L.Activation("relu")(x)
        x = L.SeparableConv2D(size, 3, padding="same")(x)
        x = L.BatchNormalization()(x)
        x = L.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = L.Conv2D(size, 1, strides=2, padding="same")(previous)
        x = L.add([x, residual])
        previous = x
    x = L.GlobalAveragePooling2D()(x)
    x = L.Dropout(0.25)(x)
    return keras.Model(inputs, L.Dense(1)(x), name="image_classification")


def autoencoder_transpose():
    """keras.io/examples/vision/autoencoder: Conv2DTranspose decoder."""
    L = keras.layers
    inputs = keras.Input((28, 28, 1))
    x = L.Conv2D(8, 3, activation="relu", padding="same")(inputs)
    x = L.MaxPooling2D(2, padding="same")(x)
    x = L.Conv2D(8, 3, activation="relu", padding="same")(x)
    x = L.MaxPooling2D(2, padding="same")(x)
    x = L.Conv2DTranspose(8, 3, strides=2, activation="relu", padding="same")(x)
    x = L.Conv2DTranspose(8, 3, strides=2, activation="relu", padding="same")(x)
    x = L.Conv2D(1, 3, activation="sigmoid", padding="same")(x)
    return keras.Model(inputs, x, name="autoencoder_transpose")


def autoencoder_upsampling():
    """The same with UpSampling2D + Conv2D in the decoder."""
    L = keras.layers
    inputs = keras.Input((28, 28, 1))
    x = L.Conv2D(8, 3, activation="relu", padding="same")(inputs)
    x = L.MaxPooling2D(2, padding="same")(x)
    x = L.UpSampling2D(2)(x)
    x = L.Conv2D(8, 3, activation="relu", padding="same")(x)
    x = L.UpSampling2D(2, interpolation="bilinear")(x)
    x = L.Conv2D(1, 3, activation="sigmoid", padding="same")(x)
    return keras.Model(inputs, x, name="autoencoder_upsampling")


def dcgan_generator():
    """keras.io/examples/generative/dcgan_overriding_train_step (smaller)."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((16,)), L.Dense(4 * 4 * 32), L.Reshape((4, 4, 32)),
        L.Conv2DTranspose(32, 4, strides=2, padding="same"), L.LeakyReLU(negative_slope=0.2),
        L.Conv2DTranspose(16, 4, strides=2, padding="same"), L.LeakyReLU(negative_slope=0.2),
        L.Conv2D(3, 5, padding="same", activation="sigmoid")], name="generator")


def dcgan_discriminator():
    L = keras.layers
    return keras.Sequential([
        keras.Input((16, 16, 3)), L.Conv2D(16, 4, strides=2, padding="same"),
        L.LeakyReLU(negative_slope=0.2), L.Conv2D(32, 4, strides=2, padding="same"),
        L.LeakyReLU(negative_slope=0.2), L.Flatten(), L.Dropout(0.2),
        L.Dense(1, activation="sigmoid")], name="discriminator")


def text_cnn():
    """keras.io/examples/nlp/text_classification_from_scratch (smaller)."""
    L = keras.layers
    inputs = keras.Input((40,), dtype="int64")
    x = L.Embedding(200, 16)(inputs)
    x = L.Dropout(0.5)(x)
    x = L.Conv1D(16, 7, padding="valid", activation="relu", strides=3)(x)
    x = L.Conv1D(16, 3, padding="valid", activation="relu", strides=1)(x)
    x = L.GlobalMaxPooling1D()(x)
    x = L.Dense(16, activation="relu")(x)
    return keras.Model(inputs, L.Dense(1, activation="sigmoid")(x), name="text_cnn")


def timeseries_fcn():
    """keras.io/examples/timeseries/timeseries_classification_from_scratch (smaller)."""
    L = keras.layers
    inputs = keras.Input((50, 1))
    x = inputs
    for _ in range(3):
        x = L.Conv1D(16, 3, padding="same")(x)
        x = L.BatchNormalization()(x)
        x = L.ReLU()(x)
    x = L.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, L.Dense(2, activation="softmax")(x), name="timeseries_fcn")


def transformer_text_classifier():
    """keras.io/examples/nlp/text_classification_with_transformer (smaller): token and
    position Embeddings added (the positions as a second input: Keras's example makes
    them with ops.arange inside a custom layer), a transformer block (MultiHeadAttention,
    residual + LayerNormalization, a Sequential feed-forward), pooling, classifier."""
    L = keras.layers
    tokens, positions = keras.Input((12,), dtype="int64"), keras.Input((12,), dtype="int64")
    x = L.Embedding(200, 16)(tokens) + L.Embedding(200, 16)(positions)
    attention = L.MultiHeadAttention(num_heads=2, key_dim=16)(x, x)
    x = L.LayerNormalization(epsilon=1e-6)(x + L.Dropout(0.1)(attention))
    ffn = keras.Sequential([L.Dense(32, activation="relu"), L.Dense(16)], name="ffn")
    x = L.LayerNormalization(epsilon=1e-6)(x + L.Dropout(0.1)(ffn(x)))
    x = L.Dropout(0.1)(L.GlobalAveragePooling1D()(x))
    x = L.Dense(20, activation="relu")(x)
    return keras.Model([tokens, positions], L.Dense(2, activation="softmax")(x),
                       name="transformer_text_classifier")


def timeseries_transformer():
    """keras.io/examples/timeseries/timeseries_classification_transformer (smaller): two
    pre-norm encoder blocks (attention dropout > 0: tf.keras's Softmax-layer path, a
    causal mask in the second), Conv1D feed-forward, channels_first pooling, MLP head."""
    L = keras.layers
    inputs = keras.Input((20, 3))
    x = inputs
    for causal in (False, True):
        y = L.LayerNormalization(epsilon=1e-6)(x)
        y = L.MultiHeadAttention(key_dim=8, num_heads=2, dropout=0.25)(
            y, y, use_causal_mask=causal)
        residual = L.Dropout(0.25)(y) + x
        y = L.LayerNormalization(epsilon=1e-6)(residual)
        y = L.Conv1D(filters=4, kernel_size=1, activation="relu")(y)
        y = L.Conv1D(filters=3, kernel_size=1)(L.Dropout(0.25)(y))
        x = y + residual
    x = L.GlobalAveragePooling1D(data_format="channels_first")(x)
    x = L.Dropout(0.4)(L.Dense(16, activation="relu")(x))
    return keras.Model(inputs, L.Dense(3, activation="softmax")(x),
                       name="timeseries_transformer")


def text_bidirectional_lstm():
    """keras.io/examples/nlp/bidirectional_lstm_imdb (smaller), padding index 0 masked."""
    L = keras.layers
    inputs = keras.Input((40,), dtype="int64")
    x = L.Embedding(200, 16, mask_zero=True)(inputs)
    x = L.Bidirectional(L.LSTM(8, return_sequences=True))(x)
    x = L.Bidirectional(L.LSTM(8))(x)
    return keras.Model(inputs, L.Dense(1, activation="sigmoid")(x), name="text_bilstm")


def stacked_gru():
    """Stacked recurrent layers returning sequences, a per-step Dense, a last SimpleRNN."""
    L = keras.layers
    return keras.Sequential([
        keras.Input((20, 3)), L.GRU(16, return_sequences=True),
        L.GRU(8, return_sequences=True, reset_after=False), L.TimeDistributed(L.Dense(4)),
        L.SimpleRNN(4), L.Dense(1)], name="stacked_gru")


def timeseries_weather_lstm():
    """keras.io/examples/timeseries/timeseries_weather_forecasting (smaller)."""
    L = keras.layers
    inputs = keras.Input((24, 7))
    return keras.Model(inputs, L.Dense(1)(L.LSTM(16)(inputs)), name="weather_lstm")


def lstm_seq2seq():
    """keras.io/examples/nlp/lstm_seq2seq (smaller): the encoder's final states are the
    decoder's initial_state."""
    L = keras.layers
    encoder_inputs, decoder_inputs = keras.Input((9, 12)), keras.Input((7, 10))
    _, h, c = L.LSTM(16, return_state=True)(encoder_inputs)
    decoded = L.LSTM(16, return_sequences=True)(decoder_inputs, initial_state=[h, c])
    return keras.Model([encoder_inputs, decoder_inputs],
                       L.Dense(10, activation="softmax")(decoded), name="lstm_seq2seq")


CITIES = ["oslo", "lima", "pune", "kyiv", "baku", "doha"]  # string features' values


def structured_data():
    """keras.io/examples/structured_data/structured_data_classification_from_scratch
    (smaller): a string and an integer category looked up (vocabularies adapted, so
    they travel as assets) and one-hot / multi-hot encoded, a numeric column normalized
    and another bucketized, all concatenated into a Dense network."""
    L, rng = keras.layers, np.random.default_rng(5)
    city, code = keras.Input((1,), dtype="string", name="city"), \
        keras.Input((1,), dtype="int64", name="code")
    age, income = keras.Input((1,), name="age"), keras.Input((1,), name="income")
    cities = L.StringLookup(output_mode="one_hot")
    cities.adapt(rng.choice(CITIES[:4], (40, 1)))  # the others are out of vocabulary
    codes = L.IntegerLookup(output_mode="multi_hot", num_oov_indices=2)
    codes.adapt(rng.integers(0, 150, (60, 1)))
    ages = L.Normalization()
    ages.adapt(rng.random((30, 1)))
    incomes = L.Discretization(num_bins=4, output_mode="one_hot")
    incomes.adapt(rng.random((50, 1)))
    x = L.Concatenate()([cities(city), codes(code), ages(age), incomes(income)])
    x = L.Dropout(0.5)(L.Dense(32, activation="relu")(x))
    return keras.Model([city, code, age, income], L.Dense(1, activation="sigmoid")(x),
                       name="structured_data")


def ct_scan_3d_cnn():
    """keras.io/examples/vision/3D_image_classification (CT scans), smaller: four blocks of
    Conv3D, MaxPool3D and BatchNormalization, then GlobalAveragePooling3D, Dense,
    Dropout, Dense."""
    L = keras.layers
    inputs = keras.Input((64, 64, 48, 1))
    x = inputs
    for filters in (8, 8, 16, 32):
        x = L.Conv3D(filters, 3, activation="relu")(x)
        x = L.MaxPool3D(2)(x)
        x = L.BatchNormalization()(x)
    x = L.GlobalAveragePooling3D()(x)
    x = L.Dense(32, activation="relu")(x)
    x = L.Dropout(0.3)(x)
    return keras.Model(inputs, L.Dense(1, activation="sigmoid")(x), name="3dcnn")


def video_autoencoder():
    """A video (frames, rows, cols, channels) encoder-decoder with the other 3D layers:
    ZeroPadding3D, strided and grouped Conv3D, AveragePooling3D 'same', SpatialDropout3D,
    Conv3DTranspose, UpSampling3D, Cropping3D, a GlobalMaxPooling3D side output."""
    L = keras.layers
    inputs = keras.Input((8, 16, 16, 3))
    x = L.ZeroPadding3D((0, 1, 1))(inputs)
    x = L.Conv3D(8, 3, strides=(1, 2, 2), activation="relu")(x)
    x = L.Conv3D(8, (3, 1, 1), padding="same", groups=2, activation="relu")(x)
    x = L.AveragePooling3D((2, 2, 2), strides=(2, 1, 1), padding="same")(x)
    x = L.SpatialDropout3D(0.2)(x)
    code = L.GlobalMaxPooling3D(name="code")(x)
    x = L.Conv3DTranspose(6, (2, 3, 3), strides=(2, 1, 1), padding="same",
                          activation="relu")(x)
    x = L.UpSampling3D((1, 2, 2))(x)
    x = L.Cropping3D(((0, 1), (1, 1), (0, 2)))(x)
    frames = L.Conv3D(3, 1, activation="sigmoid", name="frames")(x)
    return keras.Model(inputs, [frames, code], name="video_autoencoder")


A = keras.applications
# name: (family, builder); the first of each family is the quick tier's
MODELS = {
    "ConvNeXtTiny": ("convnext", _apps(A.ConvNeXtTiny, (32, 32, 3))),
    "DenseNet121": ("densenet", _apps(A.DenseNet121, (32, 32, 3))),
    "EfficientNetB0": ("efficientnet", _apps(A.EfficientNetB0, (32, 32, 3))),
    "EfficientNetV2B0": ("efficientnet_v2", _apps(A.EfficientNetV2B0, (32, 32, 3))),
    "InceptionResNetV2": ("inception_resnet_v2", _apps(A.InceptionResNetV2, (75, 75, 3))),
    "InceptionV3": ("inception_v3", _apps(A.InceptionV3, (75, 75, 3))),
    "MobileNet": ("mobilenet", _apps(A.MobileNet, (32, 32, 3), alpha=0.25)),
    "MobileNetV2": ("mobilenet_v2", _apps(A.MobileNetV2, (32, 32, 3), alpha=0.35)),
    "MobileNetV3Small": ("mobilenet_v3", _apps(A.MobileNetV3Small, (32, 32, 3), alpha=0.75)),
    "MobileNetV3Large": ("mobilenet_v3", _apps(A.MobileNetV3Large, (32, 32, 3), alpha=0.75)),
    "NASNetMobile": ("nasnet", _apps(A.NASNetMobile, (32, 32, 3))),
    "ResNet50": ("resnet", _apps(A.ResNet50, (32, 32, 3))),
    "ResNet50V2": ("resnet_v2", _apps(A.ResNet50V2, (32, 32, 3))),
    "VGG16": ("vgg", _apps(A.VGG16, (32, 32, 3))),
    "VGG19": ("vgg", _apps(A.VGG19, (32, 32, 3))),
    "Xception": ("xception", _apps(A.Xception, (71, 71, 3))),
    "image_classification": ("examples", image_classification_from_scratch),
    "autoencoder_transpose": ("examples", autoencoder_transpose),
    "autoencoder_upsampling": ("examples", autoencoder_upsampling),
    "dcgan_generator": ("examples", dcgan_generator),
    "dcgan_discriminator": ("examples", dcgan_discriminator),
    "text_cnn": ("examples", text_cnn),
    "timeseries_fcn": ("examples", timeseries_fcn),
    "transformer_text_classifier": ("examples", transformer_text_classifier),
    "timeseries_transformer": ("examples", timeseries_transformer),
    "text_bilstm": ("examples", text_bidirectional_lstm),
    "stacked_gru": ("examples", stacked_gru),
    "timeseries_weather_lstm": ("examples", timeseries_weather_lstm),
    "lstm_seq2seq": ("examples", lstm_seq2seq),
    "structured_data": ("examples", structured_data),
    "ct_scan_3d_cnn": ("volumes", ct_scan_3d_cnn),
    "video_autoencoder": ("volumes", video_autoencoder),
    # graphs.py; the applications variants join their family (the quick tier skips them)
    **{name: ({"MobileNet": "mobilenet", "MobileNetV2": "mobilenet_v2",
               "MobileNetV3Small": "mobilenet_v3", "EfficientNetB0": "efficientnet"}.get(
                   name.split("_")[0], "graphs"), build)
       for name, build in GRAPHS.items()},
    **{name: ("graphs", build) for name, build in NEWER_LAYERS.items()},
}


def quick_names():
    """One model per family (the first listed); the examples are each their own."""
    seen, names = set(), []
    for name, (family, _) in MODELS.items():
        if family in ("examples", "graphs", "volumes") or family not in seen:
            names.append(name)
            seen.add(family)
    return names


def randomize_batchnorm(model, seed=0):
    """Non-trivial BatchNormalization statistics and scales (defaults would hide bugs)."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        path = weight.path
        if "moving_variance" in path or path.endswith("gamma"):
            weight.assign(rng.uniform(0.5, 1.5, weight.shape).astype(weight.dtype))
        elif "moving_mean" in path or path.endswith("beta"):
            weight.assign((rng.standard_normal(weight.shape) * 0.1).astype(weight.dtype))


# Models that rescale raw 0..255 pixels themselves (a Rescaling / Normalization layer);
# the others get inputs in [0, 1], as they expect preprocessed images. Raw pixels into a
# model that does not rescale saturate its sigmoid/softmax, where float32 keeps no
# relative accuracy (an output of 1e-9 from a pre-activation of -20).
RAW_PIXELS = ("ConvNeXtTiny", "EfficientNetB0", "EfficientNetV2B0", "MobileNetV3Small",
              "MobileNetV3Large", "image_classification", "EfficientNetB0_notop_1_channel",
              "MobileNetV3Small_notop_max_40x48")
UNKNOWN_SIZE = 32  # what an Input's None spatial dimension gets


def sample_input(model, name, batch=2, seed=1):
    """Inputs in the model's structure (one array, a list, or a dict by input name)."""
    rng = np.random.default_rng(seed)

    def one(tensor):
        shape = (batch, *(UNKNOWN_SIZE if d is None else d for d in tensor.shape[1:]))
        if str(tensor.dtype) == "string":
            return rng.choice(CITIES, shape)
        if "int" in str(tensor.dtype):
            return rng.integers(0, 200, shape).astype(str(tensor.dtype))
        return (rng.random(shape) * (255 if name in RAW_PIXELS else 1)).astype("float32")

    structure = getattr(model, "_inputs_struct", model.inputs)  # a Sequential: inputs
    if isinstance(structure, dict):
        return {key: one(tensor) for key, tensor in structure.items()}
    if isinstance(structure, (list, tuple)) and len(structure) > 1:
        arrays = [one(t) for t in structure]
        if any(a.dtype.kind == "U" for a in arrays):  # tf.keras refuses NumPy str
            return as_tensors(arrays)                 # arrays and a mix with tensors
        return arrays
    return one(structure[0] if isinstance(structure, (list, tuple)) else structure)


def as_tensors(arrays):
    import tensorflow as tf
    return [tf.constant(a) for a in arrays]


def leaves(structure):
    """The arrays of a model's outputs in a fixed order (a dict's by key)."""
    if isinstance(structure, dict):
        return [a for key in sorted(structure) for a in leaves(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [a for item in structure for a in leaves(item)]
    return [structure]


def as_numpy(structure):
    if isinstance(structure, dict):
        return {key: as_numpy(value) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [as_numpy(item) for item in structure]
    return np.asarray(structure)


def relative_error(got, ref):
    """(max |got - ref| / scale, ok) with harness.compare's float32 tolerance; several
    outputs: the worst of them."""
    got, ref = leaves(got), leaves(ref)
    if len(got) != len(ref):
        return float("inf"), False
    worst, all_ok = 0.0, True
    for g, r in zip(got, ref):
        g, r = np.asarray(g, np.float64), np.asarray(r, np.float64)
        if g.shape != r.shape:
            return float("inf"), False
        scale = float(np.max(np.abs(r))) or 1.0
        err = np.abs(g - r)
        worst = max(worst, float(err.max() / scale))
        all_ok &= bool(np.all(err <= RTOL * np.abs(r) + RTOL * scale))
    return worst, all_ok


def summary_text(model, line_length=120):
    out = []
    model.summary(print_fn=lambda s, **kw: out.append(s), line_length=line_length)
    return "".join(out)


# Families whose check also moves .weights.h5 files both ways and loads the legacy .h5.
WEIGHT_FILE_FAMILIES = ("graphs", "volumes")


def check(name, weight_files=None):
    """Build `name` in tf.keras, save, load in kerasmini, compare, save back.

    Returns a dict: loads, predictions (relative error, ok), worst layer (name, relative
    error, ok), summary_equal, saved_back (relative error, ok), seconds; or
    {'loads': False, 'error': message} when kerasmini cannot load the file. With
    `weight_files`: also weights_h5 (tf.keras's .weights.h5 into kerasmini's model and
    kerasmini's into tf.keras's) and legacy_h5 (tf.keras's legacy .h5 loaded), each
    (relative error, ok).
    """
    start = time.perf_counter()
    family, build = MODELS[name]
    keras.utils.set_random_seed(zlib.crc32(name.encode()))  # the same weights every run
    tf_model = build()
    randomize_batchnorm(tf_model)
    x = sample_input(tf_model, name)
    result = {"name": name, "family": family, "params": tf_model.count_params()}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "tf.keras")
        tf_model.save(path)
        try:
            km_model = kerasmini.models.load_model(path)
        except Exception as error:  # reported, and the test fails on it
            result.update(loads=False, error=f"{type(error).__name__}: {error}")
            return result
        result["loads"] = True
        # eager calls, not predict(): tracing a tf.function per model costs seconds
        expected = as_numpy(tf_model(x, training=False))
        result["predictions"] = relative_error(km_model.predict(x, verbose=0), expected)
        result["worst_layer"] = _worst_layer(tf_model, km_model, x)
        result["summary_equal"] = summary_text(km_model) == summary_text(tf_model)
        back = os.path.join(folder, "km.keras")
        km_model.save(back)
        reloaded = keras.models.load_model(back)
        result["saved_back"] = relative_error(reloaded(x, training=False), expected)
        if weight_files if weight_files is not None else family in WEIGHT_FILE_FAMILIES:
            result.update(_weight_files(tf_model, km_model, reloaded, x, expected, folder))
    result["seconds"] = time.perf_counter() - start
    return result


def _weight_files(tf_model, km_model, reloaded, x, expected, folder):
    """.weights.h5 both ways (into models whose weights were scrambled first) and
    tf.keras's legacy .h5 file loaded by kerasmini."""
    weights, legacy = os.path.join(folder, "tf.weights.h5"), os.path.join(folder, "tf.h5")
    tf_model.save_weights(weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "HDF5 is legacy": that is the point
        tf_model.save(legacy)
    for model in (km_model, reloaded):
        model.set_weights([np.zeros_like(np.asarray(w)) for w in model.get_weights()])
    km_model.load_weights(weights)
    km_weights = os.path.join(folder, "km.weights.h5")
    km_model.save_weights(km_weights)
    reloaded.load_weights(km_weights)
    both = [km_model.predict(x, verbose=0), reloaded(x, training=False)]
    errors = [relative_error(got, expected) for got in both]
    return {"weights_h5": (max(e for e, _ in errors), all(ok for _, ok in errors)),
            "legacy_h5": relative_error(kerasmini.models.load_model(legacy).predict(
                x, verbose=0), expected)}


def layer_outputs(model, library, x):
    """[(name, output)] for every operation call of `model` on x (nested models whole;
    a shared layer once per call, named `name[call]`).

    A functional model is asked for all its calls' outputs in one pass (Keras keys its
    own calls as make_node_key does); a Sequential is run layer by layer.
    """
    if isinstance(model, library.Sequential):
        outputs = []
        for layer in model.layers:
            x = layer(x, training=False)
            outputs.append((layer.name, np.asarray(x)))
        return outputs
    names, tensors = [], []
    for op in model._operations:
        if type(op).__name__ == "InputLayer":
            continue
        calls = [node for i, node in enumerate(op._inbound_nodes)
                 if (f"{id(op)}_ib-{i}" if library is keras else node) in model._nodes]
        for call, node in enumerate(calls):  # a shared layer: each of its calls
            for index, tensor in enumerate(node.outputs):
                names.append(op.name + (f"[{call}]" if len(calls) > 1 else "")
                             + (f"[{index}]" if len(node.outputs) > 1 else ""))
                tensors.append(tensor)
    values = library.Model(model._inputs_struct, tensors)(x, training=False)
    values = values if len(tensors) > 1 else [values]  # Keras unwraps a list of one
    return [(name, np.asarray(v)) for name, v in zip(names, values)]


def _worst_layer(tf_model, km_model, x):
    """(name, relative error, ok) of the layer farthest from tf.keras (the first failing
    one if any fails)."""
    worst = (None, 0.0, True)
    tf_outputs = layer_outputs(tf_model, keras, x)
    km_outputs = layer_outputs(km_model, kerasmini, x)
    if [n for n, _ in tf_outputs] != [n for n, _ in km_outputs]:
        return ("(the two models list different operations)", float("inf"), False)
    for (name, ref), (_, got) in zip(tf_outputs, km_outputs):
        error, ok = relative_error(got, ref)
        if not ok:
            return (name, error, ok)
        if error >= worst[1]:
            worst = (name, error, ok)
    return worst


# ----- the README table -----------------------------------------------------------------
BEGIN, END = "<!-- applications table: begin -->", "<!-- applications table: end -->"


def readme_section(text):
    """The table between the markers in README.md's text, or None."""
    if BEGIN not in text or END not in text:
        return None
    return text[text.index(BEGIN) + len(BEGIN):text.index(END)]


def table_row(r):
    if not r["loads"]:
        missing = r["error"].split("'")[1] if "'" in r["error"] else r["error"][:60]
        return (f"| {r['name']} | {r['family']} | {r['params']:,} | no: needs `{missing}` "
                "| | | | | |")
    layer, error, ok = r["worst_layer"]
    yes = {True: "yes", False: "**no**"}
    files = (f"{yes[r['weights_h5'][1]]} / {yes[r['legacy_h5'][1]]}" if "weights_h5" in r
             else "-")  # not run for the applications: see check()
    return (f"| {r['name']} | {r['family']} | {r['params']:,} | yes "
            f"| {yes[r['predictions'][1]]} ({r['predictions'][0]:.1e}) "
            f"| {error:.1e} (`{layer}`){'' if ok else ' **fails**'} "
            f"| {yes[r['summary_equal']]} | {yes[r['saved_back'][1]]} | {files} |")


def write_table(results, readme_path):
    """Write the rows of `results` into README's table; rows of models not re-checked
    (`python -m conformance.models.applications NAME ...`) are kept as they were."""
    with open(readme_path) as f:
        text = f.read()
    rows = {r["name"]: table_row(r) for r in results}
    for line in (readme_section(text) or "").splitlines():
        name = line.split("|")[1].strip() if line.startswith("| ") else None
        if name in MODELS and name not in rows:
            rows[name] = line
    header = ("\n| Model | Family | Params | Loads | Predictions match (rel. err.) "
              "| Worst layer (rel. err.) | Same summary | tf.keras reads it back "
              "| .weights.h5 both ways / legacy .h5 |\n"
              "|---|---|---|---|---|---|---|---|---|\n")
    table = header + "\n".join(rows[name] for name in MODELS if name in rows) + "\n"
    if readme_section(text) is None:
        text += f"\n{BEGIN}{table}{END}\n"
    else:
        text = text[:text.index(BEGIN) + len(BEGIN)] + table + text[text.index(END):]
    with open(readme_path, "w") as f:
        f.write(text)


def main(names):
    readme = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise SystemExit(f"unknown models {unknown}; choose from {list(MODELS)}")
    results = []
    for name in names or MODELS:
        results.append(check(name))
        r = results[-1]
        print(name, "loads" if r["loads"] else r["error"][:100], flush=True)
    write_table(results, readme)
    print(f"table written to {os.path.normpath(readme)}")


if __name__ == "__main__":
    import sys
    main(sys.argv[1:])
