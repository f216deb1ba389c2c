"""Values: the argument grids of Conv2D, MaxPool2D and Dense, three ways, both transfers.

Each case builds one tf.keras layer and one kerasmini layer from the same Keras arguments,
copies tf.keras's initial weights into kerasmini, then random weights (non-zero bias) from
kerasmini into tf.keras, and runs every input shape of the case (odd and even sizes, input
== kernel, size 1 where legal) through both and through the float64 reference.
"""
import unittest

from parameterized import parameterized

from conformance import grids
from conformance.harness import check_values, seed_of


def case_name(func, num, param):
    return f"{func.__name__}_{param.args[0]}"


class TestConv2DValues(unittest.TestCase):
    @parameterized.expand(grids.conv_value_cases(), name_func=case_name)
    def test(self, name, args, dtype, shapes):
        check_values("Conv2D", args, dtype, shapes, seed_of("Conv2D", name))


class TestMaxPool2DValues(unittest.TestCase):
    @parameterized.expand(grids.pool_value_cases(), name_func=case_name)
    def test(self, name, layer, args, dtype, shapes):
        check_values(layer, args, dtype, shapes, seed_of(layer, name))


class TestDenseValues(unittest.TestCase):
    @parameterized.expand(grids.dense_value_cases(), name_func=case_name)
    def test(self, name, args, dtype, shapes):
        check_values("Dense", args, dtype, shapes, seed_of("Dense", name))
