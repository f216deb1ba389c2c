"""ReversibleEmbedding against loops written from the definition: forward rows, reverse
products (tied and untied), the soft cap, reverse_dtype, masks, gradients of both calls
of one tied table against central differences, shapes and argument errors."""
import math
import unittest

import numpy as np

import kerasmini as keras
from kerasmini import layers


def reverse_loop(h, kernel, cap=None):
    """logits[..., v] = sum_d h[..., d] kernel[d, v], each one as a Python sum."""
    flat = h.reshape(-1, h.shape[-1])
    out = np.zeros((flat.shape[0], kernel.shape[1]))
    for row in range(flat.shape[0]):
        for v in range(kernel.shape[1]):
            value = sum(float(flat[row, d]) * float(kernel[d, v]) for d in range(h.shape[-1]))
            out[row, v] = value if cap is None else cap * math.tanh(value / cap)
    return out.reshape(*h.shape[:-1], kernel.shape[1])


def make(**args):
    layer = layers.ReversibleEmbedding(7, 3, dtype="float64", **args)
    layer.build((None, 4))
    rng = np.random.default_rng(0)
    layer.set_weights([rng.standard_normal(w.shape) for w in layer.get_weights()])
    return layer, rng


class TestReversibleEmbedding(unittest.TestCase):
    def test_forward_and_reverse_tied(self):
        layer, rng = make(logit_soft_cap=2.0)
        ids = np.array([[0, 3, 6, 3], [1, 1, 2, 5]])
        table = layer.embeddings.numpy()
        np.testing.assert_array_equal(layer(ids), table[ids])
        h = rng.standard_normal((2, 4, 3))
        np.testing.assert_allclose(layer(h, reverse=True), reverse_loop(h, table.T, 2.0),
                                   rtol=1e-13)

    def test_untied_uses_its_own_table(self):
        layer, rng = make(tie_weights=False)
        self.assertEqual([w.name for w in layer.weights], ["embeddings", "reverse_embeddings"])
        self.assertEqual(layer.reverse_embeddings.shape, (3, 7))
        h = rng.standard_normal((5, 3))
        np.testing.assert_allclose(layer(h, reverse=True),
                                   reverse_loop(h, layer.reverse_embeddings.numpy()),
                                   rtol=1e-13)

    def test_reverse_dtype_and_masks(self):
        layer = layers.ReversibleEmbedding(7, 3, mask_zero=True, reverse_dtype="float64")
        ids = np.array([[0, 2, 0]])
        h = layer(ids)
        np.testing.assert_array_equal(layers.masks.carried(h), ids != 0)
        logits = layer(np.asarray(h, "float32"), reverse=True)
        self.assertEqual(logits.dtype, np.float64)
        self.assertIsNone(layers.masks.carried(logits))  # a reverse call makes no mask
        self.assertEqual(layer.compute_output_shape((None, 4, 3), reverse=True), (None, 4, 7))

    def test_gradients_of_a_tied_table_add_both_calls(self):
        for args in ({"logit_soft_cap": 1.5}, {"tie_weights": False}):
            layer, rng = make(**args)
            ids = np.array([[0, 3, 3, 6]])
            h = rng.standard_normal((1, 4, 3))
            g = rng.standard_normal((1, 4, 7))
            with keras.GradientTape() as tape:
                watched = tape.watch(h.copy())
                loss = keras.ops.sum(layer(layer(ids) + watched, reverse=True) * g)
            grads = tape.gradient(loss, [watched, *layer.trainable_weights])
            values = [h, *layer.get_weights()]

            def loss_of(v):
                kernel = v[1].T if len(v) == 2 else v[2]
                return np.sum(reverse_loop(v[1][ids] + v[0], kernel,
                                           args.get("logit_soft_cap")) * g)
            for k, grad in enumerate(grads):
                direction = rng.standard_normal(values[k].shape)
                plus = [v + 1e-6 * direction if i == k else v for i, v in enumerate(values)]
                minus = [v - 1e-6 * direction if i == k else v for i, v in enumerate(values)]
                numeric = (loss_of(plus) - loss_of(minus)) / 2e-6
                self.assertAlmostEqual(np.sum(grad * direction), numeric, delta=1e-6)

    def test_errors(self):
        with self.assertRaisesRegex(ValueError, "reverse_dtype='bfloat16'"):
            layers.ReversibleEmbedding(5, 2, reverse_dtype="bfloat16")
        with self.assertRaisesRegex(TypeError, "logit_soft_cap"):
            layers.ReversibleEmbedding(5, 2, logit_soft_cap="big")
        layer = layers.ReversibleEmbedding(5, 2)
        with self.assertRaisesRegex(ValueError, "output_dim=2"):
            layer(np.zeros((2, 3)), reverse=True)
        with self.assertRaisesRegex(ValueError, "indices"):
            layer(np.array([[5]]))


if __name__ == "__main__":
    unittest.main()
