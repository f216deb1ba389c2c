"""float32 gradients as accurate as float32 allows: each rule against itself in float64.

The same layer and the same (float32-representable) inputs, weights and upstream gradient
run once in float32 and once in float64; the float32 gradient must be within a few ulps
of the float64 one, scaled by the gradient's largest entry:
    max|g32 - g64| <= ULPS * eps32 * max|g64|.
A rule that sums a per-channel reduction of batch * height * width values row after row
in float32, or computes batch statistics in float32, misses this by 10-60x at these sizes
(the BatchNormalization input gradient was 1.7e-6 relative at batch 32 and 7.8e-6 at
batch 128, its gamma/beta and the conv/dense bias gradients 1e-6..4e-6), and a whole
fit inherits it.

The inputs are like a first conv layer's on digits: features with a mean of a few times
their spread (the cancellation in x - mean that BatchNormalization must survive).
"""
import unittest

import numpy as np
from parameterized import parameterized

import kerasmini
from kerasmini import layers

EPS32 = float(np.finfo(np.float32).eps)
ULPS = 8


def _features(shape, seed):
    rng = np.random.default_rng(seed)
    offset = rng.uniform(1.0, 4.0, shape[-1])
    return (offset + rng.standard_normal(shape) * 0.5).astype(np.float32)


def _gradients(layer_fn, weights, x, upstream, dtype):
    layer = layer_fn(dtype)
    layer.build(x.shape)
    layer.set_weights([w.astype(dtype) for w in weights])
    x = x.astype(dtype)
    with kerasmini.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        loss = kerasmini.ops.sum(y * upstream.astype(dtype))
    return tape.gradient(loss, [x] + layer.trainable_weights)


def _assert_within_ulps(layer_fn, weights, x, seed):
    rng = np.random.default_rng(seed + 100)
    out_shape = layer_fn("float64").compute_output_shape(x.shape)
    # not centred, as a real dL/dy (relu masks, softmax - one_hot): partial sums grow
    upstream = (1.0 + rng.standard_normal(out_shape)).astype(np.float32)
    g32 = _gradients(layer_fn, weights, x, upstream, "float32")
    g64 = _gradients(layer_fn, weights, x, upstream, "float64")
    for i, (a, b) in enumerate(zip(g32, g64)):
        assert a.dtype == np.float32, (i, a.dtype)
        error = np.max(np.abs(a.astype(np.float64) - b)) / np.max(np.abs(b))
        assert error <= ULPS * EPS32, f"gradient {i}: {error:.2e} relative > {ULPS} ulps"


class Float32GradientTest(unittest.TestCase):
    @parameterized.expand([(32,), (128,)])
    def test_batch_normalization_training(self, batch):
        x = _features((batch, 8, 8, 8), batch)
        rng = np.random.default_rng(1)
        weights = [rng.uniform(0.5, 1.5, 8).astype(np.float32),
                   (rng.standard_normal(8) * 0.1).astype(np.float32),
                   np.zeros(8, np.float32), np.ones(8, np.float32)]
        _assert_within_ulps(lambda d: layers.BatchNormalization(dtype=d), weights, x, batch)

    def test_conv_bias(self):
        x = _features((64, 8, 8, 4), 2)
        rng = np.random.default_rng(3)
        weights = [(rng.standard_normal((1, 1, 4, 6)) * 0.3).astype(np.float32),
                   (rng.standard_normal(6) * 0.1).astype(np.float32)]
        _assert_within_ulps(lambda d: layers.Conv2D(6, 1, dtype=d), weights, x, 4)

    def test_dense_bias(self):
        x = _features((4096, 3), 5)
        rng = np.random.default_rng(6)
        weights = [(rng.standard_normal((3, 5)) * 0.3).astype(np.float32),
                   (rng.standard_normal(5) * 0.1).astype(np.float32)]
        _assert_within_ulps(lambda d: layers.Dense(5, dtype=d), weights, x, 7)
