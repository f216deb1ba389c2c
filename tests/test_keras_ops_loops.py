"""keras.ops outside the shared table, NumPy only: the functional loops (map, scan,
associative_scan, vectorize, jvp), argpartition, lu_factor, the window functions and
the constructors, each against a slow obviously-correct NumPy formula."""
import unittest

import numpy as np

from kerasmini import GradientTape, ops
from tests.gradcheck import numeric_gradient


class LoopsTest(unittest.TestCase):
    def test_map_and_scan(self):
        x = np.arange(6.0).reshape(3, 2)
        np.testing.assert_array_equal(ops.map(lambda v: v * 2, x), x * 2)
        carry, ys = ops.scan(lambda c, v: (c + v, c * v), np.zeros(2), x)
        running = np.cumsum(x, axis=0)
        np.testing.assert_array_equal(carry, running[-1])
        np.testing.assert_array_equal(ys, np.vstack([np.zeros(2), running[:-1]]) * x)
        carry, ys = ops.scan(lambda c, v: (c + v, c), np.zeros(2), x, reverse=True)
        np.testing.assert_array_equal(ys, np.cumsum(x[::-1], axis=0)[::-1] - x)

    def test_associative_scan_is_a_running_reduction(self):
        x = np.random.default_rng(0).standard_normal((4, 3))
        np.testing.assert_allclose(ops.associative_scan(np.add, x, axis=1),
                                   np.cumsum(x, axis=1))
        np.testing.assert_allclose(ops.associative_scan(np.maximum, x, reverse=True),
                                   np.maximum.accumulate(x[::-1])[::-1])

    def test_scan_is_differentiated_through_its_steps(self):
        x = np.random.default_rng(1).standard_normal((4, 2))

        def total(v):
            return ops.sum(ops.scan(lambda c, step: (c * step, c), np.ones(2), v)[0])

        with GradientTape() as tape:
            tape.watch(x)
            loss = total(x)
        np.testing.assert_allclose(tape.gradient(loss, x),
                                   numeric_gradient(lambda: float(total(x)), x), atol=1e-7)

    def test_jvp_is_jacobian_times_tangent(self):
        x, t = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, -1.0])
        out, tangent = ops.jvp(lambda v: ops.sin(v) * ops.sum(v), [x], [t])
        jacobian = np.diag(np.cos(x) * x.sum()) + np.sin(x)[:, None]
        np.testing.assert_allclose(out, np.sin(x) * x.sum())
        np.testing.assert_allclose(tangent, jacobian @ t)

    def test_vectorize_with_signature(self):
        x = np.arange(6.0).reshape(3, 2)
        dot = ops.vectorize(lambda a, b: ops.sum(a * b), signature="(n),(n)->()")
        np.testing.assert_array_equal(dot(x, x), (x * x).sum(1))


class OrderingAndFactorsTest(unittest.TestCase):
    def test_argpartition_puts_the_kth_in_place(self):
        x = np.random.default_rng(2).integers(0, 9, (4, 7))
        for kth in (0, 3, 6):
            order = ops.argpartition(x, kth)
            picked = np.take_along_axis(x, order, -1)
            np.testing.assert_array_equal(np.sort(order, -1), np.tile(np.arange(7), (4, 1)))
            np.testing.assert_array_equal(picked[:, kth], np.sort(x, -1)[:, kth])
            self.assertTrue(np.all(picked[:, :kth] <= picked[:, kth:kth + 1]))
            self.assertTrue(np.all(picked[:, kth + 1:] >= picked[:, kth:kth + 1]))

    def test_lu_factor_rebuilds_the_permuted_matrix(self):
        a = np.random.default_rng(3).standard_normal((2, 5, 5))
        lu, pivots = ops.lu_factor(a)
        lower = np.tril(lu, -1) + np.eye(5)
        upper = np.triu(lu)
        rows = np.argsort(pivots, axis=-1)  # TensorFlow's pivots: the inverse order
        np.testing.assert_allclose(lower @ upper, np.take_along_axis(a, rows[..., None], 1),
                                   atol=1e-12)
        self.assertTrue(np.all(np.abs(np.tril(lu, -1)) <= 1))  # partial pivoting


class ConstructorsTest(unittest.TestCase):
    def test_windows(self):
        for n in (1, 2, 5, 8):
            k = np.arange(n)
            angle = 2 * np.pi * k / max(n - 1, 1)
            np.testing.assert_allclose(ops.hanning(n), np.hanning(n), atol=1e-7)
            np.testing.assert_allclose(ops.hamming(n), 0.54 - 0.46 * np.cos(angle)
                                       if n > 1 else [1.0], atol=1e-7)
            np.testing.assert_allclose(ops.blackman(n), np.blackman(n), atol=1e-7)
            np.testing.assert_allclose(ops.bartlett(n), np.bartlett(n), atol=1e-7)
            np.testing.assert_allclose(ops.kaiser(n, 4.0), np.kaiser(n, 4.0), atol=1e-6)
            self.assertEqual(ops.kaiser(n, 4.0).dtype, np.float32)

    def test_spaces_and_arrays(self):
        np.testing.assert_allclose(ops.logspace(0, 2, 3), [1, 10, 100], rtol=1e-6)
        np.testing.assert_allclose(ops.geomspace(-1, -1000, 4), [-1, -10, -100, -1000],
                                   rtol=1e-5)
        self.assertEqual(ops.array([1, 2]).dtype, np.int32)
        np.testing.assert_array_equal(ops.empty((2, 3)), np.zeros((2, 3)))
        self.assertEqual(ops.empty_like(np.ones(2, "int32")).dtype, np.int32)

    def test_average_with_weights(self):
        x = np.random.default_rng(4).standard_normal((3, 4))
        w = np.array([1.0, 2.0, 0.5, 3.0])
        np.testing.assert_allclose(ops.average(x, axis=1, weights=w),
                                   (x * w).sum(1) / w.sum())
        np.testing.assert_allclose(ops.average(x, weights=x * 0 + 2), x.mean())

    def test_unique_in_order_of_appearance(self):
        values, first, inverse = ops.unique(np.array([3, 1, 3, 2]), sorted=False,
                                            return_index=True, return_inverse=True)
        np.testing.assert_array_equal(values, [3, 1, 2])
        np.testing.assert_array_equal(first, [0, 1, 3])
        np.testing.assert_array_equal(values[inverse], [3, 1, 3, 2])

    def test_bad_arguments_name_themselves(self):
        with self.assertRaisesRegex(TypeError, "x.dtype=float"):
            ops.bitwise_and(np.ones(2), np.ones(2, "int32"))
        with self.assertRaisesRegex(ValueError, "sparse=True"):
            ops.bincount(np.arange(3), sparse=True)
        with self.assertRaisesRegex(TypeError, "float32` or `float64"):
            ops.stft(np.ones(8, "int32"), 4, 2, 4)
        with self.assertRaisesRegex(ValueError, "window"):
            ops.stft(np.ones(8), 4, 2, 4, window="kaiser")


if __name__ == "__main__":
    unittest.main()
