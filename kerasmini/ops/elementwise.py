"""keras.ops's elementwise functions: NumPy's ufuncs with Keras's dtypes.

Each applies the NumPy ufunc to tensors (ops/arguments.py), so on an active tape it is
recorded with the ufunc's rule (autodiff/numpy_rules.py); comparisons, tests and
rounding give constants (their derivative is zero wherever it exists, and TensorFlow
gives None for them). Dtypes: functions that are real-valued by nature (sin, sqrt,
divide) compute ints in floatx; arithmetic promotes its operands as Keras does
(int32 + float32 is float32, not NumPy's float64); comparisons and tests give bool.
"""
import numpy as np

from kerasmini import config
from kerasmini.ops.arguments import floating, promoted, tensor
from kerasmini.ops.dtypes import result_type
from kerasmini.ops.symbolic import keras_operation


def _define(ufunc, class_name, prepare, doc):
    """A keras.ops function `ufunc(*prepare(args))`, declared as Keras's class."""
    if ufunc.nin == 1:
        def op(x):
            return ufunc(*prepare(x))
    else:
        def op(x1, x2):
            return ufunc(*prepare(x1, x2))
    op.__name__ = op.__qualname__ = ufunc.__name__
    op.__doc__ = f"numpy.{ufunc.__name__}: {doc}."
    return keras_operation(class_name)(op)


def _floats(*args):
    if len(args) == 1:
        return [floating(args[0])]
    dtype = result_type(*[a if isinstance(a, (int, float)) else tensor(a) for a in args])
    return promoted(*args, dtype=dtype if dtype.startswith("float") else config.floatx())


def _same(*args):
    return promoted(*args)


def _bools(*args):
    return [tensor(a, "bool") for a in args]


_REAL = "ints computed in floatx"
(sin, cos, tan, arcsin, arccos, arctan, sinh, cosh, arcsinh, arccosh, arctanh, exp2,
 log2, log10, cbrt, deg2rad, rad2deg, reciprocal) = [
    _define(u, c, _floats, _REAL) for u, c in [
        (np.sin, "Sin"), (np.cos, "Cos"), (np.tan, "Tan"), (np.arcsin, "Arcsin"),
        (np.arccos, "Arccos"), (np.arctan, "Arctan"), (np.sinh, "Sinh"), (np.cosh, "Cosh"),
        (np.arcsinh, "Arcsinh"), (np.arccosh, "Arccosh"), (np.arctanh, "Arctanh"),
        (np.exp2, "Exp2"), (np.log2, "Log2"), (np.log10, "Log10"), (np.cbrt, "Cbrt"),
        (np.deg2rad, "Deg2rad"), (np.rad2deg, "Rad2deg"), (np.reciprocal, "Reciprocal")]]
tanh, exp, log, log1p, expm1, sqrt = [
    _define(u, c, _floats, _REAL) for u, c in [
        (np.tanh, "Tanh"), (np.exp, "Exp"), (np.log, "Log"), (np.log1p, "Log1p"),
        (np.expm1, "Expm1"), (np.sqrt, "Sqrt")]]
divide, arctan2, logaddexp, hypot = [
    _define(u, c, _floats, "the operands promoted, ints computed in floatx") for u, c in [
        (np.divide, "Divide"), (np.arctan2, "Arctan2"), (np.logaddexp, "Logaddexp"),
        (np.hypot, "Hypot")]]


@keras_operation("TrueDivide")
def true_divide(x1, x2):
    """divide under its other name (`x / y` on KerasTensors records TrueDivide)."""
    return divide(x1, x2)


_PROMOTED = "the operands promoted as Keras promotes them"
add, subtract, multiply, power, maximum, minimum, matmul = [
    _define(u, c, _same, _PROMOTED) for u, c in [
        (np.add, "Add"), (np.subtract, "Subtract"), (np.multiply, "Multiply"),
        (np.power, "Power"), (np.maximum, "Maximum"), (np.minimum, "Minimum"),
        (np.matmul, "Matmul")]]
negative, sign, trunc = [_define(u, c, _same, "the input's dtype") for u, c in [
    (np.negative, "Negative"), (np.sign, "Sign"), (np.trunc, "Trunc")]]
floor, ceil = [_define(u, c, _floats, _REAL) for u, c in [(np.floor, "Floor"),
                                                           (np.ceil, "Ceil")]]
_NONBOOL = "bool computed as int32"
mod, floor_divide = [_define(u, c, lambda *a: _no_bool(*promoted(*a)), _NONBOOL)
                     for u, c in [(np.mod, "Mod"), (np.floor_divide, "FloorDivide")]]
square = _define(np.square, "Square", lambda x: _no_bool(tensor(x)), _NONBOOL)

_BOOL = "a bool result"
equal, not_equal, greater, greater_equal, less, less_equal = [
    _define(u, c, _same, _BOOL) for u, c in [
        (np.equal, "Equal"), (np.not_equal, "NotEqual"), (np.greater, "Greater"),
        (np.greater_equal, "GreaterEqual"), (np.less, "Less"),
        (np.less_equal, "LessEqual")]]
logical_and, logical_or, logical_xor, logical_not = [
    _define(u, c, _bools, "the operands as bools") for u, c in [
        (np.logical_and, "LogicalAnd"), (np.logical_or, "LogicalOr"),
        (np.logical_xor, "LogicalXor"), (np.logical_not, "LogicalNot")]]
isnan, isinf, isfinite = [_define(u, c, lambda x: [tensor(x)], _BOOL) for u, c in [
    (np.isnan, "Isnan"), (np.isinf, "Isinf"), (np.isfinite, "Isfinite")]]


def _no_bool(*xs):
    """The tensors, bools as int32 (Keras's dtype for square, clip, mod of bools)."""
    return [x.astype("int32") if x.dtype == bool else x for x in xs]


@keras_operation("Absolute")
def absolute(x):
    """|x| (the input's dtype); the derivative is sign(x), 0 at 0 (TensorFlow's)."""
    x = tensor(x)
    return x if x.dtype == bool or x.dtype.kind == "u" else np.abs(x)


@keras_operation("Abs")
def abs(x):  # noqa: A001 (keras.ops.abs)
    return absolute(x)


@keras_operation("Round", config=("decimals",))
def round(x, decimals=0):  # noqa: A001 (keras.ops.round)
    """Half to even, as NumPy and TensorFlow round (a constant: no gradient)."""
    return np.round(tensor(x), decimals)


@keras_operation("Clip", config=("x_min", "x_max"))
def clip(x, x_min, x_max):
    """x limited to [x_min, x_max] (bool as int32); the gradient passes where
    x_min <= x <= x_max, as TensorFlow's."""
    x = _no_bool(tensor(x))[0]
    return np.clip(x, x_min, x_max).astype(x.dtype, copy=False)


@keras_operation("Where")
def where(condition, x1=None, x2=None):
    """x1 where condition holds, else x2 (promoted together); with neither, the indices
    of the true elements (as NumPy's nonzero; not differentiable)."""
    condition = np.asarray(tensor(condition), bool)
    if x1 is None and x2 is None:
        return tuple(i.astype("int32") for i in np.nonzero(condition))
    if x1 is None or x2 is None:
        raise ValueError("`x1` and `x2` either both should be `None` or both should "
                         f"have non-None value. Received: x1={x1}, x2={x2}")
    x1, x2 = promoted(x1, x2)
    return np.where(condition, x1, x2)


@keras_operation("NanToNum", config=("nan", "posinf", "neginf"))
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """NaN -> nan, inf -> posinf (default the dtype's largest), -inf -> neginf."""
    x = tensor(x)
    if x.dtype.kind != "f":
        return x
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


@keras_operation("Isclose", config=("equal_nan",))
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """|x1 - x2| <= atol + rtol |x2| for floats (equality for ints), as Keras."""
    x1, x2 = promoted(x1, x2)
    x1, x2 = np.asarray(x1), np.asarray(x2)
    if x1.dtype.kind != "f":
        return np.equal(x1, x2)
    close = np.abs(x1 - x2) <= atol + rtol * np.abs(x2)
    return close | (np.isnan(x1) & np.isnan(x2)) if equal_nan else close


@keras_operation("AllClose", config=("rtol", "atol", "equal_nan"))
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return np.all(isclose(x1, x2, rtol, atol, equal_nan))
