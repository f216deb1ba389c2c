"""Random CNNs built in both libraries: summaries (as text), param counts, predictions
after a weight copy, and .keras / .weights.h5 files moved both ways."""
import os
import tempfile
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance.models import tf_keras

keras = tf_keras()  # fails loudly here without TensorFlow
ATOL = 1e-5  # float32: outputs are O(1)


def done_when(lib):
    L = lib.layers
    return lib.Sequential([
        # explicit names: auto-names depend on how many layers each library made before
        lib.Input((28, 28, 1)), L.Conv2D(32, kernel_size=(3, 3), activation="relu", name="conv2d"),
        L.MaxPooling2D(pool_size=(2, 2), name="max_pooling2d"),
        L.Conv2D(64, kernel_size=(3, 3), activation="relu", name="conv2d_1"),
        L.MaxPooling2D(pool_size=(2, 2), name="max_pooling2d_1"), L.Flatten(name="flatten"),
        L.Dropout(0.5, name="dropout"), L.Dense(10, activation="softmax", name="dense")],
        name="sequential")


def every_layer(lib):
    """A Sequential through each new single-input layer."""
    L = lib.layers
    return lib.Sequential([
        lib.Input((20, 18, 2)), L.Rescaling(1 / 2.0, offset=0.1, name="rescale"),
        L.Conv2D(6, 3, padding="same", name="c1"), L.BatchNormalization(name="bn"),
        L.ReLU(max_value=2.0, name="relu"), L.ZeroPadding2D(((1, 0), (2, 1)), name="zp"),
        L.Cropping2D(((0, 1), (1, 1)), name="crop"),
        L.AveragePooling2D(3, strides=2, padding="same", name="avg"),
        L.LeakyReLU(name="leaky"), L.ELU(0.7, name="elu"), L.Activation("tanh", name="act"),
        L.MaxPooling2D(2, padding="same", name="mp"), L.Reshape((-1, 6), name="rs"),
        L.Conv1D(4, 3, padding="same", name="c1d"), L.MaxPooling1D(2, name="mp1"),
        L.Flatten(name="fl"), L.Dropout(0.3, name="drop"), L.Dense(5, name="d"),
        L.Softmax(name="sm")], name="every_layer")


def graph(lib):
    """Branches and merges, global pooling both ways, a shared Dense."""
    L = lib.layers
    x = lib.Input((12, 12, 3), name="img")
    a = L.Conv2D(4, 3, padding="same", activation="relu", name="a")(x)
    b = L.Conv2D(4, 1, name="b")(x)
    s = L.Add(name="add")([a, b])
    c = L.Concatenate(name="cat")([s, a])
    g1 = L.GlobalAveragePooling2D(name="gap")(c)
    g2 = L.GlobalMaxPooling2D(name="gmp")(c)
    out = L.Dense(3, name="head")(L.Concatenate(name="cat2")([g1, g2]))
    return lib.Model(x, out, name="graph")


def conv_family(lib):
    """The depthwise, separable and transposed convolutions and the resizing layers."""
    L = lib.layers
    return lib.Sequential([
        lib.Input((14, 12, 3)), L.Resizing(16, 16, name="resize"),
        L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, name="dw"),
        L.SeparableConv2D(5, 3, padding="same", activation="relu", name="sep"),
        L.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1, name="up_t"),
        L.UpSampling2D(2, interpolation="bilinear", name="up_b"),
        L.CenterCrop(20, 18, name="crop"), L.UpSampling2D((1, 2), name="up_n"),
        L.GlobalMaxPooling2D(keepdims=True, name="gmp"), L.Flatten(name="fl"),
        L.Dense(3, name="d")], name="conv_family")


def sequence_family(lib):
    """The 1D layers: causal, depthwise, separable and transposed convolutions, pooling,
    up-sampling, padding and cropping, global pooling both ways."""
    L = lib.layers
    x = lib.Input((24, 3), name="seq")
    y = L.Conv1D(6, 3, padding="causal", dilation_rate=2, name="causal")(x)
    y = L.DepthwiseConv1D(3, depth_multiplier=2, padding="same", name="dw1")(y)
    y = L.SeparableConv1D(5, 3, strides=2, name="sep1")(y)
    y = L.Conv1DTranspose(4, 3, strides=2, name="up_t1")(y)
    y = L.AveragePooling1D(2, name="avg1")(y)
    y = L.UpSampling1D(3, name="up1")(y)
    y = L.ZeroPadding1D((1, 2), name="zp1")(y)
    y = L.Cropping1D((2, 1), name="crop1")(y)
    a = L.GlobalAveragePooling1D(name="gap1")(y)
    b = L.GlobalMaxPooling1D(name="gmp1")(y)
    return lib.Model(x, L.Dense(2, name="head")(L.Concatenate(name="cat")([a, b])),
                     name="sequence_family")


MODELS = [("done_when", done_when, (28, 28, 1)), ("every_layer", every_layer, (20, 18, 2)),
          ("graph", graph, (12, 12, 3)), ("conv_family", conv_family, (14, 12, 3)),
          ("sequence_family", sequence_family, (24, 3))]


def summary_text(model, line_length, **options):
    out = []
    model.summary(print_fn=lambda s, **kw: out.append(s), line_length=line_length, **options)
    return "".join(out)


def random_weights(model, seed):
    rng = np.random.default_rng(seed)
    return [(rng.random(w.shape) + 0.5 if "variance" in w.path else
             rng.standard_normal(w.shape) * 0.3).astype("float32") for w in model.weights]


class ModelConformanceTest(unittest.TestCase):
    def twins(self, build, seed=0):
        km, tf = build(kerasmini), build(keras)
        weights = random_weights(tf, seed)
        tf.set_weights(weights)
        km.set_weights(weights)
        return km, tf

    @parameterized.expand(MODELS)
    def test_summary_params_and_predictions(self, name, build, shape):
        km, tf = self.twins(build)
        for line_length in (None, 76, 100, 120):
            self.assertEqual(summary_text(km, line_length), summary_text(tf, line_length),
                             f"{name}: summary differs at line_length={line_length}")
        km.layers[1].trainable = tf.layers[1].trainable = False  # one "N" in the column
        for show_trainable, (first, last) in ((True, (0, -1)), (False, (1, -2)),
                                              (True, (-2, 1))):
            texts = [summary_text(m, 100, show_trainable=show_trainable, layer_range=[
                m.layers[first].name, m.layers[last].name]) for m in (km, tf)]
            self.assertEqual(*texts, f"{name}: summary(show_trainable={show_trainable}, "
                             f"layer_range=layers {first}..{last}) differs")
        km.layers[1].trainable = tf.layers[1].trainable = True
        self.assertEqual(km.count_params(), tf.count_params())
        self.assertEqual([w.shape for w in km.weights], [tuple(w.shape) for w in tf.weights])
        x = np.random.default_rng(1).random((37, *shape)).astype("float32")
        a = km.predict(x, batch_size=16, verbose=0)
        b = tf.predict(x, batch_size=16, verbose=0)
        np.testing.assert_allclose(a, b, atol=ATOL, rtol=1e-5, err_msg=name)

    @parameterized.expand(MODELS)
    def test_files_both_ways(self, name, build, shape):
        km, tf = self.twins(build, seed=3)
        x = np.random.default_rng(2).random((9, *shape)).astype("float32")
        expected = tf.predict(x, verbose=0)
        with tempfile.TemporaryDirectory() as d:
            tf.save(os.path.join(d, "tf.keras"))
            from_tf = kerasmini.models.load_model(os.path.join(d, "tf.keras"))
            np.testing.assert_allclose(from_tf.predict(x, verbose=0), expected, atol=ATOL,
                                       rtol=1e-5, err_msg=f"{name}: tf.keras -> kerasmini")
            self.assertEqual(summary_text(from_tf, 90), summary_text(tf, 90))

            km.save(os.path.join(d, "km.keras"))
            from_km = keras.models.load_model(os.path.join(d, "km.keras"))
            np.testing.assert_allclose(from_km.predict(x, verbose=0), expected, atol=ATOL,
                                       rtol=1e-5, err_msg=f"{name}: kerasmini -> tf.keras")

            fresh_tf, fresh_km = build(keras), build(kerasmini)
            km.save_weights(os.path.join(d, "km.weights.h5"))
            fresh_tf.load_weights(os.path.join(d, "km.weights.h5"))
            tf.save_weights(os.path.join(d, "tf.weights.h5"))
            fresh_km.load_weights(os.path.join(d, "tf.weights.h5"))
            for got in (fresh_tf.predict(x, verbose=0), fresh_km.predict(x, verbose=0)):
                np.testing.assert_allclose(got, expected, atol=ATOL, rtol=1e-5,
                                           err_msg=f"{name}: .weights.h5")

    def test_trained_model_from_tf_keras(self):
        """A model fitted in tf.keras loads and agrees, compiled with its optimizer state."""
        tf = every_layer(keras)
        rng = np.random.default_rng(5)
        x = rng.random((32, 20, 18, 2)).astype("float32")
        tf.compile("adam", "categorical_crossentropy")
        tf.fit(x, np.eye(5)[rng.integers(0, 5, 32)], epochs=2, verbose=0)
        with tempfile.TemporaryDirectory() as d:
            tf.save(os.path.join(d, "trained.keras"))
            km = kerasmini.models.load_model(os.path.join(d, "trained.keras"))
        self.assertEqual(int(km.optimizer.iterations.value), int(tf.optimizer.iterations))
        for km_state, tf_state in zip(km.optimizer.variables, tf.optimizer.variables):
            np.testing.assert_array_equal(km_state.numpy(), tf_state.numpy())
        np.testing.assert_allclose(km.predict(x, verbose=0), tf.predict(x, verbose=0),
                                   atol=ATOL, rtol=1e-5)


def _layer_cases():
    return [
        ("AveragePooling2D", dict(pool_size=3, strides=2, padding="same"), (2, 7, 9, 3)),
        ("AveragePooling2D", dict(pool_size=(2, 3), padding="valid",
                                  data_format="channels_first"), (2, 3, 7, 9)),
        ("GlobalAveragePooling2D", dict(keepdims=True), (2, 5, 6, 3)),
        ("GlobalMaxPooling2D", dict(data_format="channels_first"), (2, 3, 5, 6)),
        ("ZeroPadding2D", dict(padding=((1, 2), (0, 3))), (2, 4, 5, 3)),
        ("Cropping2D", dict(cropping=((1, 2), (0, 1))), (2, 6, 5, 3)),
        ("Flatten", dict(data_format="channels_first"), (2, 3, 4, 5)),
        ("Reshape", dict(target_shape=(-1, 3)), (2, 4, 6)),
        ("ReLU", dict(max_value=1.0, negative_slope=0.1, threshold=0.2), (2, 9)),
        ("LeakyReLU", dict(negative_slope=0.2), (2, 9)),
        ("Softmax", dict(axis=1), (2, 4, 5)),
        ("ELU", dict(alpha=0.5), (2, 9)),
        ("Activation", dict(activation="gelu"), (2, 9)),
        ("Rescaling", dict(scale=0.5, offset=-1.0), (2, 9)),
        ("Dropout", dict(rate=0.4), (2, 9)),
        ("BatchNormalization", dict(axis=1, epsilon=0.01), (2, 4, 5)),
        ("Conv1D", dict(filters=4, kernel_size=3, strides=2, padding="same"), (2, 11, 3)),
        ("Conv1D", dict(filters=4, kernel_size=2, dilation_rate=2, groups=2,
                        data_format="channels_first"), (2, 4, 9)),
        ("MaxPooling1D", dict(pool_size=3, strides=2, padding="same"), (2, 10, 3)),
    ]


class LayerConformanceTest(unittest.TestCase):
    @parameterized.expand([(f"{i}_{c[0]}", *c) for i, c in enumerate(_layer_cases())])
    def test_layer(self, _, class_name, config, shape):
        km = getattr(kerasmini.layers, class_name)(**config)
        tf = getattr(keras.layers, class_name)(**config)
        x = (np.random.default_rng(0).standard_normal(shape) * 2).astype("float32")
        tf_out = np.asarray(tf(x))
        km.build(shape)
        if tf.weights:
            weights = random_weights(tf, 1)
            tf.set_weights(weights)
            km.set_weights(weights)
            tf_out = np.asarray(tf(x))
        km_out = km(x)
        self.assertEqual(km_out.shape, tf_out.shape, (class_name, config))
        np.testing.assert_allclose(km_out, tf_out, atol=ATOL, rtol=1e-5,
                                   err_msg=f"{class_name} {config}")
        self.assertEqual(tuple(km.compute_output_shape((None, *shape[1:]))),
                         tuple(tf.compute_output_shape((None, *shape[1:]))))

    @parameterized.expand([("Add",), ("Concatenate",)])
    def test_merge(self, class_name):
        rng = np.random.default_rng(0)
        xs = [rng.standard_normal((2, 3, 4)).astype("float32") for _ in range(3)]
        km = getattr(kerasmini.layers, class_name)()(xs)
        tf = np.asarray(getattr(keras.layers, class_name)()(xs))
        np.testing.assert_allclose(km, tf, atol=ATOL)
