"""Dense against the loop reference, for input ranks 2-5."""
import unittest

from parameterized import parameterized

from kerasmini import layers
from tests import reference
from tests.helpers import assert_close, random_input


class DenseTest(unittest.TestCase):
    @parameterized.expand([
        (shape, units, bias, dtype)
        for shape in [(3, 5), (2, 3, 4), (2, 1, 3, 4), (1, 2, 2, 2, 3)]
        for units in [1, 6]
        for bias in [True, False]
        for dtype in ["float32", "float64"]])
    def test_matches_reference(self, shape, units, use_bias, dtype):
        layer = layers.Dense(units, use_bias=use_bias, dtype=dtype,
                             bias_initializer="random_uniform")
        x = random_input(shape, dtype, 5)
        y = layer(x)
        bias = layer.bias.numpy() if use_bias else None
        expected = reference.dense(x, layer.kernel.numpy().astype("float64"), bias)
        assert_close(y, expected, dtype, (shape, units, use_bias))
        self.assertEqual(layer.kernel.shape, (shape[-1], units))
        self.assertEqual(y.shape, layer.compute_output_shape(shape))
