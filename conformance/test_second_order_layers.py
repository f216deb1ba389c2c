"""Second-order gradients through pooling, depthwise and transposed convolutions, and
tape.jacobian / batch_jacobian, three ways: kerasmini, tf.keras (nested
tf.GradientTapes, tf's jacobians) and an independent float64 reference.

The critics (WGAN-GP's gradient penalty, as conformance/test_second_order.py):
    max_pool:      Conv2D 'same' + LeakyReLU + MaxPooling2D(2) + Flatten + Dense
    average_pool:  Conv2D + LeakyReLU + AveragePooling2D(2, 1, 'same') + Flatten + Dense
    depthwise:     DepthwiseConv2D(3, 2, 'same', depth_multiplier=2) + LeakyReLU + ...
    transposed:    Conv2DTranspose(2, 3, 2) + LeakyReLU + Flatten + Dense
The reference writes each critic's input gradient in closed form, per sample,
    d critic / d x = M (leaky'(z) * (P w)),
M the first layer's matrix (reference.conv2d on the unit images: conv is linear in x;
a depthwise conv is reference.conv2d with one group per channel; a transposed conv's
matrix is the transpose of the conv it is the gradient of), P the pooling's (average:
the loop below on unit images; max: each window's first maximum, a loop), w the Dense
kernel; the penalty's weight gradients are its central differences (h = 1e-6,
test_second_order.penalty_differences).
jacobian / batch_jacobian of a tanh MLP (in x and in a kernel) and its Hessian, the
batch_jacobian of a batch_jacobian taken inside an outer tape, against tf's and the
closed forms.
Tolerances as conformance/test_second_order.py's: relative to each gradient's largest
element, float64 1e-8 (the differences' own error), float32 1e-5.
"""
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance import harness, reference
from conformance.test_second_order import _close, check_penalty, penalty_differences

tf, keras = harness.tf, harness.keras
def _max_pool_critic(lib, dtype):
    return [lib.layers.Conv2D(3, 3, padding="same", dtype=dtype),
            lib.layers.LeakyReLU(0.2, dtype=dtype), lib.layers.MaxPooling2D(2, dtype=dtype)]


def _average_pool_critic(lib, dtype):
    return [lib.layers.Conv2D(2, 3, dtype=dtype), lib.layers.LeakyReLU(0.2, dtype=dtype),
            lib.layers.AveragePooling2D(2, 1, "same", dtype=dtype)]


def _depthwise_critic(lib, dtype):
    return [lib.layers.DepthwiseConv2D(3, 2, "same", depth_multiplier=2, dtype=dtype),
            lib.layers.LeakyReLU(0.2, dtype=dtype)]


def _transposed_critic(lib, dtype):
    return [lib.layers.Conv2DTranspose(2, 3, 2, dtype=dtype),
            lib.layers.LeakyReLU(0.2, dtype=dtype)]


CRITICS = {"max_pool": (_max_pool_critic, (6, 6, 2)),
           "average_pool": (_average_pool_critic, (5, 5, 2)),
           "depthwise": (_depthwise_critic, (5, 5, 2)),
           "transposed": (_transposed_critic, (3, 3, 2))}


def _model(lib, kind, dtype):
    body, shape = CRITICS[kind]
    return lib.Sequential([lib.Input(shape, dtype=dtype), *body(lib, dtype),
                           lib.layers.Flatten(dtype=dtype),
                           lib.layers.Dense(1, dtype=dtype)])


# ----- the float64 reference ---------------------------------------------------------
def _units(shape):
    return np.eye(int(np.prod(shape))).reshape((-1,) + tuple(shape))


def _first_layer(kind, kernel, bias, x):
    """(z = first layer's output per sample, M: x.size x z.size per sample)."""
    shape = x.shape[1:]
    if kind == "transposed":  # the gradient of conv2d from z's shape to x's
        z_shape = tuple((n - 1) * 2 + 3 for n in shape[:2]) + (kernel.shape[2],)
        adjoint = reference.conv2d(_units(z_shape), kernel, None, 2, "valid",
                                   "channels_last", 1)
        matrix = adjoint.reshape(len(adjoint), -1).T
    else:
        if kind == "depthwise":  # one group per channel, filters c * M + m
            kh, kw, c, m = kernel.shape
            kernel, strides, padding = np.reshape(kernel, (kh, kw, 1, c * m)), 2, "same"
        else:
            strides, padding = 1, "same" if kind == "max_pool" else "valid"
        images = reference.conv2d(_units(shape), kernel, None, strides, padding,
                                  "channels_last", 1)
        z_shape, matrix = images.shape[1:], images.reshape(len(images), -1)
    z = x.reshape(len(x), -1) @ matrix + np.tile(np.asarray(bias, np.float64),
                                                  int(np.prod(z_shape[:2])))
    return z.reshape((len(x),) + tuple(z_shape)), matrix


def _average_pool(a):
    """AveragePooling2D(2, 1, 'same'): each window's mean over its pixels inside."""
    n, h, w, c = a.shape
    (oh, ow), windows = reference.pool_windows(h, w, 2, 1, "same")
    out = np.empty((n, oh, ow, c))
    for i, j, rows, cols in windows:
        out[:, i, j] = a[:, rows.start:rows.stop, cols.start:cols.stop].mean(axis=(1, 2))
    return out


def _max_pool_transposed(a, w):
    """P w for MaxPooling2D(2) at a (one sample): each window's weight at its first
    maximum in row-major order."""
    h, wd, c = a.shape
    (oh, ow), windows = reference.pool_windows(h, wd, 2, 2, "valid")
    w = w.reshape(oh, ow, c)
    routed = np.zeros(a.shape)
    for i, j, rows, cols in windows:
        for ch in range(c):
            window = a[rows.start:rows.stop, cols.start:cols.stop, ch]
            r, s = np.unravel_index(np.argmax(window), window.shape)
            routed[rows.start + r, cols.start + s, ch] += w[i, j, ch]
    return routed


def reference_slopes(kind, weights, x):
    kernel, bias, dense_kernel, _ = [np.asarray(w, np.float64) for w in weights]
    z, matrix = _first_layer(kind, kernel, bias, np.asarray(x, np.float64))
    w = dense_kernel[:, 0]
    if kind == "average_pool":
        pooled_units = _average_pool(_units(z.shape[1:]))
        routed = np.broadcast_to(pooled_units.reshape(len(pooled_units), -1) @ w,
                                 (len(x), int(np.prod(z.shape[1:]))))
    elif kind == "max_pool":
        a = np.where(z >= 0, z, 0.2 * z)
        routed = np.stack([_max_pool_transposed(sample, w).reshape(-1) for sample in a])
    else:
        routed = np.broadcast_to(w, (len(x), len(w)))
    upstream = np.where(z >= 0, 1.0, 0.2).reshape(len(x), -1) * routed
    return (upstream @ matrix.T).reshape(x.shape)


def reference_penalty(kind, weights, x):
    norms = np.sqrt(np.sum(reference_slopes(kind, weights, x).reshape(len(x), -1) ** 2,
                           axis=1))
    return np.mean((norms - 1) ** 2)


def reference_penalty_gradients(kind, weights, x):
    return penalty_differences(lambda w: reference_penalty(kind, w, x), weights)


class PenaltyThroughLayersTest(unittest.TestCase):

    @parameterized.expand([(k, d) for k in CRITICS for d in ("float32", "float64")])
    def test_penalty_and_its_weight_gradients(self, kind, dtype):
        rng = np.random.default_rng(len(kind) * 7 + len(dtype))
        tf_model, km_model = _model(keras, kind, dtype), _model(kerasmini, kind, dtype)
        weights = [(rng.standard_normal(w.shape) * 0.5).astype(dtype)
                   for w in km_model.get_weights()]
        tf_model.set_weights(weights)
        km_model.set_weights(weights)
        x = rng.standard_normal((3,) + CRITICS[kind][1]).astype(dtype)
        ref_value = reference_penalty(kind, weights, x)
        ref_grads = reference_penalty_gradients(kind, weights, x)
        check_penalty(km_model, tf_model, x, ref_value, ref_grads, dtype)


# ----- jacobian and batch_jacobian ---------------------------------------------------
def _mlp(lib, dtype):
    return lib.Sequential([lib.Input((3,), dtype=dtype),
                           lib.layers.Dense(4, activation="tanh", dtype=dtype),
                           lib.layers.Dense(2, dtype=dtype)])


def _twin_mlps(dtype, seed):
    """(tf model, kerasmini model, their shared weights, an input batch)."""
    rng = np.random.default_rng(seed)
    tf_model, km_model = _mlp(keras, dtype), _mlp(kerasmini, dtype)
    weights = [rng.standard_normal(w.shape).astype(dtype) for w in km_model.get_weights()]
    tf_model.set_weights(weights)
    km_model.set_weights(weights)
    return tf_model, km_model, weights, rng.standard_normal((5, 3)).astype(dtype)


def _reference_jacobians(weights, x):
    """y = tanh(x W1 + b1) W2 + b2: dy/dx per sample pair (n, u, m, i), dy/dW1."""
    w1, b1, w2, _ = [np.asarray(w, np.float64) for w in weights]
    slope = 1 - np.tanh(reference.dense(x, w1, b1)) ** 2      # (n, j)
    per_sample = np.einsum("ij,nj,ju->nui", w1, slope, w2)    # d y[n, u] / d x[n, i]
    n = len(x)
    d_inputs = np.zeros((n, 2, n, 3))
    d_inputs[np.arange(n), :, np.arange(n)] = per_sample
    d_kernel = np.einsum("ni,nj,ju->nuij", np.asarray(x, np.float64), slope, w2)
    return per_sample, d_inputs, d_kernel


class JacobianTest(unittest.TestCase):

    @parameterized.expand(["float32", "float64"])
    def test_jacobian_and_batch_jacobian(self, dtype):
        tf_model, km_model, weights, x = _twin_mlps(dtype, seed=3)
        per_sample, d_inputs, d_kernel = _reference_jacobians(weights, x)

        with kerasmini.GradientTape(persistent=True) as tape:
            traced = tape.watch(x)
            y = km_model(traced)
        km = (tape.jacobian(y, [traced, km_model.trainable_weights[0]]),
              tape.batch_jacobian(y, traced))
        tf_x = tf.constant(x)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(tf_x)
            y = tf_model(tf_x)
        tf_results = (tape.jacobian(y, [tf_x, tf_model.trainable_weights[0]]),
                      tape.batch_jacobian(y, tf_x))
        for (km_inputs, km_kernel), km_batch in [km]:
            (tf_inputs, tf_kernel), tf_batch = tf_results
            for got, want, what in ((km_inputs, d_inputs, "jacobian in x"),
                                    (km_kernel, d_kernel, "jacobian in the kernel"),
                                    (km_batch, per_sample, "batch_jacobian")):
                self.assertEqual(got.shape, want.shape, what)
                self.assertEqual(got.dtype, np.dtype(dtype), what)
                _close(got, want, harness.RTOL[dtype], f"kerasmini {what}")
            for got, want, what in ((tf_inputs, d_inputs, "jacobian in x"),
                                    (tf_kernel, d_kernel, "jacobian in the kernel"),
                                    (tf_batch, per_sample, "batch_jacobian")):
                _close(got.numpy(), want, harness.RTOL[dtype], f"tf.keras {what}")

    @parameterized.expand(["float32", "float64"])
    def test_hessian_as_the_jacobian_of_a_batch_jacobian(self, dtype):
        """d^2 sum_u y[n, u] / d x[n] d x[n] of y = tanh(x W1 + b1) W2 + b2: the outer
        tape's batch_jacobian of the inner one's, against tf's and the closed form
        W1 diag(tanh''(z) * W2 summed over u) W1^T, tanh'' = -2 tanh (1 - tanh^2)."""
        tf_model, km_model, weights, x = _twin_mlps(dtype, seed=4)
        w1, b1, w2, _ = [np.asarray(w, np.float64) for w in weights]
        t = np.tanh(reference.dense(x, w1, b1))
        want = np.einsum("ij,nj,kj->nik", w1, -2 * t * (1 - t ** 2) * w2.sum(axis=1), w1)

        with kerasmini.GradientTape() as outer:
            traced = outer.watch(x)
            with kerasmini.GradientTape() as inner:
                inner.watch(traced)
                total = np.sum(km_model(traced), axis=1, keepdims=True)
            slopes = inner.batch_jacobian(total, traced)[:, 0]
        km_hessian = outer.batch_jacobian(slopes, traced)
        tf_x = tf.constant(x)
        with tf.GradientTape() as outer:
            outer.watch(tf_x)
            with tf.GradientTape() as inner:
                inner.watch(tf_x)
                total = tf.reduce_sum(tf_model(tf_x), axis=1, keepdims=True)
            slopes = inner.batch_jacobian(total, tf_x)[:, 0]
        tf_hessian = outer.batch_jacobian(slopes, tf_x)
        self.assertEqual(km_hessian.dtype, np.dtype(dtype))
        _close(km_hessian, want, harness.RTOL[dtype], "kerasmini Hessian")
        _close(tf_hessian.numpy(), want, harness.RTOL[dtype], "tf.keras Hessian")
