"""The layer API beside the values: compute_output_shape (concrete and None dims), the
weights (count, names, shapes, order, trainable), count_params, and get_config."""
import json
import unittest

import numpy as np
from parameterized import parameterized

from conformance import grids, harness
from conformance.harness import make_km, make_tf


def case_name(func, num, param):
    return f"{func.__name__}_{param.args[0]}"


def outcome(fn):
    try:
        return fn(), None
    except Exception as e:  # noqa: BLE001  (the class is what is compared)
        return None, e


def plain(value):
    """The one representation difference allowed in configs: tuple vs list (JSON has only
    lists, and Keras itself returns either depending on how an argument was given)."""
    return json.loads(json.dumps(value))


def none_variants(shape, channel_axis):
    """Concrete, None batch, None spatial dims (each and both); the channel axis stays
    concrete, as both libraries require it to build."""
    shape = tuple(shape)
    rank = len(shape)
    ch = channel_axis % rank
    spatial = [i for i in range(1, rank) if i != ch]
    variants = [shape, (None,) + shape[1:]]
    for i in spatial:
        variants.append(tuple(None if j == i else d for j, d in enumerate(shape)))
    variants.append(tuple(None if j in spatial or j == 0 else d for j, d in enumerate(shape)))
    return variants


class Problems(list):
    """The mismatches of one API check: every one is collected, then all are reported
    together (one bug must not hide the next)."""

    def check(self, ok, message):
        if not ok:
            self.append(message)

    def fail_if_any(self):
        if self:
            harness.fail(f"{len(self)} API mismatch(es):\n  " + "\n  ".join(self))


def check_configs(t, m, where, problems):
    """get_config before build: same keys, same values; and each library's from_config
    rebuilds the other's config into the same layer."""
    check = problems.check
    tc, mc = t.get_config(), m.get_config()
    check(sorted(tc) == sorted(mc), f"{where}: config keys differ: only tf.keras "
          f"{sorted(set(tc) - set(mc))}, only kerasmini {sorted(set(mc) - set(tc))}")
    for key in tc:
        check(plain(tc[key]) == plain(mc.get(key)),
              f"{where}: get_config()[{key!r}]: tf.keras {tc[key]!r}, "
              f"kerasmini {mc.get(key)!r}")
    mv, me = outcome(lambda: plain(type(m).from_config(tc).get_config()))
    check(me is None and mv == plain(tc),
          f"{where}: kerasmini.from_config(tf.keras config): {me!r} / {mv}")
    tv, te = outcome(lambda: plain(type(t).from_config(mc).get_config()))
    check(te is None and tv == plain(mc),
          f"{where}: tf.keras.from_config(kerasmini config): {te!r} / {tv}")


def check_output_shapes(t, m, where, variants, problems):
    """compute_output_shape of each input-shape variant: the same shape, or the same
    exception class, in both libraries."""
    for variant in variants:
        tv, te = outcome(lambda: tuple(t.compute_output_shape(variant)))
        mv, me = outcome(lambda: tuple(m.compute_output_shape(variant)))
        problems.check(type(te) is type(me) and tv == mv,
                       f"{where}: compute_output_shape({variant}): tf.keras "
                       f"{type(te).__name__ if te else tv}, kerasmini "
                       f"{type(me).__name__ if me else mv}")
        harness.record_error(0.0, 0.0)


def api_twins(layer, args):
    """(tf layer, kerasmini layer, description), both named "twin" so that the configs and
    weight paths can be compared as they are."""
    harness.note(layer, None, "api")
    named = dict(args, name="twin")
    return make_tf(layer, named), make_km(layer, named), harness.describe(layer, args)


def check_api(layer, args, shapes, channel_axis):
    """get_config, from_config, count_params and built before build, compute_output_shape
    with None dims, then the weights after build."""
    problems = Problems()
    check = problems.check
    t, m, where = api_twins(layer, args)
    check_configs(t, m, where, problems)
    # --- count_params and built before build
    tv, te = outcome(t.count_params)
    mv, me = outcome(m.count_params)
    check(type(te) is type(me) and tv == mv,
          f"{where}: count_params() before build: tf.keras "
          f"{type(te).__name__ if te else tv}, kerasmini {type(me).__name__ if me else mv}")
    check(t.built == m.built, f"{where}: .built after construction: tf.keras {t.built}, "
          f"kerasmini {m.built}")
    # --- compute_output_shape, concrete and with None dims
    for shape in shapes:
        check_output_shapes(t, m, where, none_variants(shape, channel_axis), problems)
    # --- weights after build: count, names, shapes, order, trainable; count_params
    t.build(tuple(shapes[0]))
    m.build(tuple(shapes[0]))
    tw = [(w.name, tuple(w.shape), bool(w.trainable), w.path) for w in t.weights]
    mw = [(w.name, tuple(w.shape), bool(w.trainable), w.path) for w in m.weights]
    check(tw == mw, f"{where}: weights after build{tuple(shapes[0])}: tf.keras {tw}, "
          f"kerasmini {mw}")
    check([w.name for w in t.trainable_weights] == [w.name for w in m.trainable_weights]
          and [w.name for w in t.non_trainable_weights] ==
          [w.name for w in m.non_trainable_weights], f"{where}: trainable split differs")
    check(t.count_params() == m.count_params(), f"{where}: count_params() tf.keras "
          f"{t.count_params()}, kerasmini {m.count_params()}")
    check([np.dtype(w.dtype).name for w in t.weights] ==
          [np.dtype(w.dtype).name for w in m.weights], f"{where}: weight dtypes differ")
    check(plain(t.get_config()) == plain(m.get_config()), f"{where}: config after build")
    problems.fail_if_any()


class TestConv2DApi(unittest.TestCase):
    @parameterized.expand(grids.tiered([(name, args, shapes) for name, args, shapes
                                        in grids.conv_configs()[::2]]),
                          name_func=case_name)
    def test(self, name, args, shapes):
        axis = -1 if args["data_format"] == "channels_last" else 1
        check_api("Conv2D", args, shapes, axis)


class TestMaxPool2DApi(unittest.TestCase):
    @parameterized.expand(grids.tiered(grids.pool_configs()), name_func=case_name)
    def test(self, name, layer, args, shapes):
        axis = -1 if args["data_format"] == "channels_last" else 1
        check_api(layer, args, shapes, axis)


class TestDenseApi(unittest.TestCase):
    @parameterized.expand(grids.tiered(grids.dense_configs()), name_func=case_name)
    def test(self, name, args, shapes):
        check_api("Dense", args, shapes, -1)
