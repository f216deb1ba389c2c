"""predict's graph rewrites (kerasmini/models/inference.py) against tf.keras and the float64
reference: BatchNormalization folded into a Conv2D, a DepthwiseConv2D and a Dense, a
BatchNormalization and its ReLU in one pass (the inference normalization in blocks and on
two threads, limits shrunk so that small inputs cross them), ReLUs in place. The model's
weights and moving statistics are random; the reference is computed layer by layer from
textbook formulas in float64. Small: runs in every tier."""
import unittest

import numpy as np

from conformance import reference
from conformance import reference_conv_layers as ref_conv
from conformance import reference_layers as ref
from conformance.harness import three_way
from conformance.tfload import load
import kerasmini
from tests.kernel_limits import shrunk

tf, keras = load()


def build(library):
    """The same graph in tf.keras or kerasmini: every rewrite predict makes, once."""
    layers = library.layers
    inputs = library.Input((9, 8, 4))
    x = layers.Conv2D(6, 3, padding="same", name="conv")(inputs)
    x = layers.BatchNormalization(name="bn_conv")(x)  # folds into conv
    x = layers.ReLU(name="relu_conv")(x)  # in place on the folded conv's output
    y = layers.DepthwiseConv2D(3, strides=2, name="depthwise")(x)
    y = layers.BatchNormalization(name="bn_depthwise")(y)  # folds into depthwise
    y = layers.ReLU(6.0, name="relu6")(y)
    z = layers.Concatenate(name="concat")([y, layers.MaxPooling2D(3, 2, name="pool")(x)])
    z = layers.BatchNormalization(name="bn_concat")(z)  # concat read once: fused relu
    z = layers.Activation("relu", name="relu_concat")(z)
    z = layers.GlobalAveragePooling2D(name="gap")(z)
    z = layers.Dense(5, name="dense")(z)
    outputs = layers.BatchNormalization(name="bn_dense")(z)  # folds into dense
    return library.Model(inputs, outputs)


def random_weights(model, rng):
    return [rng.uniform(0.5, 1.5, w.shape).astype("float32") if "variance" in w.path
            else (rng.standard_normal(w.shape) * 0.5).astype("float32")
            for w in model.weights]


def float64_reference(x, weights):
    """The model, layer by layer, in float64 (weights by layer name)."""
    def bn(v, name):
        gamma, beta, mean, variance = weights[name]
        return ref.batch_norm(v, -1, 1e-3, gamma, beta, mean, variance)

    def relu(v, top=None):
        return ref.relu(v, top, 0.0, 0.0)

    x = relu(bn(reference.conv2d(x, *weights["conv"], 1, "same", "channels_last", 1),
                "bn_conv"))
    y = ref_conv.depthwise_conv2d(x, weights["depthwise"][0], 2, "valid", "channels_last", 1)
    y = relu(bn(y + weights["depthwise"][1], "bn_depthwise"), 6.0)
    pooled = reference.max_pool2d(x, 3, 2, "valid", "channels_last")
    z = relu(bn(ref.concatenate([y, pooled], -1), "bn_concat"))
    z = ref.global_pool2d(z, "channels_last", False, "avg")
    return bn(reference.dense(z, *weights["dense"]), "bn_dense")


class PredictRewritesTest(unittest.TestCase):
    def test_against_tf_keras_and_the_float64_reference(self):
        rng = np.random.default_rng(0)
        tf_model, km_model = build(keras), build(kerasmini)
        values = random_weights(tf_model, rng)
        tf_model.set_weights(values)
        km_model.set_weights(values)
        plan = km_model._plan
        self.assertEqual(sorted(n.operation.name for n in plan.folds),
                         ["bn_conv", "bn_dense", "bn_depthwise"])
        self.assertEqual([n.operation.name for n in plan.fused_relus], ["bn_concat"])
        by_layer = {layer.name: layer.get_weights() for layer in km_model.layers}
        x = rng.standard_normal((5, 9, 8, 4)).astype("float32")
        expected = float64_reference(x, by_layer)
        tf_out = tf_model.predict(x, verbose=0)
        for budget in (1, 200, None):  # one row, rows + remainder, the kernels' own
            for workers in (2, None):  # shared by two threads / as the machine allows
                with shrunk(block_bytes=budget, parallel_bytes=0 if workers else None,
                            workers=workers):
                    km_out = km_model.predict(x, verbose=0)
                three_way(km_out, tf_out, expected, "float32",
                          f"predict rewrites, block bytes {budget}, workers {workers}")

    def test_folded_weights_follow_set_weights(self):
        rng = np.random.default_rng(1)
        tf_model, km_model = build(keras), build(kerasmini)
        x = rng.standard_normal((3, 9, 8, 4)).astype("float32")
        for round_ in range(2):  # the second set_weights must refold
            values = random_weights(tf_model, rng)
            tf_model.set_weights(values)
            km_model.set_weights(values)
            by_layer = {layer.name: layer.get_weights() for layer in km_model.layers}
            three_way(km_model.predict(x, verbose=0), tf_model.predict(x, verbose=0),
                      float64_reference(x, by_layer), "float32", f"weights set {round_}")
