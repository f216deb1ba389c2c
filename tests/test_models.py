"""Sequential and functional models against the same layers composed by hand; summary
text; predict batching; configs; .keras / .weights.h5 round trips and malformed files."""
import io
import json
import os
import tempfile
import unittest
import zipfile

import numpy as np

import kerasmini as keras
from kerasmini import layers
from kerasmini.models.summary import wrap_cell


def cnn():
    return keras.Sequential([
        keras.Input((28, 28, 1)), layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)), layers.Flatten(), layers.Dropout(0.5),
        layers.Dense(10, activation="softmax")])


def branchy():
    x = keras.Input((8, 8, 3), name="img")
    a = layers.Conv2D(4, 3, padding="same")(x)
    b = layers.Conv2D(4, 1)(x)
    c = layers.Concatenate()([layers.Add()([a, b]), a])
    c = layers.BatchNormalization()(c)
    out = layers.Dense(2)(layers.GlobalAveragePooling2D()(c))
    return keras.Model(x, out), (a, b, c, out)


def images(shape, seed=0):
    return np.random.default_rng(seed).random(shape).astype("float32")


class SequentialTest(unittest.TestCase):
    def test_matches_layers_by_hand(self):
        model = cnn()
        x = images((5, 28, 28, 1))
        by_hand = x
        for layer in model.layers:
            by_hand = layer(by_hand)
        np.testing.assert_array_equal(model(x), by_hand)
        np.testing.assert_array_equal(model.predict(x, verbose=0), by_hand)

    def test_structure_and_weights(self):
        model = cnn()
        self.assertEqual([type(lay).__name__ for lay in model.layers],
                         ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten",
                          "Dropout", "Dense"])
        self.assertEqual(model.count_params(), 320 + 18496 + 16010)
        self.assertEqual([w.shape for w in model.weights],
                         [(3, 3, 1, 32), (32,), (3, 3, 32, 64), (64,), (1600, 10), (10,)])
        self.assertIs(model.get_layer(index=0), model.layers[0])
        self.assertIs(model.get_layer(name=model.layers[-1].name), model.layers[-1])
        with self.assertRaises(ValueError):
            model.get_layer(name="nope")
        other = cnn()
        other.set_weights(model.get_weights())
        x = images((2, 28, 28, 1))
        np.testing.assert_array_equal(other(x), model(x))
        self.assertEqual(model.compute_output_shape((None, 28, 28, 1)), (None, 10))

    def test_deferred_build_and_add(self):
        model = keras.Sequential()
        model.add(layers.Dense(4, activation="relu"))
        model.add(layers.Dense(2))
        self.assertFalse(model.built)
        y = model(images((3, 5)))
        self.assertEqual(y.shape, (3, 2))
        self.assertTrue(model.built)
        with_shape = keras.Sequential([layers.Dense(4, input_shape=(5,)), layers.Dense(2)])
        self.assertTrue(with_shape.built)
        self.assertEqual(with_shape.count_params(), 24 + 10)

    def test_build_without_input_keeps_the_first_layers_dtype(self):
        # Keras makes the implied Input of the first layer's dtype: a float64 stack built
        # from a shape computes in float64, not on inputs rounded to float32
        model = keras.Sequential([layers.Dense(3, dtype="float64")])
        model.build((2, 4))
        x = np.random.default_rng(0).standard_normal((2, 4))
        kernel, bias = model.layers[0].get_weights()
        np.testing.assert_allclose(model(x), x @ kernel + bias, rtol=1e-15, atol=1e-15)

    def test_bad_stack_fails_at_build_naming_the_layer(self):
        with self.assertRaisesRegex(ValueError, "conv"):
            keras.Sequential([keras.Input((4,)), layers.Conv2D(2, 3, name="conv_x")])

    def test_predict_batches(self):
        model = cnn()
        x = images((21, 28, 28, 1))
        full = model(x)
        for batch_size in (1, 7, 32):
            np.testing.assert_allclose(model.predict(x, batch_size=batch_size, verbose=0),
                                       full, rtol=1e-6, atol=1e-7)
        with self.assertRaises(ValueError):
            model.predict(x, batch_size=0)

    def test_dropout_only_when_training(self):
        model = keras.Sequential([keras.Input((1000,)), layers.Dropout(0.5)])
        x = np.ones((2, 1000), "float32")
        np.testing.assert_array_equal(model.predict(x, verbose=0), x)
        dropped = model(x, training=True)
        self.assertTrue(0.4 < float((dropped == 0).mean()) < 0.6)


class FunctionalTest(unittest.TestCase):
    def test_matches_layers_by_hand(self):
        model, _ = branchy()
        conv_a, conv_b, add, concat, bn, gap, dense = model.layers[1:]
        x = images((4, 8, 8, 3))
        a, b = conv_a(x), conv_b(x)
        by_hand = dense(gap(bn(concat([add([a, b]), a]))))
        np.testing.assert_array_equal(model(x), by_hand)
        # predict runs batches of 3 and 1: BLAS may round a 1-row matmul differently from a
        # 4-row one (a different kernel), so equal within float32 rounding, not bit for bit.
        np.testing.assert_allclose(model.predict(x, batch_size=3, verbose=0), by_hand,
                                   rtol=1e-6, atol=1e-7)

    def test_layer_order_and_weights(self):
        model, _ = branchy()
        self.assertEqual([type(lay).__name__ for lay in model.layers],
                         ["InputLayer", "Conv2D", "Conv2D", "Add", "Concatenate",
                          "BatchNormalization", "GlobalAveragePooling2D", "Dense"])
        self.assertEqual(len(model.weights), 2 + 2 + 4 + 2)
        self.assertEqual(len(model.trainable_weights), 8)
        self.assertEqual(len(model.non_trainable_weights), 2)

    def test_multiple_inputs_and_outputs(self):
        a, b = keras.Input((3,)), keras.Input((3,))
        s = layers.Add()([a, b])
        model = keras.Model([a, b], [s, layers.Dense(2)(s)])
        xa, xb = images((5, 3)), images((5, 3), 1)
        out = model.predict([xa, xb], batch_size=2, verbose=0)
        np.testing.assert_allclose(out[0], xa + xb)
        self.assertEqual(out[1].shape, (5, 2))

    def test_dict_inputs_and_outputs(self):
        a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
        joined = layers.Concatenate()([a, b])
        model = keras.Model({"a": a, "b": b}, {"same": joined, "sum": layers.Add()([a, a])})
        xa, xb = images((5, 3)), images((5, 2), 1)
        out = model.predict({"b": xb, "a": xa}, batch_size=2, verbose=0)
        self.assertEqual(sorted(out), ["same", "sum"])
        np.testing.assert_array_equal(out["same"], np.concatenate([xa, xb], axis=1))
        np.testing.assert_array_equal(out["sum"], xa + xa)

    def test_dict_keys_order_outputs_layers_and_weights_as_keras(self):
        """Keras flattens a dict by sorted key: a dict of outputs written in another
        order still lists its heads, their layers and their weights by key (a .keras
        file's weights are stored in that layer order)."""
        title, body = keras.Input((3,), name="title"), keras.Input((2,), name="body")
        x = layers.Concatenate()([title, body])
        priority = layers.Dense(1, name="priority")
        department = layers.Dense(3, name="department")
        model = keras.Model({"title": title, "body": body},
                            {"priority": priority(x), "department": department(x)})
        self.assertEqual([t.name for t in model.inputs], ["body", "title"])
        self.assertEqual([l.name for l in model.layers][-2:], ["department", "priority"])
        self.assertEqual([w.shape for w in model.weights], [(5, 3), (3,), (5, 1), (1,)])

    def test_a_list_of_one_output_returns_the_array(self):
        x = keras.Input((3,))
        dense = layers.Dense(2)
        one, two = keras.Model(x, [dense(x)]), keras.Model(x, [dense(x), x])
        data = images((4, 3))
        self.assertIsInstance(one(data), np.ndarray)  # Keras unwraps a list of one
        self.assertIsInstance(one.predict(data, verbose=0), np.ndarray)
        self.assertEqual(len(two(data)), 2)

    def test_nested_model_with_several_outputs(self):
        """A nested model's list or dict of outputs: one tensor per output in the outer
        graph; the config names an output of its first call as node 1, as Keras does."""
        for as_dict in (False, True):
            x = keras.Input((4,))
            a, b = layers.Dense(3, name="a")(x), layers.Dense(2, name="b")(x)
            inner = keras.Model(x, {"a": a, "b": b} if as_dict else [a, b], name="inner")
            y = keras.Input((4,))
            heads = inner(y)
            first, second = (heads["a"], heads["b"]) if as_dict else heads
            self.assertEqual((first.shape, second.shape), ((None, 3), (None, 2)))
            outer = keras.Model(y, [layers.Concatenate()([first, second]), second])
            data = images((5, 4))
            by_hand = inner(data)
            by_hand = [by_hand["a"], by_hand["b"]] if as_dict else by_hand
            joined, alone = outer.predict(data, verbose=0)
            np.testing.assert_array_equal(joined, np.concatenate(by_hand, axis=1))
            np.testing.assert_array_equal(alone, by_hand[1])
            config = outer.get_config()
            self.assertEqual(config["output_layers"][1], ["inner", 1, 1])
            rebuilt = keras.Model.from_config(config)
            rebuilt.set_weights(outer.get_weights())
            for got, want in zip(rebuilt.predict(data, verbose=0), (joined, alone)):
                np.testing.assert_array_equal(got, want)
            lines = []
            outer.summary(print_fn=lines.append, line_length=120)
            self.assertIn("[(None, 3), (None, 2)]", lines[0])

    def test_freezing_a_nested_model_freezes_its_layers(self):
        """base.trainable = False reaches every layer of the base (as Keras): its
        BatchNormalization then uses the moving statistics even with training=True."""
        x = keras.Input((4,))
        early = layers.BatchNormalization(name="early")
        early.trainable = False  # frozen before any model exists: stays frozen
        base = keras.Model(x, layers.BatchNormalization(name="bn")(
            layers.Dense(5, name="d")(early(x))), name="base")
        self.assertFalse(early.trainable)
        y = keras.Input((4,))
        model = keras.Model(y, layers.Dense(2, name="head")(base(y)))
        data = images((6, 4)) * 3 + 1
        self.assertFalse(np.allclose(model(data, training=True), model(data, training=False)))
        base.trainable = False
        self.assertEqual([layer.trainable for layer in base.layers], [False] * 4)
        # inference folds BatchNormalization into the Dense before it (rounding only;
        # unfrozen, the two differ by O(1): batch statistics)
        np.testing.assert_allclose(model(data, training=True), model(data, training=False),
                                   rtol=1e-5, atol=1e-6)
        self.assertEqual([w.path for w in model.trainable_weights], ["head/kernel", "head/bias"])
        base.trainable = True
        self.assertEqual(len(model.trainable_weights), 2 + 2 + 2 + 2)

    def test_disconnected_graph_raises(self):
        a, b = keras.Input((3,)), keras.Input((3,))
        with self.assertRaisesRegex(ValueError, "disconnected"):
            keras.Model(a, layers.Add()([a, b]))

    def test_config_round_trip(self):
        model, _ = branchy()
        again = type(model).from_config(json.loads(json.dumps(model.get_config())))
        self.assertEqual([lay.name for lay in again.layers], [lay.name for lay in model.layers])
        again.set_weights(model.get_weights())
        x = images((2, 8, 8, 3))
        np.testing.assert_array_equal(again(x), model(x))


class SummaryTest(unittest.TestCase):
    def text(self, model, **kwargs):
        out = []
        model.summary(print_fn=out.append, **kwargs)
        return out[0]

    def test_sequential_table(self):
        text = self.text(cnn(), line_length=76)
        lines = text.splitlines()
        self.assertTrue(lines[0].startswith('Model: "sequential'), lines[0])
        self.assertTrue(all(len(line) == 76 for line in lines[1:-3]), text)
        self.assertIn("│ conv2d", text.replace("conv2d_", "conv2d"))
        self.assertIn("(None, 26, 26, 32)", text)
        self.assertIn("(None, 1600)", text)
        self.assertIn("18,496 │", text)
        self.assertEqual(lines[-3], " Total params: 34,826 (136.04 KB)")
        self.assertEqual(lines[-2], " Trainable params: 34,826 (136.04 KB)")
        self.assertEqual(lines[-1], " Non-trainable params: 0 (0.00 B)")

    def test_functional_table_has_connections(self):
        model, _ = branchy()
        text = self.text(model, line_length=76)
        self.assertIn("Connected to", text)
        self.assertIn("img[0][0]", text)
        self.assertIn(" Non-trainable params: 16 (64.00 B)", text)
        self.assertTrue(all(len(line) == 76 for line in text.splitlines()[1:-3]))

    def test_unbuilt(self):
        model = keras.Sequential([layers.Dense(3)])
        self.assertIn("0 (unbuilt)", self.text(model, line_length=80))

    def test_wrapping_rules(self):
        self.assertEqual(wrap_cell("a_very_long_layer_name (Conv2D)", 10, "left"),
                         ["a_very_lo…", "(Conv2D)  "])
        self.assertEqual(wrap_cell("x[0][0], y[0][0]", 10, "left"),
                         ["x[0][0],  ", "y[0][0]   "])
        self.assertEqual(wrap_cell("1,234", 8, "right"), ["   1,234"])


class FilesTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def path(self, name):
        return os.path.join(self.dir.name, name)

    def test_keras_round_trip(self):
        for model in (cnn(), branchy()[0]):
            model.save(self.path("m.keras"))
            loaded = keras.models.load_model(self.path("m.keras"))
            self.assertEqual(type(loaded), type(model))
            x = images((3, *model.input_shape[1:]))
            np.testing.assert_array_equal(loaded.predict(x, verbose=0),
                                          model.predict(x, verbose=0))
            self.assertEqual(self.summary(loaded), self.summary(model))

    def summary(self, model):
        out = []
        model.summary(print_fn=out.append, line_length=90)
        return out[0]

    def test_archive_members_and_weight_keys(self):
        cnn().save(self.path("m.keras"))
        with zipfile.ZipFile(self.path("m.keras")) as zf:
            self.assertEqual(set(zf.namelist()),
                             {"config.json", "metadata.json", "model.weights.h5"})
            config = json.loads(zf.read("config.json"))
            self.assertEqual(config["class_name"], "Sequential")
            import h5py
            with h5py.File(io.BytesIO(zf.read("model.weights.h5"))) as f:
                self.assertEqual(sorted(f["layers"]), [
                    "conv2d", "conv2d_1", "dense", "dropout", "flatten", "max_pooling2d",
                    "max_pooling2d_1"])
                self.assertEqual(f["layers/conv2d_1/vars/0"].shape, (3, 3, 32, 64))

    def test_weights_round_trip(self):
        model, other = cnn(), cnn()
        model.save_weights(self.path("w.weights.h5"))
        other.load_weights(self.path("w.weights.h5"))
        for a, b in zip(model.get_weights(), other.get_weights()):
            np.testing.assert_array_equal(a, b)
        with self.assertRaisesRegex(ValueError, "weights.h5"):
            model.save_weights(self.path("w.h5"))

    # ----- malformed files: each kind gives a clear error, nothing half-loaded -----
    def assert_load_fails(self, path, pattern, exception=ValueError):
        with self.assertRaisesRegex(exception, pattern):
            keras.models.load_model(path)

    def rewrite(self, drop=None, replace=None):
        cnn().save(self.path("good.keras"))
        with zipfile.ZipFile(self.path("good.keras")) as zf:
            members = {n: zf.read(n) for n in zf.namelist()}
        if drop:
            del members[drop]
        members.update(replace or {})
        with zipfile.ZipFile(self.path("bad.keras"), "w") as zf:
            for name, data in members.items():
                zf.writestr(name, data)
        return self.path("bad.keras"), members

    def test_not_a_zip(self):
        with open(self.path("bad.keras"), "wb") as f:
            f.write(b"not a zip file at all")
        self.assert_load_fails(self.path("bad.keras"), "not a zip")

    def test_truncated_zip(self):
        cnn().save(self.path("good.keras"))
        data = open(self.path("good.keras"), "rb").read()
        with open(self.path("bad.keras"), "wb") as f:
            f.write(data[:len(data) // 2])
        self.assert_load_fails(self.path("bad.keras"), "zip|corrupt")

    def test_missing_members(self):
        for member in ("config.json", "model.weights.h5"):
            path, _ = self.rewrite(drop=member)
            self.assert_load_fails(path, f"'{member}' is missing")

    def test_corrupt_config(self):
        path, _ = self.rewrite(replace={"config.json": b"{not json"})
        self.assert_load_fails(path, "not valid JSON")

    def test_unsupported_layer_class(self):
        _, members = self.rewrite()
        config = json.loads(members["config.json"])
        # TFSMLayer (a TensorFlow SavedModel) is one Keras class kerasmini can never make
        config["config"]["layers"][2]["class_name"] = "TFSMLayer"
        path, _ = self.rewrite(replace={"config.json": json.dumps(config)})
        self.assert_load_fails(path, "Unsupported layer class 'TFSMLayer'")
        config["config"]["layers"][2]["class_name"] = "Conv2D"
        config["config"]["layers"][2]["registered_name"] = "mypackage>EvilConv"
        path, _ = self.rewrite(replace={"config.json": json.dumps(config)})
        self.assert_load_fails(path, "Unsupported layer class 'mypackage>EvilConv'")

    def test_corrupt_weights_member(self):
        path, _ = self.rewrite(replace={"model.weights.h5": b"\x89HDF garbage"})
        self.assert_load_fails(path, "not a readable HDF5")

    def test_wrong_weight_shapes(self):
        small = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(8, 3),
                                  layers.Flatten(), layers.Dense(10)])
        small.save_weights(self.path("w.weights.h5"))
        path, _ = self.rewrite(replace={"model.weights.h5":
                                        open(self.path("w.weights.h5"), "rb").read()})
        self.assert_load_fails(path, "shape mismatch|expects")

    def test_failed_load_weights_changes_nothing(self):
        model = cnn()
        before = model.get_weights()
        donor = cnn()
        donor.layers[-1].set_weights([np.ones((1600, 10)), np.ones(10)])
        donor.save_weights(self.path("w.weights.h5"))
        import h5py
        with h5py.File(self.path("w.weights.h5"), "a") as f:  # break the last layer only
            del f["layers/dense/vars/1"]
            f["layers/dense/vars"].create_dataset("1", data=np.ones(11))
        with self.assertRaisesRegex(ValueError, "dense"):
            model.load_weights(self.path("w.weights.h5"))
        for a, b in zip(before, model.get_weights()):
            np.testing.assert_array_equal(a, b)

    def test_wrong_extension_and_missing_file(self):
        with self.assertRaises(ValueError):
            keras.models.load_model(self.path("m.txt"))
        # Keras's classes: its .keras reader says "File not found" in a ValueError,
        # h5py's open a FileNotFoundError (for a legacy .h5 and for load_weights)
        for absent, error in (("absent.keras", ValueError), ("absent.h5", FileNotFoundError)):
            with self.assertRaisesRegex(error, "absent"):
                keras.models.load_model(self.path(absent))
        with self.assertRaises(FileNotFoundError):
            keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).load_weights(
                self.path("absent.weights.h5"))
