"""Default weights: the same distributions as tf.keras (Glorot-uniform kernels with the
receptive field in fan-in/fan-out, zero biases), checked on each side's own samples.

Glorot-uniform draws from U(-L, L), L = sqrt(6 / (fan_in + fan_out)). With >= 2,000
samples the largest |w| is within 0.5% of L and the standard deviation within ~4% of
L / sqrt(3) (its relative standard error is ~1.1/sqrt(n)); the bounds below allow 3x that.
A fan computed without the receptive field changes L by a factor sqrt(kh*kw) >= 1.7.
"""
import math
import unittest

import numpy as np
from parameterized import parameterized

from conformance import harness

CASES = [
    ("Conv2D_k3", "Conv2D", dict(filters=64, kernel_size=3), (1, 9, 9, 32)),
    ("Conv2D_k5x3", "Conv2D", dict(filters=40, kernel_size=(5, 3)), (1, 9, 9, 24)),
    ("Conv2D_k2_groups", "Conv2D", dict(filters=64, kernel_size=2, groups=2), (1, 9, 9, 64)),
    ("Conv2D_k3_channels_first", "Conv2D",
     dict(filters=48, kernel_size=3, data_format="channels_first"), (1, 16, 9, 9)),
    ("Dense_64x48", "Dense", dict(units=48), (2, 64)),
    ("Dense_rank4", "Dense", dict(units=100, use_bias=False), (2, 3, 4, 30)),
]


def stats(kernel):
    k = np.asarray(kernel, np.float64)
    return float(np.max(np.abs(k))), float(np.std(k)), float(np.mean(k))


def case_name(func, num, param):
    return f"{func.__name__}_{param.args[0]}"


class _Init:
    def check(self, name, layer, args, shape):
        harness.note(layer, "float32", "init")
        t, m = harness.make_tf(layer, args), harness.make_km(layer, args)
        t.build(shape)
        m.build(shape)
        tk, mk = np.asarray(t.get_weights()[0]), m.get_weights()[0]
        receptive = math.prod(tk.shape[:-2])
        fan_in, fan_out = tk.shape[-2] * receptive, tk.shape[-1] * receptive
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        where = harness.describe(layer, args, "float32", shape)
        n = tk.size
        for who, k in (("tf.keras", tk), ("kerasmini", mk)):
            mx, sd, mean = stats(k)
            harness.record_error(abs(mx - limit), 0.0)
            if who == "tf.keras" and not (0.99 * limit <= mx <= limit):
                harness.record_divergence("tf-glorot-limit", where, f"max|w|={mx}, L={limit}")
                continue
            self.assertLessEqual(mx, limit * (1 + 1e-6),
                                 f"{where}: {who} kernel beyond the Glorot limit {limit:.4g}")
            self.assertGreaterEqual(mx, 0.99 * limit,
                                    f"{where}: {who} max|w|={mx:.4g} << Glorot limit "
                                    f"{limit:.4g} (fan_in={fan_in}, fan_out={fan_out})")
            self.assertLess(abs(sd / (limit / math.sqrt(3)) - 1), 3 * 1.1 / math.sqrt(n) + 0.01,
                            f"{where}: {who} std {sd:.4g} vs {limit / math.sqrt(3):.4g}")
        for tb, mb in zip(t.get_weights()[1:], m.get_weights()[1:]):
            self.assertTrue(np.array_equal(mb, np.zeros_like(mb)), f"{where}: bias not zero")
            self.assertTrue(np.array_equal(np.asarray(tb), mb))
        self.assertEqual(mk.dtype, np.float32)


class TestConv2DInitializers(unittest.TestCase, _Init):
    @parameterized.expand([c for c in CASES if c[1] == "Conv2D"], name_func=case_name)
    def test(self, name, layer, args, shape):
        self.check(name, layer, args, shape)


class TestDenseInitializers(unittest.TestCase, _Init):
    @parameterized.expand([c for c in CASES if c[1] == "Dense"], name_func=case_name)
    def test(self, name, layer, args, shape):
        self.check(name, layer, args, shape)
