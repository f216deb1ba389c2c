"""The check machinery without TensorFlow: the one-line install error, and the per-layer
runner with a second kerasmini model standing in for tf.keras (same layer API)."""
import contextlib
import io
import subprocess
import sys
import unittest
from unittest import mock

import numpy as np

import kerasmini
from kerasmini.check.inputs import batches, random_inputs
from kerasmini.check.report import CheckResult
from kerasmini.check.runner import (KM_DIFFERS, LIBRARIES_DIFFER, OK, TF_DIVERGES,
                                    check_layers, graph_nodes)
from kerasmini.check.tolerance import compare


def model(seed=0):
    L = kerasmini.layers
    m = kerasmini.Sequential([kerasmini.Input((6, 6, 2)), L.Conv2D(3, 3, name="conv"),
                              L.Flatten(name="flat"), L.Dense(4, name="dense")])
    rng = np.random.default_rng(seed)
    m.set_weights([rng.standard_normal(w.shape).astype("float32") for w in m.weights])
    return m


def rows(km, other, samples=5, batch_size=2):
    tensors = graph_nodes(km)[0]
    return check_layers(km, other, batches(random_inputs(tensors, samples), batch_size))


class RunnerTest(unittest.TestCase):
    def test_identical_models_agree_everywhere(self):
        result = rows(model(), model())
        self.assertEqual([r.verdict for r in result], [OK, OK, OK])
        self.assertEqual([r.name for r in result], ["conv", "flat", "dense"])
        self.assertTrue(all(r.km_err < 1e-5 for r in result))

    def test_a_changed_weight_is_blamed_on_its_layer_only(self):
        km = model()
        km.get_layer("conv").kernel.assign(km.get_layer("conv").kernel.numpy() * 1.01)
        result = rows(km, model())
        self.assertEqual([r.verdict for r in result], [KM_DIFFERS, OK, OK])
        self.assertIn("weight 'kernel' differs", result[0].weights_why)

    def test_a_wrong_stand_in_output_is_a_tensorflow_divergence(self):
        other = model()
        dense = other.get_layer("dense")
        with mock.patch.object(dense, "call", lambda x, training=None:
                               np.zeros((x.shape[0], 4), "float32")):
            result = rows(model(), other)
        self.assertEqual([r.verdict for r in result], [OK, OK, TF_DIVERGES])
        self.assertEqual(result[2].kind, "tf-wrong-values")
        report = CheckResult("m", result, 5, 2, None, None)
        self.assertFalse(report.passed)
        self.assertIn("first diverging layer: 'dense' (Dense)", report.table())
        self.assertIn("Blame: TensorFlow", report.table())
        self.assertIn('failures="1"', report.to_junit())

    def test_different_math_in_the_stand_in_is_not_blamed_on_it(self):
        """The stand-in's class computes other math, so its float64 twin does too: the two
        float64 runs disagree and check blames no one."""
        class ShiftedDense(kerasmini.layers.Dense):
            def call(self, x, training=None):
                return super().call(x) + 1.0

        L = kerasmini.layers
        other = kerasmini.Sequential([kerasmini.Input((6, 6, 2)), L.Conv2D(3, 3, name="conv"),
                                      L.Flatten(name="flat"), ShiftedDense(4, name="dense")])
        other.set_weights(model().get_weights())
        result = rows(model(), other)
        self.assertEqual([r.verdict for r in result], [OK, OK, LIBRARIES_DIFFER])
        self.assertIn("float64 twins:", result[2].explanation())
        report = CheckResult("m", result, 5, 2, None, None).table()
        self.assertIn("Blame: undetermined, at layer 'dense'", report)

    def test_the_float64_run_holds_tf_keras_weights(self):
        km = model()
        km.get_layer("dense").bias.assign(np.ones(4, "float32"))
        other = model()
        other.get_layer("dense").bias.assign(np.full(4, 2, "float32"))
        self.assertEqual(rows(km, other)[2].verdict, KM_DIFFERS)

    def test_batches_and_compare_overrides(self):
        arrays = [np.arange(10).reshape(5, 2)]
        self.assertEqual([b[0].shape[0] for b in batches(arrays, 2)], [2, 2, 1])
        with self.assertRaisesRegex(ValueError, "batch_size=0"):
            batches(arrays, 0)
        ref = np.array([1.0, 2.0])
        self.assertFalse(compare(np.float32([1.0, 2.001]), ref, "float32")[0])
        self.assertTrue(compare(np.float32([1.0, 2.001]), ref, "float32", atol=0.01)[0])


def masked_model(seed=0):
    """A masked Embedding's NotEqual, an LSTM reading it and returning its state, a GRU
    started from that state (a keyword tensor), ops.mean on symbolic tensors."""
    L = kerasmini.layers
    ids = kerasmini.Input((5,), dtype="int32", name="ids")
    seq, h, _ = L.LSTM(4, return_sequences=True, return_state=True, name="lstm")(
        L.Embedding(10, 3, mask_zero=True, name="emb")(ids))
    y = L.GRU(4, name="gru")(kerasmini.ops.mean(seq, axis=-1, keepdims=True),
                             initial_state=h)
    m = kerasmini.Model(ids, L.Dense(2, name="head")(y))
    rng = np.random.default_rng(seed)
    m.set_weights([rng.standard_normal(w.shape).astype("float32") for w in m.weights])
    return m


class EveryNodeKindTest(unittest.TestCase):
    def node(self, model, name):
        """The node's operation ('not_equal' and 'mean' are numbered per process)."""
        return next(n.operation for n in graph_nodes(model)[1]
                    if n.operation.name.split("_")[0] == name.split("_")[0])

    def test_masked_multi_tensor_and_op_nodes_agree(self):
        result = rows(masked_model(), masked_model())
        self.assertEqual(sorted((r.class_name, r.verdict) for r in result),
                         [("Dense", OK), ("Embedding", OK), ("GRU", OK), ("LSTM", OK),
                          ("Mean", OK), ("NotEqual", OK)])

    def test_a_bug_in_one_node_is_blamed_on_it(self):
        for name, method, library, verdict in (
                ("not_equal", "compute", "kerasmini", KM_DIFFERS),  # a wrong mask
                ("mean", "compute", "kerasmini", KM_DIFFERS),
                ("lstm", "call", "kerasmini", KM_DIFFERS),  # its state only
                ("gru", "call", "stand-in", TF_DIVERGES)):
            with self.subTest(name):
                km, other = masked_model(), masked_model()
                layer = self.node(km if library == "kerasmini" else other, name)
                original = getattr(layer, method)

                def wrong(*args, original=original, **kwargs):
                    out = original(*args, **kwargs)
                    return [out[0], out[1] + 1, out[2]] if name == "lstm" else ~out \
                        if name == "not_equal" else out + 1
                setattr(layer, method, wrong)
                result = rows(km, other)
                bad = [(r.name, r.verdict) for r in result if r.verdict != OK]
                self.assertEqual(bad, [(layer.name, verdict)])
                if name == "lstm":
                    self.assertIn("output 1 of 3", result[2].km_why)


class GraphDifferenceTest(unittest.TestCase):
    def test_a_node_the_other_graph_lacks_is_named_and_blamed_on_no_one(self):
        """kerasmini's graph adds 1 where the stand-in's has no such node: that node and
        the one reading it are "libraries differ", the ones before them agree."""
        L = kerasmini.layers

        def graph(shift):
            x = kerasmini.Input((3,), name="x")
            h = L.Dense(2, name="d1")(x)
            return kerasmini.Model(x, L.Dense(2, name="d2")(h + 1.0 if shift else h))

        km, other = graph(True), graph(False)
        other.set_weights(km.get_weights())
        result = rows(km, other)
        self.assertEqual([(r.class_name, r.verdict) for r in result],
                         [("Dense", OK), ("Add", LIBRARIES_DIFFER),
                          ("Dense", LIBRARIES_DIFFER)])
        self.assertIn("tf.keras's graph has no call of Add on these inputs",
                      result[1].explanation())


class WithoutTensorFlowTest(unittest.TestCase):
    def test_tensorflow_is_imported_by_no_module_but_the_running_check(self):
        code = ("import sys, kerasmini, kerasmini.check.api, kerasmini.check.cli, "
                "kerasmini.inspection.cli; kerasmini.testing.assert_matches_keras; "
                "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout
        self.assertEqual(out.strip(), "[]")

    def test_one_line_error_naming_the_extra(self):
        from kerasmini.__main__ import main
        err = io.StringIO()
        with mock.patch.dict(sys.modules, {"tensorflow": None, "keras": None}), \
                contextlib.redirect_stderr(err):
            status = main(["check", "model.keras"])
        self.assertEqual(status, 2)
        self.assertEqual(len(err.getvalue().strip().splitlines()), 1)
        self.assertIn('pip install "kerasmini[check]"', err.getvalue())
