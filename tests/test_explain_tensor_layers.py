"""explain() for the layers of issue 11: the words name the rule, the numbers agree with
compute_output_shape, and a graph with tensor operations (x + 3.0) is explained."""
import unittest

import kerasmini
from kerasmini import layers
from kerasmini.explain import explain


class ExplainTensorLayersTest(unittest.TestCase):
    def test_embedding_counts_the_table(self):
        e = explain(layers.Embedding(200, 16), (None, 40))
        self.assertEqual((e.output_shape, e.params), ((None, 40, 16), 3200))
        self.assertIn("200 * 16 = 3200", e.text)

    def test_dot_names_the_summed_axes(self):
        e = explain(layers.Dot((2, 1)), [(None, 3, 4), (None, 4, 5)])
        self.assertEqual(e.output_shape, (None, 3, 5))
        self.assertIn("axis 2 of the first input and axis 1 of the second (4 terms", e.text)
        bad = explain(layers.Dot(1), [(None, 3), (None, 4)])
        self.assertIsNone(bad.output_shape)
        self.assertIn("Incompatible", bad.problem)

    def test_elementwise_merges_broadcast(self):
        for cls, verb in ((layers.Multiply, "multiplies"), (layers.Maximum, "maximum"),
                          (layers.Subtract, "subtracts")):
            e = explain(cls(), [(None, 8, 8, 4), (None, 1, 1, 4)])
            self.assertEqual(e.output_shape, (None, 8, 8, 4))
            self.assertIn(verb, e.text)
            self.assertIn("axis 1: 8 and 1 -> 8", e.text)

    def test_permute_and_repeat_vector(self):
        e = explain(layers.Permute((2, 1)), (None, 3, 4))
        self.assertEqual(e.output_shape, (None, 4, 3))
        self.assertIn("new axis 1 <- axis 2 (4)", e.text)
        e = explain(layers.RepeatVector(3), (None, 5))
        self.assertEqual(e.output_shape, (None, 3, 5))
        self.assertIn("repeated 3 times", e.text)

    def test_normalization_words(self):
        e = explain(layers.LayerNormalization(), (None, 8, 4))
        self.assertEqual(e.output_shape, (None, 8, 4))
        self.assertIn("its own mean and variance", e.text)

    def test_graph_with_operations(self):
        x = kerasmini.Input((4, 3))
        y = layers.Dense(3, name="d")(x)
        model = kerasmini.Model(x, layers.ReLU(6.0, name="r")(y + 3.0) * (1 / 6))
        e = explain(model)
        self.assertEqual(e.output_shape, (None, 4, 3))
        self.assertIn("[(None, 4, 3), ()]", e.text)
        self.assertIn("tensor operation", e.text)
