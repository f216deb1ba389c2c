"""Errors: for invalid arguments and invalid inputs, kerasmini raises the same exception
class as tf.keras, or both succeed.

tf.keras checks some arguments only when the layer is called; so each side is judged on
construct + call as one step. Where tf.keras accepts an invalid argument and then fails
inside TensorFlow (an internal error class), kerasmini raises ValueError up front: these
deliberate differences are listed in DELIBERATE and recorded in the report.
"""
import unittest

import numpy as np
from parameterized import parameterized

from conformance import harness

C = dict(filters=2, kernel_size=3)
X = (1, 5, 5, 2)

# (name, layer, args, input shape or None, input dtype)
CASES = [
    # Conv2D arguments
    ("Conv2D_filters_0", "Conv2D", dict(C, filters=0), X),
    ("Conv2D_filters_neg", "Conv2D", dict(C, filters=-1), X),
    ("Conv2D_filters_float", "Conv2D", dict(C, filters=2.0), X),
    ("Conv2D_filters_str", "Conv2D", dict(C, filters="2"), X),
    ("Conv2D_kernel_0", "Conv2D", dict(C, kernel_size=0), X),
    ("Conv2D_kernel_neg", "Conv2D", dict(C, kernel_size=-1), X),
    ("Conv2D_kernel_3tuple", "Conv2D", dict(C, kernel_size=(3, 3, 3)), X),
    ("Conv2D_kernel_1tuple", "Conv2D", dict(C, kernel_size=(3,)), X),
    ("Conv2D_strides_0", "Conv2D", dict(C, strides=0), X),
    ("Conv2D_strides_neg", "Conv2D", dict(C, strides=-1), X),
    ("Conv2D_strides_0x1", "Conv2D", dict(C, strides=(0, 1)), X),
    ("Conv2D_padding_foo", "Conv2D", dict(C, padding="foo"), X),
    ("Conv2D_padding_causal", "Conv2D", dict(C, padding="causal"), X),
    ("Conv2D_padding_SAME", "Conv2D", dict(C, padding="SAME"), X),
    ("Conv2D_format_nhwc", "Conv2D", dict(C, data_format="NHWC"), X),
    ("Conv2D_format_upper", "Conv2D", dict(C, data_format="CHANNELS_LAST"), X),
    ("Conv2D_dilation_0", "Conv2D", dict(C, dilation_rate=0), X),
    ("Conv2D_strides2_dilation2", "Conv2D", dict(C, strides=2, dilation_rate=2), X),
    ("Conv2D_groups_0", "Conv2D", dict(C, groups=0), X),
    ("Conv2D_filters_not_div_groups", "Conv2D", dict(C, filters=3, groups=2), X),
    ("Conv2D_channels_not_div_groups", "Conv2D", dict(C, groups=2), (1, 5, 5, 3)),
    ("Conv2D_activation_unknown", "Conv2D", dict(C, activation="nope"), None),
    ("Conv2D_initializer_unknown", "Conv2D", dict(C, kernel_initializer="nope"), None),
    ("Conv2D_regularizer_unknown", "Conv2D", dict(C, kernel_regularizer="nope"), None),
    ("Conv2D_constraint_unknown", "Conv2D", dict(C, kernel_constraint="nope"), None),
    ("Conv2D_unknown_kwarg", "Conv2D", dict(C, foo=1), None),
    ("Conv2D_name_slash", "Conv2D", dict(C, name="a/b"), None),
    ("Conv2D_dtype_int32", "Conv2D", dict(C, dtype="int32"), X),
    ("Conv2D_dtype_bogus", "Conv2D", dict(C, dtype="float8"), None),
    # Conv2D inputs
    ("Conv2D_input_rank3", "Conv2D", C, (5, 5, 2)),
    ("Conv2D_input_rank5", "Conv2D", C, (1, 5, 5, 5, 2)),
    ("Conv2D_input_smaller_than_kernel", "Conv2D", C, (1, 2, 5, 2)),
    ("Conv2D_input_smaller_dilated", "Conv2D", dict(C, dilation_rate=3), (1, 6, 7, 2)),
    ("Conv2D_input_same_size1", "Conv2D", dict(C, padding="same"), (1, 1, 1, 2)),
    ("Conv2D_input_int", "Conv2D", C, X, "int32"),
    ("Conv2D_input_bool", "Conv2D", C, X, "bool"),
    ("Conv2D_input_str", "Conv2D", C, X, "str"),
    # MaxPool2D arguments and inputs
    ("MaxPool2D_pool_0", "MaxPool2D", dict(pool_size=0), X),
    ("MaxPool2D_pool_neg", "MaxPool2D", dict(pool_size=-2), X),
    ("MaxPool2D_pool_float", "MaxPool2D", dict(pool_size=2.5), X),
    ("MaxPool2D_pool_3tuple", "MaxPool2D", dict(pool_size=(2, 2, 2)), X),
    ("MaxPool2D_strides_0", "MaxPool2D", dict(strides=0), X),
    ("MaxPool2D_strides_2x0", "MaxPool2D", dict(strides=(2, 0)), X),
    ("MaxPool2D_strides_neg", "MaxPool2D", dict(strides=-1), X),
    ("MaxPool2D_padding_foo", "MaxPool2D", dict(padding="foo"), X),
    ("MaxPool2D_padding_causal", "MaxPool2D", dict(padding="causal"), X),
    ("MaxPool2D_format_bad", "MaxPool2D", dict(data_format="nchw"), X),
    ("MaxPool2D_unknown_kwarg", "MaxPool2D", dict(foo=1), None),
    ("MaxPool2D_input_rank3", "MaxPool2D", {}, (4, 4, 1)),
    ("MaxPool2D_input_smaller_than_pool", "MaxPool2D", {}, (1, 1, 1, 1)),
    ("MaxPool2D_input_smaller_pool3", "MaxPool2D", dict(pool_size=3), (1, 2, 5, 1)),
    ("MaxPool2D_input_same_size1", "MaxPool2D", dict(pool_size=3, padding="same"),
     (1, 1, 1, 1)),
    ("MaxPool2D_input_int", "MaxPool2D", {}, X, "int32"),
    # Dense arguments and inputs
    ("Dense_units_0", "Dense", dict(units=0), (2, 3)),
    ("Dense_units_neg", "Dense", dict(units=-1), (2, 3)),
    ("Dense_units_float", "Dense", dict(units=2.5), (2, 3)),
    ("Dense_units_str", "Dense", dict(units="3"), (2, 3)),
    ("Dense_units_none", "Dense", dict(units=None), (2, 3)),
    ("Dense_activation_unknown", "Dense", dict(units=3, activation="nope"), None),
    ("Dense_initializer_unknown", "Dense", dict(units=3, bias_initializer="nope"), None),
    ("Dense_unknown_kwarg", "Dense", dict(units=3, foo=1), None),
    ("Dense_input_rank1", "Dense", dict(units=3), (3,)),
    ("Dense_input_rank0", "Dense", dict(units=3), ()),
    ("Dense_input_int", "Dense", dict(units=3), (2, 3), "int32"),
    ("Dense_input_str", "Dense", dict(units=3), (2, 3), "str"),
    ("MaxPool2D_input_str", "MaxPool2D", {}, X, "str"),
]

# Second calls with an incompatible input: the layer is built by the first call.
SECOND_CALL = [
    ("Conv2D_second_call_channels", "Conv2D", C, X, (1, 5, 5, 3)),
    ("Conv2D_second_call_rank", "Conv2D", C, X, (5, 5, 2)),
    ("Conv2D_second_call_spatial_ok", "Conv2D", C, X, (2, 7, 9, 2)),
    ("Dense_second_call_last_dim", "Dense", dict(units=3), (2, 3), (2, 4)),
    ("Dense_second_call_rank_ok", "Dense", dict(units=3), (2, 3), (2, 5, 3)),
    ("MaxPool2D_second_call_channels_ok", "MaxPool2D", {}, X, (1, 6, 6, 3)),
]

# Deliberate differences: name -> (tf.keras's exception class, kerasmini's, why).
_INTERNAL = "OpError"  # any TensorFlow-internal error class (tf.errors.OpError subclasses)
DELIBERATE = {
    # tf.keras accepts these at construction and fails inside TensorFlow when called;
    # kerasmini raises ValueError up front, naming the argument.
    "MaxPool2D_strides_0": (_INTERNAL, "ValueError", "InvalidArgumentError from the MaxPool kernel"),
    "MaxPool2D_strides_2x0": (_INTERNAL, "ValueError", "InvalidArgumentError from the MaxPool kernel"),
    "MaxPool2D_padding_foo": (_INTERNAL, "ValueError", "InvalidArgumentError (op attr 'padding')"),
    "MaxPool2D_padding_causal": (_INTERNAL, "ValueError", "InvalidArgumentError (op attr 'padding')"),
    "MaxPool2D_input_smaller_than_pool": (_INTERNAL, "ValueError", "AbortedError from the MaxPool kernel"),
    "MaxPool2D_input_smaller_pool3": (_INTERNAL, "ValueError", "TF-internal error from the MaxPool kernel"),
    "MaxPool2D_input_str": (_INTERNAL, "ValueError", "InvalidArgumentError from the MaxPool kernel; tf.keras's Conv2D and Dense raise ValueError, as kerasmini does for all three"),
    "Conv2D_dtype_int32": (_INTERNAL, "ValueError", "InvalidArgumentError from the int random initializer"),
    # kerasmini casts numeric input to the layer's dtype (architecture.md), as tf.keras's
    # Dense and MaxPool2D do; tf.keras's Conv2D alone fails on int/bool input (its conv op
    # meets a float kernel).
    "Conv2D_input_int": ("ValueError", None, "tf.keras Conv2D cannot convolve int32 input"),
    "Conv2D_input_bool": ("ValueError", None, "tf.keras Conv2D cannot convolve bool input"),
}


def make_input(shape, kind="float32"):
    if kind == "str":
        return np.full(shape, "a")
    return np.ones(shape).astype(kind)


def outcome(factory, args, inputs):
    """(exception or None, stage): stage is 'construct' or 'call'."""
    try:
        layer = factory(dict(args))
    except Exception as e:  # noqa: BLE001  (the class is what is compared)
        return e, "construct"
    try:
        for x in inputs:
            layer(x)
        return None, "call"
    except Exception as e:  # noqa: BLE001
        return e, "call"


def is_tf_internal(exc):
    return isinstance(exc, harness.tf.errors.OpError)


def outcome_matches(expected, exc):
    """Does an outcome match a DELIBERATE entry's: None (succeeds), _INTERNAL (any
    TensorFlow-internal error class) or an exception class name?"""
    if expected is None:
        return exc is None
    if expected == _INTERNAL:
        return is_tf_internal(exc)
    return type(exc).__name__ == expected


def both_outcomes(layer, args, inputs):
    """(where, tf.keras's exception, its stage, kerasmini's exception, its stage) for
    construct + call (inputs: arrays, or lists of arrays for the merge layers)."""
    harness.note(layer, None, "errors")
    shapes = [[np.shape(a) for a in x] if isinstance(x, list) else np.shape(x) for x in inputs]
    where = harness.describe(layer, args) + f" inputs={shapes}"
    te, t_stage = outcome(lambda a: harness.make_tf(layer, a), args, inputs)
    me, m_stage = outcome(lambda a: harness.make_km(layer, a), args, inputs)
    harness.record_error(0.0, 0.0)
    return where, te, t_stage, me, m_stage


def fail_if_only_tf_rejects_at_construction(where, te, t_stage, me, m_stage):
    """kerasmini validates every argument in its constructor (architecture.md): what
    tf.keras rejects at construction, kerasmini must reject there too, not fail later by
    accident."""
    if te is not None and t_stage == "construct" and m_stage != "construct":
        harness.fail(f"{where}: tf.keras raises {type(te).__name__} at construction; "
                     f"kerasmini constructs the layer, then "
                     f"{type(me).__name__ + ' on call' if me else 'succeeds'}")


def fail_unless_same_class(where, te, me):
    """Both succeed or both raise the same exception class; otherwise fail, naming both."""
    if type(te) is type(me):
        return
    harness.fail(f"{where}: tf.keras {type(te).__name__ if te else 'succeeds'}"
                 f"{(': ' + str(te).splitlines()[0][:120]) if te else ''}; kerasmini "
                 f"{type(me).__name__ if me else 'succeeds'}"
                 f"{(': ' + str(me).splitlines()[0][:120]) if me else ''}")


def compare(name, layer, args, inputs):
    where, te, t_stage, me, m_stage = both_outcomes(layer, args, inputs)
    fail_if_only_tf_rejects_at_construction(where, te, t_stage, me, m_stage)
    if type(te) is not type(me) and name in DELIBERATE:
        tf_class, km_class, why = DELIBERATE[name]
        if outcome_matches(tf_class, te) and outcome_matches(km_class, me):
            harness.record_divergence(
                f"deliberate-{name}", where,
                f"tf.keras {type(te).__name__}: {why}; kerasmini "
                f"{type(me).__name__ if me else 'succeeds'}")
            return
    fail_unless_same_class(where, te, me)


def _expand(cases):
    return [(c[0], c[1], c[2], c[3], c[4] if len(c) > 4 else "float32") for c in cases]


def case_name(func, num, param):
    return f"{func.__name__}_{param.args[0]}"


def error_test_class(class_name, cases, check):
    """A TestCase class named class_name with one test per case, running check(*case);
    its test ids are test_<case name>."""
    class _T(unittest.TestCase):
        @parameterized.expand(cases, name_func=case_name)
        def test(self, *case):
            check(*case)
    _T.__name__ = _T.__qualname__ = class_name
    return _T


def layer_cases(layer):
    """CASES of one layer, then its SECOND_CALL cases (input kind "two")."""
    return [c for c in _expand(CASES) if c[1] == layer] + \
        [(n, lay, a, (s1, s2), "two") for n, lay, a, s1, s2 in SECOND_CALL if lay == layer]


def run_case(name, layer, args, shape, kind):
    if kind == "two":
        inputs = [make_input(shape[0]), make_input(shape[1])]
    else:
        inputs = [] if shape is None else [make_input(shape, kind)]
    compare(name, layer, args, inputs)


for _layer in ("Conv2D", "MaxPool2D", "Dense"):
    globals()[f"Test{_layer}Errors"] = error_test_class(f"Test{_layer}Errors",
                                                        layer_cases(_layer), run_case)


class TestConv2DFailedCallLeavesLayerUnchanged(unittest.TestCase):
    """A call that fails leaves the kerasmini layer as it was (architecture.md)."""

    def test_unbuilt_then_bad_input(self):
        harness.note("Conv2D", None, "errors")
        m = harness.make_km("Conv2D", dict(C, groups=2))
        with self.assertRaises(ValueError):
            m(make_input((1, 5, 5, 3)))
        self.assertFalse(m.built)
        self.assertEqual(m.weights, [])
        self.assertEqual(m(make_input(X)).shape, (1, 3, 3, 2))
