"""ops.bias_add_activate against a loop reference: the bias along the channel axis of
either layout, relu computed into the caller's array, any other activation as given."""
import unittest
from unittest import mock

import numpy as np

from kerasmini import activations, ops
from kerasmini.autodiff import GradientTape
from kerasmini.ops import bias_activation, bias_activation_vjp
from kerasmini.ops.bias_activation import bias_add_relu
from tests.kernel_limits import shrunk


def loop_reference(x, bias, activation, axis):
    out = np.array(x, dtype=np.float64)
    for index in np.ndindex(out.shape):
        out[index] += bias[index[axis]]
    return activation(out)


class BiasAddActivateTest(unittest.TestCase):
    def test_each_axis_and_activation(self):
        rng = np.random.default_rng(0)
        for axis, shape in ((-1, (2, 3, 4, 5)), (1, (2, 5, 3, 4)), (1, (2, 5, 3))):
            bias = rng.standard_normal(5)
            for activation in (activations.relu, activations.tanh, activations.linear):
                x = rng.standard_normal(shape)
                expected = loop_reference(x, bias, activation, axis)
                got = ops.bias_add_activate(x.copy(), bias, activation, axis)
                np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12,
                                           err_msg=f"axis={axis} {activation.__name__}")
                if axis == -1:  # the default axis is the last
                    np.testing.assert_allclose(ops.bias_add_activate(x.copy(), bias, activation),
                                               expected, rtol=1e-12, atol=1e-12)
                    with GradientTape():  # recorded relu: the fused op, same default
                        np.testing.assert_allclose(bias_add_relu(x, bias),
                                                   loop_reference(x, bias, activations.relu, -1),
                                                   rtol=1e-12, atol=1e-12)

    def test_relu_writes_into_its_input_and_none_means_no_bias(self):
        x = np.array([[-1.0, 2.0], [3.0, -4.0]])
        out = ops.bias_add_activate(x, None, activations.relu)
        self.assertIs(out, x)  # no second output-sized array
        np.testing.assert_array_equal(out, [[0.0, 2.0], [3.0, 0.0]])

    def test_recorded_bias_relu_is_the_add_and_relu_recorded_one_by_one(self):
        # while recording, bias + relu is one op (bias_add_relu): same output and the same
        # gradients, bit for bit, as the add and relu's own rule, NaN and inf included
        rng = np.random.default_rng(1)
        for dtype in ("float16", "float32", "float64"):
            for axis, shape in ((-1, (3, 4, 5, 6)), (1, (3, 6, 4, 5)), (0, (6, 3, 4))):
                x0 = rng.standard_normal(shape).astype(dtype)
                x0.flat[[0, 7, 11]] = [np.nan, np.inf, -np.inf]
                b0 = rng.standard_normal(6).astype(dtype)
                g = rng.standard_normal(shape).astype(dtype)
                g.flat[[1, 5]] = [np.nan, np.inf]
                expected, got = self._fused_and_apart(x0, b0, g, axis)
                for want, have in zip(expected, got):
                    self.assertEqual(have.dtype, np.dtype(dtype))
                    np.testing.assert_array_equal(have, want, err_msg=f"{dtype} {axis}")

    def test_forward_and_rule_on_two_threads(self):
        # a large batch: y by halves, dL/dx block by block, on two threads (the same bits), the
        # float64 bias sums of the blocks added in order (equal to the float32 / float64
        # rounding of the whole sum)
        rng = np.random.default_rng(2)
        for dtype, rtol in (("float32", 1e-6), ("float64", 1e-13)):
            x0 = rng.standard_normal((5, 4, 3, 6)).astype(dtype)
            b0, g = rng.standard_normal(6).astype(dtype), rng.standard_normal(x0.shape)
            g = g.astype(dtype)
            blocks, parts = [], []
            real_blocks = bias_activation_vjp.over_row_blocks
            real_parts = bias_activation.over_batch_parts

            def spied_blocks(task, rows, row_bytes, budget):
                real_blocks(lambda images: (blocks.append(images.start), task(images)),
                            rows, row_bytes, budget)

            def spied_parts(task, batch, nbytes):
                real_parts(lambda images: (parts.append(images.start), task(images)),
                           batch, nbytes)

            with shrunk(parallel_bytes=0, workers=2), \
                    mock.patch.object(bias_activation_vjp, "BLOCK_BYTES", 2 * x0[:1].nbytes), \
                    mock.patch.object(bias_activation_vjp, "over_row_blocks", spied_blocks), \
                    mock.patch.object(bias_activation, "over_batch_parts", spied_parts):
                (y0, dx0, db0), (y1, dx1, db1) = self._fused_and_apart(x0, b0, g, -1)
            # halves [0, 3) and [3, 5); the rule's in blocks of two images
            self.assertEqual(sorted(parts), [0, 3])
            self.assertEqual(sorted(blocks), [0, 2, 3])
            np.testing.assert_array_equal(y1, y0)
            np.testing.assert_array_equal(dx1, dx0)
            np.testing.assert_allclose(db1, db0, rtol=rtol, atol=0)

    @staticmethod
    def _fused_and_apart(x0, b0, g, axis):
        results = []
        for fused in (False, True):
            x, b = x0.copy(), b0.copy()
            with GradientTape() as tape:
                x, b = tape.watch([x, b])
                if fused:
                    y = ops.bias_add_activate(x, b, activations.relu, axis)
                else:
                    shape = [1] * x.ndim
                    shape[axis] = b.shape[0]
                    y = activations.relu(x + b.reshape(shape))
            ops_recorded = [entry.name for entry in tape._entries]
            assert ("bias_add_relu" in ops_recorded) == fused, ops_recorded
            with np.errstate(invalid="ignore"):  # inf * 0 where relu blocks an inf
                dx, db = tape.gradient(y, [x, b], output_gradients=g)
            results.append((np.asarray(y), dx, db))
        return results

    def test_the_fused_rule_skips_a_bias_no_tape_follows(self):
        x, b = np.ones((2, 3)), np.array([1.0, -2.0, 0.5])
        with GradientTape() as tape:
            x = tape.watch(x)
            y = bias_add_relu(x, b)  # b: a constant
        np.testing.assert_array_equal(tape.gradient(y, x), [[1.0, 0.0, 1.0]] * 2)

    def test_the_rule_sums_the_bias_exactly_when_needed_on_either_path(self):
        # axis 0 (the batch's own axis: one piece) and the channel axis (blocks of images)
        rng = np.random.default_rng(3)
        for axis, shape in ((0, (3, 4, 2)), (-1, (3, 4, 2))):
            x = rng.standard_normal(shape)
            bias = rng.standard_normal(shape[axis])
            out = bias_add_relu(x.copy(), bias, axis)
            g = rng.standard_normal(shape)
            summed = tuple(a for a in range(x.ndim) if a != axis % x.ndim)
            for needed in [(True, True), (True, False), (False, True)]:
                dx, dbias = bias_activation_vjp.bias_add_relu_vjp(g, out, x, bias, axis,
                                                                  needed)
                np.testing.assert_array_equal(dx, g * (out > 0))
                if needed[1]:
                    np.testing.assert_allclose(dbias, np.sum(g * (out > 0), axis=summed),
                                               rtol=1e-12, err_msg=f"{axis} {needed}")
                else:
                    self.assertIsNone(dbias, f"{axis} {needed}")


if __name__ == "__main__":
    unittest.main()
