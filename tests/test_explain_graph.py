"""explain() on functional models with branches, merges, shared layers, several inputs.

Every row is checked against the graph the model itself built (each node's output
tensor's shape, computed by the layers' compute_output_shape when the model was made),
the final shape against model.compute_output_shape, and, for a concrete batch, against
the shape of what the model returns when it is run.
"""
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from kerasmini import layers
from kerasmini.explain.explanation import shape_as_tuple


def branchy():
    """The example: two branches, an Add, a Concatenate that reuses a branch."""
    x = kerasmini.Input((12, 12, 3), name="x")
    a = layers.Conv2D(4, 3, padding="same", name="conv_a")(x)
    b = layers.Conv2D(4, 1, name="conv_b")(x)
    s = layers.Add(name="add")([a, b])
    c = layers.Concatenate(name="concat")([s, a])
    g = layers.GlobalAveragePooling2D(name="gap")(c)
    return kerasmini.Model(x, layers.Dense(2, name="out")(g), name="branchy")


def inception():
    """Three parallel towers, then a strided residual join and a Dense head."""
    x = kerasmini.Input((9, 9, 3), name="image")
    towers = [layers.Conv2D(2, 1, name="t1")(x),
              layers.Conv2D(3, 3, padding="same", name="t3")(x),
              layers.MaxPool2D(3, strides=1, padding="same", name="tpool")(x)]
    joined = layers.Concatenate(name="towers")(towers)
    down = layers.Conv2D(6, 3, strides=2, padding="same", name="down")(joined)  # 5x5
    skip = layers.Conv2D(6, 1, strides=2, name="skip")(x)  # (9 - 1) / 2 + 1 = 5
    summed = layers.Add(name="residual")([down, skip])
    padded = layers.ZeroPadding2D(((0, 1), (0, 1)), name="pad")(summed)
    out = layers.Dense(3, name="head")(layers.Flatten(name="flat")(padded))
    return kerasmini.Model(x, out, name="inception")


def shared_two_inputs():
    """One Dense called on two inputs; two outputs."""
    a, b = kerasmini.Input((6,), name="a"), kerasmini.Input((6,), name="b")
    shared = layers.Dense(3, name="shared")
    da, db = shared(a), shared(b)
    s = layers.Add(name="add")([da, db])
    c = layers.Concatenate(name="cat")([da, s])
    return kerasmini.Model([a, b], [s, c], name="two")


def broadcast():
    """Add broadcasts a size-1 axis; Concatenate along axis 1."""
    p, q = kerasmini.Input((1, 5), name="p"), kerasmini.Input((4, 5), name="q")
    s = layers.Add(name="bc")([p, q])
    c = layers.Concatenate(axis=1, name="rows")([s, q, p])
    return kerasmini.Model([p, q], layers.Dense(2, name="d")(c), name="bcast")


def repeated_chain():
    """A layer called twice in a row: a chain, two rows for the one layer."""
    x = kerasmini.Input((4,), name="x")
    d = layers.Dense(4, name="d")
    return kerasmini.Model(x, layers.Dense(1, name="o")(d(d(x))), name="twice")


MODELS = [("branchy", branchy), ("inception", inception), ("shared", shared_two_inputs),
          ("broadcast", broadcast), ("repeated", repeated_chain)]


def graph_calls(model):
    """{row label: node}: the model's own layer calls, labelled as explain labels them."""
    calls = {}
    for layer in model.layers:
        own = [node for node in layer._inbound_nodes if node in model._nodes]
        for n, node in enumerate(own):
            calls[layer.name if len(own) == 1 else f"{layer.name}[{n}]"] = node
    return calls


def with_batch(shape, batch):
    return (batch, *shape[1:])


class GraphRowsTest(unittest.TestCase):
    @parameterized.expand(MODELS)
    def test_rows_match_the_graph(self, _, make):
        model = make()
        explanation = kerasmini.explain(model)
        calls = graph_calls(model)
        self.assertEqual(sorted(name for name, _ in explanation.layers), sorted(calls))
        for name, row in explanation.layers:
            node = calls[name]
            inputs = [t.shape for t in node.input_tensors] or [node.outputs[0].shape]
            given = row.input_shape if isinstance(row.input_shape, list) else [
                row.input_shape]
            self.assertEqual(given, inputs, name)
            self.assertEqual(row.output_shape, node.outputs[0].shape, f"{name}\n{row}")
        self.assertEqual(explanation.output_shape, model.compute_output_shape(None))
        self.assertEqual(explanation.params, model.count_params())

    @parameterized.expand(MODELS)
    def test_given_batch_runs_through(self, _, make):
        model = make()
        shapes = [with_batch(t.shape, 7) for t in model.inputs]
        explanation = kerasmini.explain(model, shapes if len(shapes) > 1 else shapes[0])
        calls = graph_calls(model)
        for name, row in explanation.layers:
            self.assertEqual(row.output_shape, with_batch(calls[name].outputs[0].shape, 7))
        arrays = [np.zeros(s, np.float32) for s in shapes]
        outputs = model(arrays if len(arrays) > 1 else arrays[0])
        actual = ([o.shape for o in outputs] if isinstance(outputs, list)
                  else outputs.shape)
        self.assertEqual(explanation.output_shape, actual)

    @parameterized.expand(MODELS)
    def test_rows_come_after_the_rows_feeding_them(self, _, make):
        explanation = kerasmini.explain(make())
        seen = set()
        for (name, _), source in zip(explanation.layers, explanation.sources):
            self.assertTrue(set(source) <= seen, f"{name} before {source}")
            seen.add(name)


class GraphTextTest(unittest.TestCase):
    def test_branchy_table(self):
        text = str(kerasmini.explain(branchy()))
        lines = text.splitlines()
        self.assertEqual(lines[1].split()[:4], ["layer", "class", "from", "input"])
        rows = {line.split()[0]: line for line in lines[2:-1]}
        self.assertIn(" conv_a, conv_b ", rows["add"])
        self.assertIn("2 equal shapes summed -> same shape", rows["add"])
        self.assertIn(" add, conv_a ", rows["concat"])
        self.assertIn("channels 4 + 4 = 8", rows["concat"])
        self.assertIn("[(None, 12, 12, 4), (None, 12, 12, 4)]", rows["concat"])
        self.assertIn(" x ", rows["conv_b"])
        self.assertIn(" 16 ", rows["conv_b"])  # 1 * 1 * 3 * 4 + 4: fed x, not conv_a
        self.assertTrue(text.endswith("(None, 12, 12, 3) -> (None, 2), 146 parameters"))
        self.assertNotIn("no output", text)

    def test_shared_layer_has_a_row_per_call(self):
        explanation = kerasmini.explain(shared_two_inputs())
        names = [name for name, _ in explanation.layers]
        self.assertEqual(names, ["a", "b", "shared[0]", "shared[1]", "add", "cat"])
        self.assertIn("shared[0], shared[1]", str(explanation))
        self.assertIn("weights of shared[0], counted there", str(explanation))
        self.assertTrue(str(explanation).endswith(  # the shared kernel counted once
            "[(None, 6), (None, 6)] -> [(None, 3), (None, 6)], 21 parameters"))

    def test_broadcast_words(self):
        text = str(kerasmini.explain(broadcast()))
        self.assertIn("axis 1: 1 and 4 broadcast -> 4", text)
        self.assertIn("axis 1 4 + 4 + 1 = 9", text)

    def test_chain_shaped_model_has_no_from_column(self):
        for model in (repeated_chain(), kerasmini.Model(*self.chain())):
            explanation = kerasmini.explain(model)
            self.assertTrue(explanation.is_chain)
            self.assertEqual(str(explanation).splitlines()[1].split()[:3],
                             ["layer", "class", "input"])

    def chain(self):
        x = kerasmini.Input((8, 8, 3))
        return x, layers.Flatten()(layers.Conv2D(2, 3)(x))

    def test_input_that_does_not_fit(self):
        explanation = kerasmini.explain(branchy(), (1, 12, 10, 3))
        self.assertFalse(explanation.ok)
        self.assertIn("x: input (1, 12, 10, 3) does not fit 'x' (None, 12, 12, 3): axis 2 "
                      "is 10, but the Input declares 12", explanation.problem)
        self.assertIn("not reached", str(explanation))
        self.assertIsNone(explanation.output_shape)

    def test_one_shape_for_each_input(self):
        with self.assertRaisesRegex(ValueError, r"2 inputs \(a, b\).*got 1"):
            kerasmini.explain(shared_two_inputs(), (None, 6))

    def test_a_failed_branch_leaves_the_other_explained(self):
        explanation = kerasmini.explain(shared_two_inputs(), [(2, 5), (2, 6)])
        rows = dict(explanation.layers)
        self.assertIsNone(rows["shared[0]"])
        self.assertEqual(rows["shared[1]"].output_shape, (2, 3))
        self.assertIsNone(rows["add"])

    def test_details_have_every_derivation(self):
        details = kerasmini.explain(branchy()).details()
        self.assertIn("Concatenate joins its inputs along axis -1 (channels)", details)
        self.assertIn("Add sums its 2 inputs element by element", details)


MERGE_SHAPES = [[(2, 4, 5), (2, 4, 5)], [(2, 1, 5), (2, 4, 5)], [(None, 4, 5), (2, 4, 1)],
                [(2, 4, 5), (2, 3, 5)], [(2, 4, 5), (2, 4)], [(4, 5), (2, 4, 5)],
                [(2, None, 5), (2, 4, 3)], [(2, 4, 5), (2, 4, 5), (2, 4, 2)]]


class MergeWordsTest(unittest.TestCase):
    """Add and Concatenate words agree with compute_output_shape, or say why not."""

    @parameterized.expand([(f"{kind.__name__}_{axis}_{n}", kind, axis, shapes)
                           for kind, axis in ((layers.Add, None), (layers.Concatenate, -1),
                                              (layers.Concatenate, 1))
                           for n, shapes in enumerate(MERGE_SHAPES)])
    def test_agrees(self, _, kind, axis, shapes):
        layer = kind() if axis is None else kind(axis=axis)
        try:
            expected = tuple(layer.compute_output_shape(shapes))
        except ValueError:
            expected = None
        explanation = layer.explain(shapes)
        self.assertEqual(explanation.output_shape, expected, str(explanation))
        if expected is None:
            self.assertIn("no output: ", str(explanation))
        else:
            self.assertTrue(str(explanation).endswith(
                f"{shape_as_tuple(shapes)} -> {shape_as_tuple(expected)}"), str(explanation))

    def test_concatenate_words(self):
        text = str(layers.Concatenate().explain([(1, 8, 8, 4), (1, 8, 8, 4)]))
        self.assertIn("channels: 4 + 4 = 8", text)
        problem = layers.Concatenate().explain([(1, 8, 8, 4), (1, 8, 6, 4)]).problem
        self.assertEqual(problem, "axis 2: sizes 8 and 6 differ; only axis -1 (channels) "
                                  "may differ")

    def test_add_words(self):
        problem = layers.Add().explain([(1, 8, 4), (1, 8, 3)]).problem
        self.assertEqual(problem, "axis 2: sizes 4 and 3 differ and are not 1, so they "
                                  "cannot be added")
