"""The layer API of the model-building layers beside their values (test_api.py's checks):
get_config keys and values, from_config both ways, built and count_params before build,
compute_output_shape with concrete and None dims (or the same error class), weights after
build (names, shapes, order, trainable, dtype) and count_params."""
import unittest

from parameterized import parameterized

from conformance import grids_layers, test_api

CANONICAL = {"AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D",
             "MaxPool1D": "MaxPooling1D"}


def case_name(func, num, param):
    return f"{func.__name__}_{param.args[0]}"


def _by_layer():
    out = {}
    for name, layer, args, shapes in grids_layers.api_configs():
        out.setdefault(CANONICAL.get(layer, layer), []).append((name, layer, args, shapes))
    return out


_BY_LAYER = _by_layer()


def _api_class(canonical):
    class _T(unittest.TestCase):
        @parameterized.expand(_BY_LAYER[canonical], name_func=case_name)
        def test(self, name, layer, args, shapes):
            test_api.check_api(layer, args, shapes, grids_layers.channel_axis(layer, args))
    _T.__name__ = _T.__qualname__ = f"Test{canonical}Api"
    return _T


for _layer in _BY_LAYER:
    globals()[f"Test{_layer}Api"] = _api_class(_layer)


def merge_variants(inputs):
    """Concrete, None batch, None inner dims (the last, feature, axis stays concrete)."""
    return [list(inputs), [(None,) + s[1:] for s in inputs],
            [tuple(None if 0 < j < len(s) - 1 else d for j, d in enumerate(s)) for s in inputs]]


def check_merge_api(layer, args, shapes):
    """test_api.check_api for a layer called on a list of inputs (it has no weights)."""
    problems = test_api.Problems()
    check = problems.check
    t, m, where = test_api.api_twins(layer, args)
    test_api.check_configs(t, m, where, problems)
    check(t.built == m.built, f"{where}: .built after construction: tf.keras {t.built}, "
          f"kerasmini {m.built}")
    for inputs in shapes:
        test_api.check_output_shapes(t, m, where, merge_variants(inputs), problems)
    t.build([tuple(s) for s in shapes[0]])
    m.build([tuple(s) for s in shapes[0]])
    check(t.built == m.built, f"{where}: .built after build: tf.keras {t.built}, km {m.built}")
    check(len(t.weights) == len(m.weights) == 0, f"{where}: weights {t.weights} / {m.weights}")
    check(t.count_params() == m.count_params(), f"{where}: count_params()")
    check(test_api.plain(t.get_config()) == test_api.plain(m.get_config()),
          f"{where}: config after build")
    problems.fail_if_any()


class TestAddApi(unittest.TestCase):
    @parameterized.expand([c for c in grids_layers.add_configs()], name_func=case_name)
    def test(self, name, layer, args, shapes):
        check_merge_api(layer, args, shapes)


class TestConcatenateApi(unittest.TestCase):
    @parameterized.expand([c for c in grids_layers.concatenate_configs()], name_func=case_name)
    def test(self, name, layer, args, shapes):
        check_merge_api(layer, args, shapes)


class TestElementwiseMergeApi(unittest.TestCase):
    @parameterized.expand(grids_layers.elementwise_merge_configs(), name_func=case_name)
    def test(self, name, layer, args, shapes):
        check_merge_api(layer, args, shapes)


class TestDotApi(unittest.TestCase):
    @parameterized.expand(grids_layers.dot_configs(), name_func=case_name)
    def test(self, name, layer, args, shapes):
        check_merge_api(layer, args, shapes)
