"""The layer API of the model-building layers beside their values (test_api.py's checks):
get_config keys and values, from_config both ways, built and count_params before build,
compute_output_shape with concrete and None dims (or the same error class), weights after
build (names, shapes, order, trainable, dtype) and count_params."""
import unittest

from parameterized import parameterized

from conformance import grids_layers, harness, test_api
from conformance.harness import make_km, make_tf

CANONICAL = {"AvgPool2D": "AveragePooling2D", "MaxPool1D": "MaxPooling1D"}


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


def check_merge_api(layer, args, shapes):
    """test_api.check_api for a layer called on a list of inputs."""
    problems = []

    def check(ok, message):
        if not ok:
            problems.append(message)

    outcome, plain = test_api.outcome, test_api.plain
    harness.note(layer, None, "api")
    where = harness.describe(layer, args)
    named = dict(args, name="twin")
    t, m = make_tf(layer, named), make_km(layer, named)
    tc, mc = t.get_config(), m.get_config()
    check(sorted(tc) == sorted(mc), f"{where}: config keys differ: only tf.keras "
          f"{sorted(set(tc) - set(mc))}, only kerasmini {sorted(set(mc) - set(tc))}")
    for key in tc:
        check(plain(tc[key]) == plain(mc.get(key)),
              f"{where}: get_config()[{key!r}]: tf.keras {tc[key]!r}, kerasmini {mc.get(key)!r}")
    mv, me = outcome(lambda: plain(type(m).from_config(tc).get_config()))
    check(me is None and mv == plain(tc), f"{where}: kerasmini.from_config(tf config): {me!r}")
    tv, te = outcome(lambda: plain(type(t).from_config(mc).get_config()))
    check(te is None and tv == plain(mc), f"{where}: tf.keras.from_config(km config): {te!r}")
    check(t.built == m.built, f"{where}: .built after construction: tf.keras {t.built}, "
          f"kerasmini {m.built}")
    for inputs in shapes:
        variants = [inputs, [(None,) + s[1:] for s in inputs],
                    [tuple(None if 0 < j < len(s) - 1 else d for j, d in enumerate(s))
                     for s in inputs]]
        for variant in variants:
            tv, te = outcome(lambda: tuple(t.compute_output_shape(list(variant))))
            mv, me = outcome(lambda: tuple(m.compute_output_shape(list(variant))))
            check(type(te) is type(me) and tv == mv,
                  f"{where}: compute_output_shape({variant}): tf.keras "
                  f"{type(te).__name__ if te else tv}, kerasmini {type(me).__name__ if me else mv}")
            harness.record_error(0.0, 0.0)
    t.build([tuple(s) for s in shapes[0]])
    m.build([tuple(s) for s in shapes[0]])
    check(t.built == m.built, f"{where}: .built after build: tf.keras {t.built}, km {m.built}")
    check(len(t.weights) == len(m.weights) == 0, f"{where}: weights {t.weights} / {m.weights}")
    check(t.count_params() == m.count_params(), f"{where}: count_params()")
    check(plain(t.get_config()) == plain(m.get_config()), f"{where}: config after build")
    if problems:
        harness.fail(f"{len(problems)} API mismatch(es):\n  " + "\n  ".join(problems))


class TestAddApi(unittest.TestCase):
    @parameterized.expand([c for c in grids_layers.add_configs()], name_func=case_name)
    def test(self, name, layer, args, shapes):
        check_merge_api(layer, args, shapes)


class TestConcatenateApi(unittest.TestCase):
    @parameterized.expand([c for c in grids_layers.concatenate_configs()], name_func=case_name)
    def test(self, name, layer, args, shapes):
        check_merge_api(layer, args, shapes)
