"""The seeded random tier: new random configurations every run (base seed printed in the
header; KM_CONFORMANCE_SEED=<n> repeats a run). Every failure names its one-line
reproducer: `python -m conformance --random-case <Layer>:<seed>`."""
import unittest

from parameterized import parameterized

from conformance import harness, randomized


def case_name(func, num, param):
    return f"{func.__name__}_seed_{param.args[0]}"


def run(layer_family, seed):
    layer, args, dtype, shapes = randomized.MAKERS[layer_family](seed)
    try:
        harness.check_values(layer, args, dtype, shapes, seed)
    except BaseException as e:
        if type(e).__name__ == "Failed" or isinstance(e, AssertionError):
            harness.fail(f"{e}\n  reproduce: {randomized.reproduce_command(layer_family, seed)}")
        raise


class TestConv2DRandom(unittest.TestCase):
    @parameterized.expand([(s,) for s in randomized.case_seeds("Conv2D")], name_func=case_name)
    def test(self, seed):
        run("Conv2D", seed)


class TestMaxPool2DRandom(unittest.TestCase):
    @parameterized.expand([(s,) for s in randomized.case_seeds("MaxPool2D")],
                          name_func=case_name)
    def test(self, seed):
        run("MaxPool2D", seed)


class TestDenseRandom(unittest.TestCase):
    @parameterized.expand([(s,) for s in randomized.case_seeds("Dense")], name_func=case_name)
    def test(self, seed):
        run("Dense", seed)
