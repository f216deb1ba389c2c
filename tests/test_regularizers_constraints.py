"""kerasmini.regularizers and kerasmini.constraints against loop formulas; names and configs."""
import itertools
import math
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import config, constraints, regularizers
from kerasmini.object_configs import deserialize


def f32(value):
    """Keras (TF backend) applies penalty factors through float32: 0.01 -> 0.009999999776."""
    return float(np.float32(value))


def l1_by_loop(x):
    return math.fsum(abs(v) for v in x.ravel().tolist())


def l2_by_loop(x):
    return math.fsum(v * v for v in x.ravel().tolist())


def orthogonal_penalty_by_loop(x, factor, mode):
    vectors = x.tolist() if mode == "rows" else x.T.tolist()
    unit = [[v / math.sqrt(math.fsum(a * a for a in vec)) for v in vec] for vec in vectors]
    dots = [abs(math.fsum(a * b for a, b in zip(u, w))) for u, w in itertools.combinations(unit, 2)]
    return factor * math.fsum(dots) / len(dots)


class RegularizerTest(unittest.TestCase):
    def setUp(self):
        self.x = np.random.default_rng(0).normal(size=(6, 5))

    @parameterized.expand([("float32", 1e-6), ("float64", 1e-14)])
    def test_penalties(self, dtype, rtol):
        x = self.x.astype(dtype)
        cases = [
            (regularizers.L1(0.3), f32(0.3) * l1_by_loop(x)),
            (regularizers.L2(0.1), f32(0.1) * l2_by_loop(x)),
            (regularizers.L1L2(0.01, 0.02), f32(0.01) * l1_by_loop(x) + f32(0.02) * l2_by_loop(x)),
            (regularizers.L1L2(l2=0.5), f32(0.5) * l2_by_loop(x)),
            (regularizers.OrthogonalRegularizer(0.5), orthogonal_penalty_by_loop(x, f32(0.5), "rows")),
            (regularizers.OrthogonalRegularizer(0.5, "columns"),
             orthogonal_penalty_by_loop(x, f32(0.5), "columns")),
        ]
        for regularizer, expected in cases:
            got = regularizer(x)
            self.assertEqual(np.asarray(got).dtype, np.dtype(dtype), regularizer.get_config())
            self.assertLessEqual(abs(float(got) - expected), rtol * abs(expected),
                                 f"{type(regularizer).__name__} {regularizer.get_config()} {dtype}")

    def test_zero_factors_and_base(self):
        self.assertEqual(float(regularizers.L1L2()(self.x)), 0.0)
        self.assertEqual(regularizers.Regularizer()(self.x), 0.0)

    def test_orthogonal_needs_rank_2(self):
        with self.assertRaisesRegex(ValueError, r"rank 2. Received: inputs.shape=\(2, 2, 2\)"):
            regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2)))

    def test_orthogonal_rows_give_zero(self):
        self.assertAlmostEqual(float(regularizers.OrthogonalRegularizer(1.0)(np.eye(4))), 0.0)

    @parameterized.expand([
        ("L1", "l1", -1), ("L1", "l1", "a"), ("L1", "l1", float("nan")), ("L2", "l2", -0.5),
        ("L2", "l2", float("inf")), ("L1L2", "l1", -1), ("L1L2", "l2", "x"),
        ("OrthogonalRegularizer", "factor", -1),
    ])
    def test_bad_factor(self, name, argument, value):
        with self.assertRaisesRegex(ValueError, f"Invalid value for argument {argument}.*{argument}={value}"):
            getattr(regularizers, name)(**{argument: value})

    def test_bad_mode(self):
        with self.assertRaisesRegex(ValueError, "Received: mode=diagonal"):
            regularizers.OrthogonalRegularizer(mode="diagonal")

    def test_none_factors_mean_defaults(self):
        self.assertEqual(regularizers.L2(None).get_config(), {"l2": 0.01})
        self.assertEqual(regularizers.L1L2(None, None).get_config(), {"l1": 0.0, "l2": 0.0})

    @parameterized.expand([
        ("l1", "L1", {"l1": f32(0.01)}), ("L1", "L1", {"l1": f32(0.01)}),
        ("l2", "L2", {"l2": 0.01}), ("L2", "L2", {"l2": 0.01}),
        ("l1l2", "L1L2", {"l1": 0.0, "l2": 0.0}), ("L1L2", "L1L2", {"l1": 0.0, "l2": 0.0}),
        ("l1_l2", "L1L2", {"l1": 0.01, "l2": 0.01}),
        ("orthogonal_regularizer", "OrthogonalRegularizer", {"factor": f32(0.01), "mode": "rows"}),
    ])
    def test_get_by_name(self, name, class_name, config_):
        regularizer = regularizers.get(name)
        self.assertEqual(type(regularizer).__name__, class_name)
        self.assertEqual(regularizer.get_config(), config_)

    @parameterized.expand([(regularizers.L1(0.2),), (regularizers.L2(0.2),),
                           (regularizers.L1L2(0.1, 0.2),),
                           (regularizers.OrthogonalRegularizer(0.3, "columns"),)])
    def test_serialize_round_trip(self, regularizer):
        saved = regularizers.serialize(regularizer)
        self.assertEqual(saved, {"module": "keras.regularizers",
                                 "class_name": type(regularizer).__name__,
                                 "config": regularizer.get_config(), "registered_name": None})
        again = regularizers.get(saved)
        self.assertIs(type(again), type(regularizer))
        self.assertEqual(again.get_config(), regularizer.get_config())

    def test_get_passes_through_and_rejects(self):
        self.assertIsNone(regularizers.get(None))
        self.assertIsNone(regularizers.serialize(None))
        fn = lambda w: 0.0  # noqa: E731
        self.assertIs(regularizers.get(fn), fn)
        self.assertIsInstance(regularizers.get(regularizers.L2), regularizers.L2)
        for bad in ("l3", 3):
            with self.assertRaisesRegex(ValueError, f"^Could not interpret regularizer identifier: {bad}$"):
                regularizers.get(bad)


def column_norms_by_loop(w):
    """Norms of the columns of a 2D array (axis=0)."""
    return [math.sqrt(math.fsum(w[i, j] ** 2 for i in range(w.shape[0]))) for j in range(w.shape[1])]


class ConstraintTest(unittest.TestCase):
    def setUp(self):
        self.w = np.random.default_rng(1).normal(size=(4, 6)) * np.array([0.1, 0.5, 1, 2, 3, 5])

    def test_non_neg(self):
        np.testing.assert_array_equal(constraints.NonNeg()(self.w), np.where(self.w < 0, 0, self.w))

    @parameterized.expand([
        ("MaxNorm", {"max_value": 1.5}, lambda n: min(n, 1.5)),
        ("UnitNorm", {}, lambda n: 1.0),
        ("MinMaxNorm", {"min_value": 0.5, "max_value": 2.0}, lambda n: min(max(n, 0.5), 2.0)),
        ("MinMaxNorm", {"min_value": 0.5, "max_value": 2.0, "rate": 0.25},
         lambda n: 0.25 * min(max(n, 0.5), 2.0) + 0.75 * n),
    ])
    def test_norm_constraints(self, name, kwargs, new_norm):
        eps = config.epsilon()
        got = getattr(constraints, name)(**kwargs)(self.w)
        for j, norm in enumerate(column_norms_by_loop(self.w)):
            expected = self.w[:, j] * (new_norm(norm) / (eps + norm))
            np.testing.assert_allclose(got[:, j], expected, rtol=1e-14, err_msg=f"{name} {kwargs} column {j}")

    def test_conv_kernel_axes(self):
        kernel = np.random.default_rng(2).normal(size=(3, 3, 4, 5))
        got = constraints.MaxNorm(1.0, axis=[0, 1, 2])(kernel)
        norms = np.sqrt((got**2).reshape(-1, 5).sum(axis=0))
        np.testing.assert_allclose(norms, np.minimum(np.sqrt((kernel**2).reshape(-1, 5).sum(axis=0)), 1.0),
                                   rtol=1e-6)
        got = constraints.UnitNorm(axis=(0, 1, 2))(kernel)
        np.testing.assert_allclose(np.sqrt((got**2).reshape(-1, 5).sum(axis=0)), 1.0, rtol=1e-6)

    @parameterized.expand([(c, d) for c in ("NonNeg", "MaxNorm", "UnitNorm", "MinMaxNorm")
                           for d in ("float16", "float32", "float64")])
    def test_keeps_dtype(self, name, dtype):
        got = getattr(constraints, name)()(self.w.astype(dtype))
        self.assertEqual(got.dtype, np.dtype(dtype))
        self.assertEqual(got.shape, self.w.shape)

    @parameterized.expand([
        ("non_neg", "NonNeg", {}), ("NonNeg", "NonNeg", {}),
        ("max_norm", "MaxNorm", {"max_value": 2, "axis": 0}),
        ("unit_norm", "UnitNorm", {"axis": 0}),
        ("min_max_norm", "MinMaxNorm", {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}),
    ])
    def test_get_by_name_and_config(self, name, class_name, config_):
        constraint = constraints.get(name)
        self.assertEqual(type(constraint).__name__, class_name)
        self.assertEqual(constraint.get_config(), config_)
        saved = constraints.serialize(constraint)
        self.assertEqual(saved, {"module": "keras.constraints", "class_name": class_name,
                                 "config": config_, "registered_name": None})
        self.assertEqual(constraints.get(saved).get_config(), config_)

    def test_get_passes_through_and_rejects(self):
        self.assertIsNone(constraints.get(None))
        constraint = constraints.MaxNorm(3)
        self.assertIs(constraints.get(constraint), constraint)
        with self.assertRaisesRegex(ValueError, "^Could not interpret constraint identifier: maxnorm$"):
            constraints.get("maxnorm")


class DeserializeHelperTest(unittest.TestCase):
    def test_custom_objects_come_first(self):
        class Mine:
            def __init__(self, k=1):
                self.k = k

        got = deserialize({"class_name": "Mine", "config": {"k": 3}}, {}, "thing", custom_objects={"Mine": Mine})
        self.assertEqual(got.k, 3)

    def test_nothing_is_imported(self):
        with self.assertRaisesRegex(ValueError, "Could not interpret thing identifier"):
            deserialize({"module": "os", "class_name": "system", "config": {}}, {}, "thing")

    def test_config_must_be_a_dict(self):
        with self.assertRaises(TypeError):
            deserialize({"class_name": "L2", "config": "l2=1"}, regularizers.ALL_OBJECTS_DICT, "regularizer")


if __name__ == "__main__":
    unittest.main()
