"""Second-order gradients: keras.io's WGAN-GP gradient penalty, three ways.

The critics (a small convnet: Conv2D strided 'same' + LeakyReLU + Flatten + Dense; an
MLP: Dense tanh + Dense) get the same weights in kerasmini and tf.keras. The penalty is
mean over the batch of (|d critic / d x| - 1) ** 2, and its gradient with respect to
every critic weight is taken through nested tapes (kerasmini.GradientTape,
tf.GradientTape) and by central differences (h = 1e-6) of an independent float64
reference: reference.py's loop forward, whose input gradient is the conv's Jacobian
(the reference conv of the 72 unit images: conv is linear in x) times the upstream
gradient, so nothing is shared with either library.

Tolerances, relative to each gradient's largest element: float64 1e-8 (the central
differences' own error; measured: kerasmini 3e-10, tf.keras 3e-9); float32 1e-5, the
forward suite's (measured: kerasmini 8e-7, tf.keras 6e-7).

A short WGAN-GP critic training loop (4 Adam steps, critic loss
mean(critic(fake)) - mean(critic(real)) + 10 * penalty on fixed interpolates, copied
weights) ends with kerasmini's weights within 1e-5 of tf.keras's (float32, relative to
each weight's scale; measured 1e-7).
"""
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance import harness, reference

tf, keras = harness.tf, harness.keras

SHAPE = (6, 6, 2)
RTOL = {"float32": 1e-5, "float64": 1e-8}


def _conv_critic(lib, dtype):
    return lib.Sequential([
        lib.Input(SHAPE, dtype=dtype),
        lib.layers.Conv2D(3, 3, strides=2, padding="same", dtype=dtype),
        lib.layers.LeakyReLU(0.2, dtype=dtype), lib.layers.Flatten(dtype=dtype),
        lib.layers.Dense(1, dtype=dtype)])


def _mlp_critic(lib, dtype):
    return lib.Sequential([
        lib.Input(SHAPE, dtype=dtype), lib.layers.Flatten(dtype=dtype),
        lib.layers.Dense(5, activation="tanh", dtype=dtype),
        lib.layers.Dense(1, dtype=dtype)])


CRITICS = {"conv": _conv_critic, "mlp": _mlp_critic}


def _reference_input_gradient(kind, weights, x):
    """d critic / d x per sample, in float64, from reference.py's forward."""
    if kind == "mlp":
        w1, b1, w2, _ = weights
        z = reference.dense(x.reshape(len(x), -1), w1, b1)
        upstream = (1 - np.tanh(z) ** 2) * w2[:, 0]
        return (upstream @ np.asarray(w1, np.float64).T).reshape(x.shape)
    kernel, bias, w2, _ = weights
    z = reference.conv2d(x, kernel, bias, 2, "same", "channels_last", 1)
    upstream = np.where(z >= 0, 1.0, 0.2) * np.asarray(w2[:, 0], np.float64).reshape(
        z.shape[1:])
    units = np.eye(int(np.prod(SHAPE))).reshape((-1,) + SHAPE)
    jacobian = reference.conv2d(units, kernel, None, 2, "same", "channels_last", 1)
    return (upstream.reshape(len(x), -1) @ jacobian.reshape(len(units), -1).T).reshape(
        x.shape)


def reference_penalty(kind, weights, x):
    slopes = _reference_input_gradient(kind, weights, x)
    norms = np.sqrt(np.sum(slopes.reshape(len(x), -1) ** 2, axis=1))
    return np.mean((norms - 1) ** 2)


def penalty_differences(penalty, weights, h=1e-6):
    """Central differences of penalty(weights) in every weight element, float64."""
    weights = [np.array(w, np.float64) for w in weights]
    grads = []
    for w in weights:
        grad = np.zeros_like(w)
        for i in np.ndindex(w.shape):
            saved = w[i]
            w[i] = saved + h
            up = penalty(weights)
            w[i] = saved - h
            down = penalty(weights)
            w[i] = saved
            grad[i] = (up - down) / (2 * h)
        grads.append(grad)
    return grads


def reference_penalty_gradients(kind, weights, x):
    return penalty_differences(lambda w: reference_penalty(kind, w, x), weights)


def km_penalty(model, x):
    with kerasmini.GradientTape() as outer:
        with kerasmini.GradientTape() as inner:
            traced = inner.watch(x)
            scores = model(traced, training=True)
        slopes = inner.gradient(scores, traced)
        norms = np.sqrt(np.sum(np.reshape(slopes, (len(x), -1)) ** 2, axis=1))
        penalty = np.mean((norms - 1) ** 2)
    return float(penalty), outer.gradient(penalty, model.trainable_weights)


def tf_penalty(model, x):
    x = tf.constant(x)
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            inner.watch(x)
            scores = model(x, training=True)
        slopes = inner.gradient(scores, x)
        norms = tf.sqrt(tf.reduce_sum(tf.reshape(slopes, (len(x), -1)) ** 2, axis=1))
        penalty = tf.reduce_mean((norms - 1) ** 2)
    grads = outer.gradient(penalty, model.trainable_weights)
    return float(penalty), [None if g is None else g.numpy() for g in grads]


def _models(kind, dtype, seed):
    rng = np.random.default_rng(seed)
    tf_model, km_model = CRITICS[kind](keras, dtype), CRITICS[kind](kerasmini, dtype)
    weights = [(rng.standard_normal(w.shape) * 0.5).astype(dtype)
               for w in km_model.get_weights()]
    tf_model.set_weights(weights)
    km_model.set_weights(weights)
    x = rng.standard_normal((3,) + SHAPE).astype(dtype)
    return tf_model, km_model, weights, x


def _close(got, want, rtol, what):
    scale = max(float(np.max(np.abs(want))), 1e-30)
    err = float(np.max(np.abs(np.asarray(got, np.float64) - want))) / scale
    assert err <= rtol, f"{what}: error {err:.2e} of the scale {scale:.3g} > {rtol}"


def check_penalty(km_model, tf_model, x, ref_value, ref_grads, dtype):
    """kerasmini's and tf.keras's penalty and its weight gradients, each against the
    reference's, at RTOL[dtype]."""
    km_value, km_grads = km_penalty(km_model, x)
    tf_value, tf_grads = tf_penalty(tf_model, x)
    rtol = RTOL[dtype]
    _close(km_value, ref_value, rtol, "kerasmini penalty")
    _close(tf_value, ref_value, rtol, "tf.keras penalty")
    for variable, km, tf_grad, ref in zip(km_model.trainable_weights, km_grads, tf_grads,
                                          ref_grads):
        if km is None or tf_grad is None:  # the last bias: no path to the slopes
            assert km is None and tf_grad is None, variable.path
            np.testing.assert_array_equal(ref, 0 * ref)
            continue
        assert km.dtype == np.dtype(dtype), (variable.path, km.dtype)
        _close(km, ref, rtol, f"kerasmini d penalty / d {variable.path}")
        _close(tf_grad, ref, rtol, f"tf.keras d penalty / d {variable.path}")


class GradientPenaltyTest(unittest.TestCase):

    @parameterized.expand([(k, d) for k in CRITICS for d in ("float32", "float64")])
    def test_penalty_and_its_weight_gradients(self, kind, dtype):
        tf_model, km_model, weights, x = _models(kind, dtype, seed=len(kind) + len(dtype))
        ref_value = reference_penalty(kind, weights, x)
        ref_grads = reference_penalty_gradients(kind, weights, x)
        check_penalty(km_model, tf_model, x, ref_value, ref_grads, dtype)


def _train(lib, tape_cls, model, steps, real, fake, mixed):
    optimizer = lib.optimizers.Adam(1e-2)
    for _ in range(steps):
        with tape_cls() as outer:
            with tape_cls() as inner:
                traced = tf.constant(mixed) if lib is keras else mixed
                if lib is keras:
                    inner.watch(traced)
                else:
                    traced = inner.watch(traced)
                scores = model(traced, training=True)
            slopes = inner.gradient(scores, traced)
            norms = lib.ops.sqrt(lib.ops.sum(
                lib.ops.reshape(slopes, (len(real), -1)) ** 2, axis=1))
            penalty = lib.ops.mean((norms - 1) ** 2)
            loss = (lib.ops.mean(model(fake, training=True))
                    - lib.ops.mean(model(real, training=True)) + 10.0 * penalty)
        grads = outer.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
    return [np.asarray(w) for w in model.get_weights()]


class TrainingLoopTest(unittest.TestCase):

    @parameterized.expand(list(CRITICS))
    def test_wgan_gp_critic_steps_follow_tf(self, kind):
        tf_model, km_model, _, real = _models(kind, "float32", seed=7)
        rng = np.random.default_rng(8)
        fake = rng.standard_normal(real.shape).astype("float32")
        alpha = rng.random((len(real), 1, 1, 1)).astype("float32")
        mixed = alpha * real + (1 - alpha) * fake
        tf_weights = _train(keras, tf.GradientTape, tf_model, 4, real, fake, mixed)
        km_weights = _train(kerasmini, kerasmini.GradientTape, km_model, 4, real, fake,
                            mixed)
        for km, want in zip(km_weights, tf_weights):
            _close(km, want, 1e-5, "weights after 4 WGAN-GP critic steps")
