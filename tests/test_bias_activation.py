"""ops.bias_add_activate against a loop reference: the bias along the channel axis of
either layout, relu computed into the caller's array, any other activation as given."""
import unittest

import numpy as np

from kerasmini import activations, ops


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

    def test_relu_writes_into_its_input_and_none_means_no_bias(self):
        x = np.array([[-1.0, 2.0], [3.0, -4.0]])
        out = ops.bias_add_activate(x, None, activations.relu)
        self.assertIs(out, x)  # no second output-sized array
        np.testing.assert_array_equal(out, [[0.0, 2.0], [3.0, 0.0]])


if __name__ == "__main__":
    unittest.main()
