"""kerasmini.initializers: shapes, dtypes, fans, sample statistics, seeds, names, configs."""
import math
import unittest

import numpy as np
from parameterized import parameterized

from kerasmini import config, initializers

# class name -> (scale, mode, distribution) of the fixed VarianceScaling subclasses
FIXED = {
    "GlorotUniform": (1.0, "fan_avg", "uniform"),
    "GlorotNormal": (1.0, "fan_avg", "truncated_normal"),
    "HeUniform": (2.0, "fan_in", "uniform"),
    "HeNormal": (2.0, "fan_in", "truncated_normal"),
    "LecunUniform": (1.0, "fan_in", "uniform"),
    "LecunNormal": (1.0, "fan_in", "truncated_normal"),
}
ALL_CLASSES = ["Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform", "TruncatedNormal",
               "VarianceScaling", "Orthogonal", *FIXED]
# the keys of Keras 3.15's get_config() for each class
CONFIG_KEYS = {
    "Zeros": set(), "Ones": set(), "Identity": set(), "Constant": {"value"},
    "RandomNormal": {"seed", "mean", "stddev"}, "TruncatedNormal": {"seed", "mean", "stddev"},
    "RandomUniform": {"seed", "minval", "maxval"},
    "VarianceScaling": {"seed", "scale", "mode", "distribution", "input_axes", "output_axes"},
    "Orthogonal": {"seed", "gain"},
    **{name: {"seed", "input_axes", "output_axes"} for name in FIXED},
}
TRUNCATED_STD = 0.87962566103423978  # std of N(0, 1) truncated to [-2, 2]


def fans_by_loop(shape):
    """fan_in and fan_out by the definition: the receptive field is every axis but the last two."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    field = 1
    for dim in shape[:-2]:
        field *= dim
    return shape[-2] * field, shape[-1] * field


def assert_std_near(test, values, expected_std, context, kurtosis=3.0):
    """The sample std is within 6 standard errors of expected_std (SE ~ std*sqrt((k-1)/4n))."""
    n = values.size
    se = expected_std * math.sqrt((kurtosis - 1) / (4 * n))
    std = float(np.std(values.astype(np.float64)))
    test.assertLess(abs(std - expected_std), 6 * se,
                    f"{context}: std {std:.6g}, expected {expected_std:.6g} +- {6 * se:.3g} (n={n})")
    test.assertLess(abs(float(np.mean(values))), 6 * expected_std / math.sqrt(n), f"{context}: mean")


class ShapeAndDtypeTest(unittest.TestCase):
    @parameterized.expand([(c, d) for c in ALL_CLASSES for d in (None, "float16", "float32", "float64")])
    def test_shape_and_dtype(self, name, dtype):
        values = getattr(initializers, name)()((3, 4, 5), dtype=dtype)
        self.assertIsInstance(values, np.ndarray)
        self.assertEqual(values.shape, (3, 4, 5))
        self.assertEqual(values.dtype, np.dtype(dtype or config.floatx()))

    def test_dtype_none_follows_floatx(self):
        old = config.floatx()
        try:
            config.set_floatx("float64")
            self.assertEqual(initializers.GlorotUniform()((2, 2)).dtype, np.float64)
        finally:
            config.set_floatx(old)

    def test_constant_values(self):
        np.testing.assert_array_equal(initializers.Constant(2.5)((2, 3)), np.full((2, 3), 2.5))
        self.assertEqual(initializers.Constant(3)((2,), dtype="int32").dtype, np.int32)
        np.testing.assert_array_equal(initializers.Zeros()((4,)), [0, 0, 0, 0])
        np.testing.assert_array_equal(initializers.Ones()((2,)), [1, 1])

    def test_identity(self):
        np.testing.assert_array_equal(initializers.Identity(gain=2.0)((2, 3)), [[2, 0, 0], [0, 2, 0]])
        with self.assertRaisesRegex(ValueError, r"2D matrices. Received: shape=\(2, 2, 2\)"):
            initializers.Identity()((2, 2, 2))

    @parameterized.expand([("RandomNormal",), ("GlorotUniform",), ("Orthogonal",)])
    def test_random_initializers_refuse_int_dtype(self, name):
        with self.assertRaisesRegex(ValueError, "dtype=int32"):
            getattr(initializers, name)()((2, 2), dtype="int32")


class FansTest(unittest.TestCase):
    @parameterized.expand([
        ((),), ((7,),), ((20, 30),), ((5, 8, 16),), ((3, 3, 8, 16),), ((2, 3, 4, 5, 6),),
    ])
    def test_compute_fans(self, shape):
        self.assertEqual(initializers.compute_fans(shape), fans_by_loop(shape))

    def test_conv2d_kernel(self):
        # (kh, kw, in, out): receptive field kh*kw
        self.assertEqual(initializers.compute_fans((3, 5, 8, 16)), (3 * 5 * 8, 3 * 5 * 16))

    def test_explicit_axes(self):
        self.assertEqual(initializers.compute_fans((2, 3, 4), input_axes=[0, 1], output_axes=[2]),
                         (6, 4))


class DistributionTest(unittest.TestCase):
    SHAPE = (3, 3, 64, 128)  # 73728 values; fan_in 576, fan_out 1152

    @parameterized.expand(sorted(FIXED))
    def test_fixed_variance_scaling(self, name):
        scale, mode, distribution = FIXED[name]
        fan_in, fan_out = fans_by_loop(self.SHAPE)
        n = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2}[mode]
        values = getattr(initializers, name)(seed=1)(self.SHAPE)
        std = math.sqrt(scale / n)
        if distribution == "uniform":
            limit = math.sqrt(3 * scale / n)
            self.assertLessEqual(np.abs(values).max(), limit)
            self.assertGreater(np.abs(values).max(), 0.999 * limit)
            assert_std_near(self, values, std, name, kurtosis=1.8)
        else:  # truncated at 2 of the pre-truncation stddev, std / 0.8796
            self.assertLessEqual(np.abs(values).max(), 2 * std / TRUNCATED_STD * (1 + 1e-6))
            assert_std_near(self, values, std, name, kurtosis=2.5)

    @parameterized.expand([("fan_in",), ("fan_out",), ("fan_avg",)])
    def test_variance_scaling_untruncated(self, mode):
        fan_in, fan_out = fans_by_loop(self.SHAPE)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
        init = initializers.VarianceScaling(3.0, mode, "untruncated_normal", seed=2)
        values = init(self.SHAPE)
        assert_std_near(self, values, math.sqrt(3.0 / n), mode)
        self.assertGreater(np.abs(values).max(), 2.5 * math.sqrt(3.0 / n))  # not truncated

    def test_variance_scaling_fan_of_at_least_one(self):
        values = initializers.VarianceScaling(2.0, distribution="uniform", seed=0)(())
        self.assertLessEqual(abs(float(values)), math.sqrt(6.0))

    def test_random_normal(self):
        values = initializers.RandomNormal(mean=1.0, stddev=2.0, seed=3)((50000,), dtype="float64")
        assert_std_near(self, values - 1.0, 2.0, "RandomNormal")

    def test_random_uniform(self):
        values = initializers.RandomUniform(-1.0, 3.0, seed=3)((50000,), dtype="float64")
        self.assertGreaterEqual(values.min(), -1.0)
        self.assertLess(values.max(), 3.0)
        assert_std_near(self, values - 1.0, 4 / math.sqrt(12), "RandomUniform", kurtosis=1.8)

    def test_truncated_normal(self):
        values = initializers.TruncatedNormal(mean=1.0, stddev=2.0, seed=3)((50000,), dtype="float64")
        self.assertGreaterEqual(values.min(), 1.0 - 4.0)
        self.assertLessEqual(values.max(), 1.0 + 4.0)
        self.assertGreater(values.max(), 1.0 + 3.9)
        assert_std_near(self, values - 1.0, 2.0 * TRUNCATED_STD, "TruncatedNormal", kurtosis=2.5)

    @parameterized.expand([((6, 4),), ((4, 6),), ((3, 3, 4, 8),), ((5, 5),)])
    def test_orthogonal(self, shape):
        values = initializers.Orthogonal(gain=1.5, seed=4)(shape, dtype="float64")
        self.assertEqual(values.shape, shape)
        flat = values.reshape(-1, shape[-1])
        gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
        np.testing.assert_allclose(gram, 1.5**2 * np.eye(len(gram)), atol=1e-12)

    def test_orthogonal_signs_are_not_fixed_by_qr(self):
        # QR alone makes Q[0, 0] the same sign every time; the sign correction (Q uniform
        # over orthogonal matrices) makes both signs occur
        signs = {np.sign(initializers.Orthogonal(seed=s)((3, 3))[0, 0]) for s in range(40)}
        self.assertEqual(signs, {-1.0, 1.0})

    def test_orthogonal_needs_2d(self):
        with self.assertRaisesRegex(ValueError, r"at least two-dimensional. Received: shape=\(3,\)"):
            initializers.Orthogonal()((3,))


class SeedTest(unittest.TestCase):
    @parameterized.expand([(n,) for n in ["RandomNormal", "RandomUniform", "TruncatedNormal",
                                          "VarianceScaling", "Orthogonal", *FIXED]])
    def test_seeds(self, name):
        cls = getattr(initializers, name)
        first = cls(seed=7)((8, 8))
        np.testing.assert_array_equal(cls(seed=7)((8, 8)), first)  # another instance
        init = cls(seed=7)
        np.testing.assert_array_equal(init((8, 8)), init((8, 8)))  # the same instance twice
        self.assertFalse(np.array_equal(cls(seed=8)((8, 8)), first))

    def test_unseeded_as_keras_3(self):
        # one seed per instance, picked when it is made: repeated calls agree, instances differ
        init = initializers.GlorotUniform()
        np.testing.assert_array_equal(init((8, 8)), init((8, 8)))
        self.assertFalse(np.array_equal(initializers.GlorotUniform()((8, 8)), init((8, 8))))
        self.assertIsNone(init.get_config()["seed"])

    @parameterized.expand([("a",), (1.5,), (True,)])
    def test_bad_seed(self, seed):
        with self.assertRaisesRegex(ValueError, f"seed={seed}"):
            initializers.RandomNormal(seed=seed)


class ValidationTest(unittest.TestCase):
    @parameterized.expand([
        ({"scale": 0.0}, "Argument `scale` must be positive float. Received: scale=0.0"),
        ({"scale": -1}, "scale=-1"),
        ({"mode": "fan_sum"}, "Invalid `mode` argument: fan_sum"),
        ({"distribution": "cauchy"}, "Invalid `distribution` argument: cauchy"),
    ])
    def test_variance_scaling_arguments(self, kwargs, message):
        with self.assertRaisesRegex(ValueError, message.replace("(", r"\(")):
            initializers.VarianceScaling(**kwargs)

    def test_normal_means_truncated_normal(self):
        self.assertEqual(initializers.VarianceScaling(distribution="Normal").distribution,
                         "truncated_normal")


class NamesAndConfigTest(unittest.TestCase):
    @parameterized.expand([
        ("glorot_uniform", "GlorotUniform"), ("GlorotUniform", "GlorotUniform"),
        ("glorot_normal", "GlorotNormal"), ("he_normal", "HeNormal"), ("he_uniform", "HeUniform"),
        ("lecun_normal", "LecunNormal"), ("lecun_uniform", "LecunUniform"),
        ("zeros", "Zeros"), ("zero", "Zeros"), ("ones", "Ones"), ("one", "Ones"),
        ("constant", "Constant"), ("identity", "Identity"), ("IdentityInitializer", "Identity"),
        ("orthogonal", "Orthogonal"), ("OrthogonalInitializer", "Orthogonal"),
        ("random_normal", "RandomNormal"), ("normal", "RandomNormal"),
        ("random_uniform", "RandomUniform"), ("uniform", "RandomUniform"),
        ("truncated_normal", "TruncatedNormal"), ("variance_scaling", "VarianceScaling"),
    ])
    def test_get_by_name(self, name, class_name):
        self.assertEqual(type(initializers.get(name)).__name__, class_name)

    @parameterized.expand(sorted(CONFIG_KEYS))
    def test_config_keys_and_round_trip(self, name):
        init = getattr(initializers, name)()
        config_ = init.get_config()
        self.assertEqual(set(config_), CONFIG_KEYS[name])
        saved = initializers.serialize(init)
        self.assertEqual(saved, {"module": "keras.initializers", "class_name": name,
                                 "config": config_, "registered_name": None})
        again = initializers.deserialize(saved)
        self.assertIs(type(again), type(init))
        self.assertEqual(again.get_config(), config_)
        old_form = {"class_name": name, "config": config_}
        self.assertEqual(initializers.get(old_form).get_config(), config_)

    def test_config_values(self):
        self.assertEqual(initializers.GlorotUniform(seed=3).get_config(),
                         {"seed": 3, "input_axes": None, "output_axes": None})
        self.assertEqual(initializers.VarianceScaling(2.0, "fan_out", "uniform").get_config(),
                         {"seed": None, "scale": 2.0, "mode": "fan_out", "distribution": "uniform",
                          "input_axes": None, "output_axes": None})
        self.assertEqual(initializers.Constant(np.float32(2.0)).get_config(), {"value": 2.0})
        self.assertIs(type(initializers.Constant(np.float32(2.0)).get_config()["value"]), float)

    def test_seeded_config_makes_the_same_values(self):
        init = initializers.HeNormal(seed=5)
        again = initializers.deserialize(initializers.serialize(init))
        np.testing.assert_array_equal(again((4, 4)), init((4, 4)))

    def test_get_passes_through(self):
        self.assertIsNone(initializers.get(None))
        init = initializers.Ones()
        self.assertIs(initializers.get(init), init)
        self.assertIsInstance(initializers.get(initializers.HeNormal), initializers.HeNormal)
        fn = lambda shape, dtype=None: np.zeros(shape)  # noqa: E731
        self.assertIs(initializers.get(fn), fn)

    @parameterized.expand([("foo",), ("glorotUniform",), (3,),
                           ({"class_name": "Foo", "config": {}},),
                           ({"class_name": "os.system", "config": {}},)])
    def test_unknown_identifier(self, identifier):
        with self.assertRaises(ValueError) as caught:
            initializers.get(identifier)
        self.assertEqual(str(caught.exception), f"Could not interpret initializer identifier: {identifier}")

    def test_array_as_initializer(self):
        init = initializers.get(np.arange(6.0).reshape(2, 3))
        np.testing.assert_array_equal(init((2, 3)), np.arange(6.0).reshape(2, 3))
        self.assertEqual(init((2, 3)).dtype, np.dtype(config.floatx()))
        with self.assertRaisesRegex(ValueError, r"Expected `shape` to be \(2, 3\)"):
            init((3, 2))

    def test_dict_without_class_name(self):
        with self.assertRaisesRegex(ValueError, "Unknown `config` as a `dict`"):
            initializers.get({"config": {}})

    def test_custom_subclass_serializes_with_its_module(self):
        class Twos(initializers.Initializer):
            def __call__(self, shape, dtype=None):
                return np.full(shape, 2.0)

        saved = initializers.serialize(Twos())
        self.assertEqual(saved["class_name"], "Twos")
        self.assertEqual(saved["module"], __name__)
        self.assertIsInstance(initializers.deserialize(saved, custom_objects={"Twos": Twos}), Twos)


if __name__ == "__main__":
    unittest.main()
