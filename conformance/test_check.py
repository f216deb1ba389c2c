"""`python -m kerasmini check` and kerasmini.testing.assert_matches_keras on files written
by tf.keras: agreeing models pass; a weight changed in kerasmini's copy of a file is
blamed on exactly that layer; a channels_first model that hits TensorFlow's bias bug is
blamed on TensorFlow."""
import contextlib
import io
import json
import os
import re
import tempfile
import unittest
import zipfile
from unittest import mock
from xml.etree import ElementTree

import h5py
import numpy as np

from conformance.models import tf_keras
from kerasmini.check import divergences
from kerasmini.check.cli import main
from kerasmini.check.runner import KM_DIFFERS, LIBRARIES_DIFFER, OK, TF_DIVERGES
from kerasmini.testing import assert_matches_keras

keras = tf_keras()
L = keras.layers


def cnn():
    return keras.Sequential([
        keras.Input((14, 14, 3)), L.Rescaling(0.5, name="scale"),
        L.Conv2D(6, 3, activation="relu", name="conv"), L.BatchNormalization(name="bn"),
        L.MaxPooling2D(name="pool"), L.Conv2D(4, 3, padding="same", name="conv_1"),
        L.Flatten(name="flat"), L.Dropout(0.2, name="drop"),
        L.Dense(5, activation="softmax", name="head")], name="cnn")


def branches():
    x = keras.Input((10, 10, 2), name="img")
    a = L.Conv2D(3, 3, padding="same", name="a")(x)
    b = L.Conv2D(3, 1, activation="tanh", name="b")(x)
    s = L.Concatenate(name="cat")([L.Add(name="add")([a, b]), a])
    return keras.Model(x, L.Dense(2, name="out")(L.GlobalAveragePooling2D(name="gap")(s)),
                       name="branches")


def any_size():
    """None spatial dims: --dim-size sets them."""
    x = keras.Input((None, None, 3))
    y = L.Conv2D(4, 3, name="conv")(x)
    return keras.Model(x, L.GlobalMaxPooling2D(name="gmp")(y), name="any_size")


def channels_first():
    """Output width == filters: TF 2.21 adds the bias along the width axis."""
    x = keras.Input((2, 7, 3))
    y = L.Conv2D(3, (3, 1), data_format="channels_first", name="conv_cf")(x)
    return keras.Model(x, L.Dense(2, name="head")(L.Flatten(name="flat")(y)), name="cf")


def conv_family():
    x = keras.Input((9, 9, 3))
    y = L.DepthwiseConv2D(3, depth_multiplier=2, name="dw")(x)
    y = L.SeparableConv2D(4, 3, padding="same", name="sep")(y)
    y = L.UpSampling2D(interpolation="bilinear", name="up")(L.Conv2DTranspose(
        3, 3, strides=2, name="tconv")(y))
    return keras.Model(x, L.Dense(2, name="head")(L.GlobalAveragePooling2D(name="gap")(y)),
                       name="conv_family")


def depthwise_channels_first():
    """2 channels, 2 output steps: TF adds the bias along the steps."""
    x = keras.Input((2, 4))
    y = L.DepthwiseConv1D(3, data_format="channels_first", name="dw1")(x)
    return keras.Model(x, L.Flatten(name="f")(y), name="dw_cf")


def saved(build, folder, name):
    model = build()
    rng = np.random.default_rng(7)
    model.set_weights([(rng.random(w.shape) + 0.5 if "variance" in w.path else
                        rng.standard_normal(w.shape) * 0.5).astype(w.dtype)
                       for w in model.weights])
    path = os.path.join(folder, f"{name}.keras")
    model.save(path)
    return path


def change_one_weight(source, target, group, index=0):
    """Copy a .keras file, adding 1 to one entry of one weight array in the copy."""
    with zipfile.ZipFile(source) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    weights = io.BytesIO(members["model.weights.h5"])
    with h5py.File(weights, "r+") as f:
        data = f[group][()]
        data.flat[index] += 1.0
        f[group][...] = data
    members["model.weights.h5"] = weights.getvalue()
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


class CheckTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        cls.dir = cls.folder.name
        cls.files = {name: saved(build, cls.dir, name) for name, build in
                     (("cnn", cnn), ("branches", branches), ("any_size", any_size),
                      ("channels_first", channels_first), ("conv_family", conv_family),
                      ("dw_cf", depthwise_channels_first))}

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def test_agreeing_models_pass_with_a_row_per_layer(self):
        for name, layers in (("cnn", 8), ("branches", 6)):
            json_path, junit_path = (os.path.join(self.dir, f"{name}.{e}")
                                     for e in ("json", "xml"))
            status, out, err = run([self.files[name], "--json", json_path, "--junit",
                                    junit_path, "--samples", "5", "--batch-size", "2"])
            self.assertEqual(status, 0, out)
            self.assertIn("PASS", out)
            with open(json_path) as f:
                result = json.load(f)
            self.assertTrue(result["passed"])
            self.assertEqual([r["verdict"] for r in result["layers"]], [OK] * layers)
            suite = ElementTree.parse(junit_path).getroot()
            self.assertEqual(len(suite.findall("testcase")), layers)
            self.assertEqual(suite.findall("testcase/failure"), [])
            # a progress line per layer and batch (5 samples in batches of 2: 3 batches)
            self.assertEqual(err.count("check: batch"), 3 * layers)

    def test_changed_weight_is_blamed_on_exactly_its_layer(self):
        changed = os.path.join(self.dir, "cnn_changed.keras")
        change_one_weight(self.files["cnn"], changed, "layers/conv2d_1/vars/0", index=5)
        json_path = os.path.join(self.dir, "changed.json")
        status, out, _ = run([changed, "--keras-model", self.files["cnn"], "--json",
                              json_path, "--quiet"])
        self.assertEqual(status, 1, out)
        with open(json_path) as f:
            result = json.load(f)
        self.assertEqual(result["first_divergence"], "conv_1")
        verdicts = {r["name"]: r["verdict"] for r in result["layers"]}
        self.assertEqual(verdicts.pop("conv_1"), KM_DIFFERS)
        self.assertEqual(set(verdicts.values()), {OK})
        self.assertIn("Blame: kerasmini, at layer 'conv_1'", out)
        self.assertIn("weight 'kernel' differs from tf.keras's in 1 of", out)

    def test_channels_first_bias_bug_is_blamed_on_tensorflow(self):
        status, out, _ = run([self.files["channels_first"], "--quiet"])
        self.assertEqual(status, 1, out)
        self.assertIn("first diverging layer: 'conv_cf'", out)
        self.assertIn("Blame: TensorFlow", out)
        self.assertIn(divergences.CHANNELS_FIRST_BIAS["Conv2D"], out)
        with self.assertRaises(AssertionError) as caught:
            assert_matches_keras(self.files["channels_first"])
        self.assertIn(TF_DIVERGES, str(caught.exception))

    def test_conv_family_passes_and_depthwise_bias_bug_is_blamed_on_tensorflow(self):
        status, out, _ = run([self.files["conv_family"], "--quiet"])
        self.assertEqual(status, 0, out)
        status, out, _ = run([self.files["dw_cf"], "--quiet"])
        self.assertEqual(status, 1, out)
        self.assertIn("first diverging layer: 'dw1' (DepthwiseConv1D): tf.keras disagrees "
                      f"with float64 ({divergences.CHANNELS_FIRST_BIAS_KIN})", out)

    def test_a_planted_kerasmini_bug_is_never_blamed_on_tensorflow(self):
        """kerasmini's float64 twin shares kerasmini's code, so a bug in the math hides
        from it; tf.keras's own float64 twin disagrees, and the verdict blames no one."""
        import kerasmini
        conv = kerasmini.layers.Conv2D
        original = conv.call
        with mock.patch.object(conv, "call", lambda self, x:  # the signature of call
                               original(self, x)[..., ::-1]):  # channels reversed
            status, out, _ = run([self.files["branches"], "--quiet"])
        self.assertEqual(status, 1, out)
        self.assertIn("first diverging layer: 'a' (Conv2D): kerasmini and tf.keras "
                      "disagree and so do their float64 twins", out)
        self.assertIn("Blame: undetermined, at layer 'a'", out)
        self.assertNotIn(TF_DIVERGES, out)

    def test_user_inputs_and_none_dims(self):
        x = np.random.default_rng(3).standard_normal((3, 9, 11, 3)).astype("float32")
        for ext in ("npy", "npz"):
            path = os.path.join(self.dir, f"x.{ext}")
            np.save(path, x) if ext == "npy" else np.savez(path, x)
            status, out, _ = run([self.files["any_size"], "--inputs", path, "--quiet"])
            self.assertEqual(status, 0, out)
            self.assertIn("3 samples", out)
        status, out, err = run([self.files["any_size"], "--quiet"])
        self.assertEqual(status, 2)
        self.assertIn("--dim-size", err)
        status, out, _ = run([self.files["any_size"], "--dim-size", "6", "--quiet"])
        self.assertEqual(status, 0, out)
        bad = os.path.join(self.dir, "bad.npy")
        np.save(bad, x[:, :, :, :2])
        status, _, err = run([self.files["any_size"], "--inputs", bad, "--quiet"])
        self.assertEqual(status, 2)
        self.assertIn("expects shape (None, None, None, 3)", err)

    def test_assert_matches_keras_on_a_kerasmini_model(self):
        import kerasmini
        model = kerasmini.models.load_model(self.files["branches"])
        result = assert_matches_keras(model, batch_size=3)
        self.assertTrue(result.passed)
        model.get_layer("b").bias.assign(model.get_layer("b").bias.numpy() + 0.5)
        # tf.keras loads the original file: kerasmini's changed bias is the one blamed
        with self.assertRaises(AssertionError) as caught:
            assert_matches_keras(model, keras_model=self.files["branches"])
        self.assertIn("first diverging layer: 'b' (Conv2D)", str(caught.exception))


def masked_several():
    """Every node kind: Embedding(mask_zero=True)'s NotEqual, LSTM calls reading it, an
    LSTM returning its states, a GRU started from them (initial_state), a merge reading
    its inputs' masks (Maximum, one of them masked), MultiHeadAttention(q, v, key=..., attention_mask=...)
    with its scores, keras.ops on symbolic tensors (mean, x[:, 0], x + y)."""
    ids = keras.Input((6,), dtype="int32", name="ids")
    pad = keras.Input((6, 6), name="pad")
    x = L.Embedding(20, 8, mask_zero=True, name="emb")(ids)
    seq, h, c = L.LSTM(8, return_sequences=True, return_state=True, name="lstm")(x)
    # (on the unmasked input; a masked input with initial_state is in the test below)
    y = L.GRU(8, return_sequences=True, name="gru")(pad, initial_state=h)
    m = L.Maximum(name="max")([seq, y])
    att, scores = L.MultiHeadAttention(2, 4, name="mha")(
        m, y, key=seq, attention_mask=pad, return_attention_scores=True)
    pooled = keras.ops.mean(att, axis=1) + att[:, 0]
    out = L.Dense(3, name="head")(L.Concatenate(name="cat")([pooled, c]))
    return keras.Model([ids, pad], [out, L.Flatten(name="flat")(scores)],
                       name="masked_several")


def masked_inputs(seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, 20, (5, 6)).astype("int32")
    ids[:, -2:] = 0  # padding: the mask matters
    return [ids, (rng.random((5, 6, 6)) > 0.3).astype("float32")]


class EveryNodeKindTest(unittest.TestCase):
    """check compares masked calls, calls of several tensors and keras.ops operations;
    a bug planted in one of them (kerasmini's copy only) is blamed on kerasmini at that
    node, one planted in tf.keras's model on TensorFlow."""

    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        cls.path = saved(masked_several, cls.folder.name, "masked_several")
        cls.x = masked_inputs()

    @classmethod
    def tearDownClass(cls):
        cls.folder.cleanup()

    def check(self, km_model=None, tf_model=None):
        from kerasmini.check.api import check_model
        import kerasmini
        km_model = km_model or kerasmini.models.load_model(self.path)
        return check_model(km_model, self.x, keras_model=tf_model or self.path)

    def test_every_node_agrees(self):
        status, out, _ = run([self.path, "--quiet", "--dim-size", "6"])
        self.assertEqual(status, 0, out)  # the file as is, random ids and masks
        result = self.check()
        self.assertTrue(result.passed, result.table())
        kinds = {row.class_name for row in result.rows}
        self.assertLessEqual({"NotEqual", "LSTM", "GRU", "Maximum", "MultiHeadAttention",
                              "Mean", "GetItem", "Add"}, kinds)

    def planted(self, name, method, wrong):
        """kerasmini's model with one node's instance method returning a wrong value."""
        import kerasmini
        model = kerasmini.models.load_model(self.path)
        graph_nodes = kerasmini.check.runner.graph_nodes(model)[1]
        node = next(n for n in graph_nodes if n.operation.name.startswith(name))
        original = getattr(node.operation, method)
        setattr(node.operation, method, lambda *a, **k: wrong(original(*a, **k)))
        return model, node.operation.name

    def test_a_bug_in_a_masked_multi_tensor_or_op_node_is_blamed_on_kerasmini(self):
        shifted = lambda out: out + 0.5  # noqa: E731
        for name, method, wrong in (
                ("not_equal", "compute", lambda m: ~m),   # the mask Embedding makes
                ("lstm", "call", lambda outs: [outs[0], outs[1] * 2, outs[2]]),  # a state
                ("gru", "call", shifted),                 # read with initial_state
                ("max", "call", shifted),                 # reads its inputs' masks
                ("mha", "call", lambda outs: (outs[0], outs[1] * 0.5)),  # the scores
                ("mean", "compute", shifted), ("get_item", "compute", shifted)):
            with self.subTest(name):
                model, node = self.planted(name, method, wrong)
                result = self.check(model)
                self.assertEqual(result.first_divergence.name, node, result.table())
                self.assertEqual(result.first_divergence.verdict, KM_DIFFERS)
                self.assertEqual([r.name for r in result.rows if r.verdict != OK], [node])
                self.assertIn(f"Blame: kerasmini, at layer '{node}'", result.table())

    def test_an_rnn_given_initial_state_runs_unmasked_as_keras(self):
        """Keras fills call()'s `mask` from the input only for a call of one tensor
        argument: an RNN called with a tensor initial_state runs unmasked (its output
        still carries the mask). kerasmini follows the rule, so check passes on every
        node; had it applied the mask, 'dec' would differ from tf.keras."""
        ids = keras.Input((6,), dtype="int32")
        x = L.Embedding(20, 4, mask_zero=True, name="emb")(ids)
        _, h = L.GRU(4, return_state=True, name="enc")(x)
        y = L.GRU(4, return_sequences=True, name="dec")(x, initial_state=h)
        y = L.LSTM(3, name="after")(y)  # reads the mask the dec's output carries
        path = os.path.join(self.folder.name, "initial_state.keras")
        keras.Model(ids, y).save(path)
        from kerasmini.check.api import check_model
        result = check_model(path, [self.x[0]])
        self.assertIn("dec", [r.name for r in result.rows])
        self.assertTrue(result.passed, result.table())

    def test_a_users_layer_called_with_several_tensors(self):
        """`Shifted()(a, b)` and `Scaled()(x, other=y)` (a user's call(x, y)) in a file
        tf.keras saved: kerasmini loads and checks it; a bug planted in kerasmini's
        Shifted is blamed on it; kerasmini's file of it loads in tf.keras."""
        import kerasmini
        from kerasmini.check.api import check_model

        def classes(lib):
            class Shifted(lib.layers.Layer):
                def call(self, x, y):
                    return x * 2 + y

            class Scaled(lib.layers.Layer):
                def build(self, input_shape):
                    self.w = self.add_weight(shape=(input_shape[-1],), name="w")

                def call(self, x, other=None):
                    return x * self.w + other
            return {"Shifted": Shifted, "Scaled": Scaled}

        tf_classes = classes(keras)
        a, b = keras.Input((3,)), keras.Input((3,))
        y = tf_classes["Scaled"](name="scaled")(tf_classes["Shifted"](name="shifted")(a, b),
                                                 other=b)
        path = os.path.join(self.folder.name, "several.keras")
        keras.Model([a, b], L.Dense(2, name="head")(y)).save(path)
        tf_model = keras.models.load_model(path, custom_objects=tf_classes)
        for planted in (False, True):
            km_model = kerasmini.models.load_model(path, custom_objects=classes(kerasmini))
            if planted:
                shifted = km_model.get_layer("shifted")
                shifted.call = lambda x, y, call=shifted.call: call(x, y) + 1e-3
            result = check_model(km_model, keras_model=tf_model)
            verdicts = [(r.name, r.verdict) for r in result.rows]
            self.assertEqual(verdicts, [("shifted", KM_DIFFERS if planted else OK),
                                        ("scaled", OK), ("head", OK)], result.table())
        back = os.path.join(self.folder.name, "several_km.keras")  # and back to tf.keras
        kerasmini.models.load_model(path, custom_objects=classes(kerasmini)).save(back)
        x = [np.ones((2, 3), "float32"), np.arange(6, dtype="float32").reshape(2, 3)]
        np.testing.assert_allclose(
            keras.models.load_model(back, custom_objects=tf_classes).predict(x, verbose=0),
            tf_model.predict(x, verbose=0), rtol=1e-6)

    def test_a_tensorflow_divergence_in_a_multi_tensor_or_op_node_is_blamed_on_it(self):
        """tf.keras's own node planted wrong (its float64 twin, rebuilt from the config,
        is not): MultiHeadAttention's first output, the keras.ops mean."""
        for name, wrong, why in (("mha", lambda o: (o[0] * 1.001, o[1]), "output 0 of 2"),
                                 ("mean", lambda o: o * 1.001, "max abs err")):
            with self.subTest(name):
                tf_model = keras.models.load_model(self.path)
                # keras.ops nodes are numbered per process ('mean_1' after another
                # model made a mean): the name matched with its number optional
                named = re.compile(rf"{name}(_\d+)?")
                node = next(op for op in tf_model.operations if named.fullmatch(op.name))
                original = node.call
                node.call = lambda *a, original=original, wrong=wrong, **k: wrong(
                    original(*a, **k))
                result = self.check(tf_model=tf_model)
                self.assertRegex(result.first_divergence.name, named, result.table())
                self.assertEqual(result.first_divergence.verdict, TF_DIVERGES)
                self.assertIn(why, result.first_divergence.tf_why)
                self.assertIn("Blame: TensorFlow", result.table())


class InspectTfKerasFilesTest(unittest.TestCase):
    def test_lambda_from_tf_keras_is_named_and_trained_state_seen(self):
        from kerasmini.inspection.cli import main as inspect_main
        model = keras.Sequential([keras.Input((3,)), L.Dense(2, name="d"),
                                  L.Lambda(lambda t: t * 2, name="double")])
        model.compile("adam", "mse")
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "lambda.keras")
            model.save(path)
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                status = inspect_main([path])
        self.assertEqual(status, 1)
        self.assertIn("'double': Lambda layer with serialized Python code", out.getvalue())
        # tf.keras names the optimizer adam, adam_1, ... by how many it made in this process
        self.assertRegex(out.getvalue(), r"optimizer state: adam(_\d+)?: \d+ variables stored")
        self.assertIn(f"keras_version {keras.__version__}", out.getvalue())
