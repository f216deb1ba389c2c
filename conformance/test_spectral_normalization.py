"""SpectralNormalization (around Dense, Conv2D, Embedding) and AlphaDropout while
training, three ways: kerasmini, tf.keras, and float64 references written from the
papers (Miyato et al.'s power iteration with explicit norms; Klambauer et al.'s affine
dropout rule). Configs cross between the libraries both ways.

SpectralNormalization: the twins start from the same weights (tf.keras's kernel, bias
and vector_u copied into kerasmini); each of three training calls must give the same
vector_u, normalized kernel and output as the reference run on the previous step's
float64 values; then the gradients of sum(y * R) w.r.t. the input and the trainable
weights, where Keras differentiates the wrapped layer at the assigned kernel (the
assignment is not differentiated): for Dense, dx = R K^T, dK = x^T R, db = sum R.
"""
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance import harness, reference
from kerasmini.check import divergences

tf, keras = harness.tf, harness.keras

EPSILON = 1e-7  # keras.ops.normalize's floor on the norm


def unit(x):
    return x / max(np.linalg.norm(x), EPSILON)


def power_step(kernel, u, iterations):
    """(u, kernel / sigma) in float64."""
    w = kernel.reshape(-1, kernel.shape[-1])
    for _ in range(iterations):
        v = unit(u @ w.T)
        u = unit(v @ w)
    return u, kernel / (v @ w @ u.T).item()


def wrapped_output(inner, x, kernel, bias):
    """The wrapped layer's output at `kernel` (float64): Dense, Conv2D (valid), Embedding."""
    if inner == "Embedding":
        return kernel[x]
    if inner == "Conv2D":
        return reference.conv2d(x, kernel, bias, 1, "valid", "channels_last", 1)
    return np.asarray(x, np.float64) @ kernel + (0 if bias is None else bias)


def cast_to_input_dtype(tf_out):
    """tf.keras 3.15 casts the output to the input's dtype: integer ids make an
    Embedding's output integers (zeros)."""
    return divergences.SPECTRAL_CAST_TO_INPUT_DTYPE


CASES = [("Dense", dict(units=4), (3, 5), 1, "float32"),
         ("Dense", dict(units=3, use_bias=False), (2, 6), 3, "float64"),
         ("Conv2D", dict(filters=3, kernel_size=2), (2, 5, 4, 2), 2, "float32"),
         ("Embedding", dict(input_dim=7, output_dim=3), (2, 4), 1, "float32")]


def _twins(inner, args, iterations, dtype, shape, rng):
    t = keras.layers.SpectralNormalization(getattr(keras.layers, inner)(**args, dtype=dtype),
                                           power_iterations=iterations, dtype=dtype)
    m = kerasmini.layers.SpectralNormalization(
        getattr(kerasmini.layers, inner)(**args, dtype=dtype), power_iterations=iterations,
        dtype=dtype)
    x = rng.integers(0, 7, shape) if inner == "Embedding" else \
        rng.standard_normal(shape).astype(dtype)
    t(x)
    m(x)
    assert [w.shape for w in m.weights] == [tuple(w.shape) for w in t.weights]
    m.set_weights([np.asarray(w) for w in t.get_weights()])
    return t, m, x


class TestSpectralNormalizationTraining(unittest.TestCase):
    @parameterized.expand(CASES)
    def test_steps(self, inner, args, shape, iterations, dtype):
        harness.note("SpectralNormalization", dtype, "values")
        rng = np.random.default_rng(harness.seed_of("spectral", inner, dtype))
        t, m, x = _twins(inner, args, iterations, dtype, shape, rng)
        where = f"SpectralNormalization({inner}{args}, power_iterations={iterations}) {dtype}"
        for step in range(3):
            kernel, u = (np.asarray(w, np.float64) for w in (m.kernel.numpy(),
                                                              m.vector_u.numpy()))
            ref_u, ref_kernel = power_step(kernel, u, iterations)
            y_m, y_t = m(x, training=True), np.asarray(t(x, training=True))
            for what, km_value, tf_value, ref in (
                    ("vector_u", m.vector_u.numpy(), t.vector_u.numpy(), ref_u),
                    ("kernel", m.kernel.numpy(), t.kernel.numpy(), ref_kernel)):
                harness.three_way(km_value, np.asarray(tf_value), ref, dtype,
                                  f"{where} step {step} {what}")
            # the output: the wrapped layer's, at the kernel now assigned
            bias = m.layer.bias.numpy().astype(np.float64) if getattr(
                m.layer, "bias", None) is not None else None
            harness.three_way(y_m, y_t, wrapped_output(inner, x, ref_kernel, bias), dtype,
                              f"{where} step {step} output",
                              cast_to_input_dtype if inner == "Embedding" else None)
            t.set_weights(m.get_weights())  # the next step from the same values

    @parameterized.expand([("float32",), ("float64",)])
    def test_dense_gradients(self, dtype):
        harness.note("grad SpectralNormalization", dtype, "gradients")
        rng = np.random.default_rng(harness.seed_of("spectral-grad", dtype))
        t, m, x = _twins("Dense", dict(units=4), 1, dtype, (3, 5), rng)
        r = rng.standard_normal((3, 4)).astype(dtype)
        with kerasmini.GradientTape() as tape:
            loss = kerasmini.ops.sum(m(tape.watch(x), training=True) * r)
        km = tape.gradient(loss, [x, *m.trainable_weights])
        xt = tf.constant(x)
        with tf.GradientTape() as tf_tape:
            tf_tape.watch(xt)
            tf_loss = tf.reduce_sum(t(xt, training=True) * r)
        tf_grads = tf_tape.gradient(tf_loss, [xt, *t.trainable_weights])
        kernel, r64, x64 = (np.asarray(a, np.float64) for a in (m.kernel.numpy(), r, x))
        refs = [r64 @ kernel.T, x64.T @ r64, r64.sum(0)]
        for what, km_grad, tf_grad, ref in zip(("input", "kernel", "bias"), km, tf_grads,
                                               refs):
            harness.three_way(km_grad, np.asarray(tf_grad), ref, dtype,
                              f"SpectralNormalization(Dense) {dtype} d/d{what}")

    def test_configs_cross(self):
        tf_layer = keras.layers.SpectralNormalization(keras.layers.Conv2D(2, 3),
                                                      power_iterations=2)
        km_layer = kerasmini.layers.SpectralNormalization.from_config(tf_layer.get_config())
        self.assertEqual(km_layer.get_config(), tf_layer.get_config())
        back = keras.layers.SpectralNormalization.from_config(km_layer.get_config())
        self.assertEqual(back.get_config(), tf_layer.get_config())


class TestAlphaDropoutTraining(unittest.TestCase):
    """Both libraries: every output a x + b or a alpha' + b, the dropped fraction within
    5 binomial standard deviations of `rate`, a noise_shape mask constant along its
    broadcast axis."""

    @parameterized.expand([(0.2, None, "float32"), (0.5, (None, 1, 6), "float64")])
    def test_rule(self, rate, noise_shape, dtype):
        harness.note("AlphaDropout", dtype, "values")
        alpha_p = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946
        a = ((1 - rate) * (1 + rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * rate
        x = np.random.default_rng(3).standard_normal((40, 5, 6)).astype(dtype)
        tol = 1e-5 if dtype == "float32" else 1e-12
        for library in (kerasmini, keras):
            layer = library.layers.AlphaDropout(rate, noise_shape=noise_shape, seed=2,
                                                dtype=dtype)
            y = np.asarray(layer(x, training=True), np.float64)
            dropped = np.abs(y - (a * alpha_p + b)) <= tol
            kept = np.abs(y - (a * x.astype(np.float64) + b)) <= tol * np.maximum(
                1, np.abs(y))
            self.assertTrue((kept | dropped).all(), f"{library.__name__}: off the rule")
            if noise_shape is not None:
                self.assertTrue((dropped == dropped[:, :1]).all(), library.__name__)
            n = dropped.size if noise_shape is None else dropped[:, :1].size
            self.assertLess(abs(dropped.mean() - rate), 5 * np.sqrt(rate * (1 - rate) / n))
