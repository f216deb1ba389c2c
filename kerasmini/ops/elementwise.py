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
from kerasmini.autodiff import record
from kerasmini.autodiff.traced import plain
from kerasmini.ops.arguments import floating, promoted, tensor
from kerasmini.ops.dtypes import float_type, result_type
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


# ----- NumPy's other elementwise functions, composed of the ones above ---------------
def _float_promoted(x1, x2):
    """The operands promoted together, computed in floatx when that is an integer."""
    return _floats(x1, x2)


@keras_operation("Fabs")
def fabs(x):
    """|x| in floating point (ints in floatx)."""
    return np.abs(floating(x))


@keras_operation("Fmax")
def fmax(x1, x2):
    """maximum, except that a NaN loses to a number (NumPy's fmax)."""
    return _nan_ignoring(np.maximum, *promoted(x1, x2))


@keras_operation("Fmin")
def fmin(x1, x2):
    return _nan_ignoring(np.minimum, *promoted(x1, x2))


def _nan_ignoring(extremum, x1, x2):
    found = extremum(x1, x2)
    if found.dtype.kind != "f":
        return found
    nan1, nan2 = np.isnan(np.asarray(x1)), np.isnan(np.asarray(x2))
    return np.where(nan1 & ~nan2, x2, np.where(nan2 & ~nan1, x1, found))


@keras_operation("Fmod")
def fmod(x1, x2):
    """The remainder with the sign of x1 (C's fmod): sign(x1) * (|x1| mod |x2|); bools
    as int32."""
    x1, x2 = _no_bool(*promoted(x1, x2))
    return np.sign(np.asarray(x1)).astype(x1.dtype) * np.mod(np.abs(x1), np.abs(x2))


def _integers(name, *xs):
    xs = [tensor(x) for x in xs]
    if any(x.dtype.kind not in "iu" for x in xs):
        raise TypeError(f"Arguments to {name} must be integers. Received: "
                        + ", ".join(f"x{i + 1}.dtype={x.dtype}" for i, x in enumerate(xs)))
    return promoted(*xs)


@keras_operation("Gcd")
def gcd(x1, x2):
    return np.gcd(*_integers("gcd", x1, x2))


@keras_operation("Lcm")
def lcm(x1, x2):
    return np.lcm(*_integers("lcm", x1, x2))


@keras_operation("Heaviside")
def heaviside(x1, x2):
    """0 where x1 < 0, 1 where x1 > 0, x2 where x1 == 0 (ints computed in floatx, int64
    in float64); a constant in x1, x2's gradient where x1 == 0."""
    dtype = result_type(tensor(x1), tensor(x2))
    dtype = {"int64": "float64"}.get(dtype, dtype)
    x1, x2 = promoted(x1, x2, dtype=dtype if dtype.startswith("float") else config.floatx())
    step = np.asarray(np.asarray(x1) > 0, x1.dtype)
    return np.where(np.asarray(x1) == 0, x2, step)


@keras_operation("Ldexp")
def ldexp(x1, x2):
    """x1 * 2 ** x2, x2 an integer exponent."""
    exponent = tensor(x2)
    if exponent.dtype.kind not in "iu":
        raise TypeError(f"ldexp exponent must be an integer type. Received: x2 "
                        f"dtype={exponent.dtype}")
    x1 = tensor(x1, float_type(tensor(x1), exponent))
    return x1 * np.ldexp(np.ones((), x1.dtype), np.asarray(exponent))


@keras_operation("Logaddexp2")
def logaddexp2(x1, x2):
    """log2(2 ** x1 + 2 ** x2), without overflow."""
    x1, x2 = _float_promoted(x1, x2)
    log2 = np.asarray(np.log(2), x1.dtype)
    return np.logaddexp(x1 * log2, x2 * log2) / log2


@keras_operation("Nextafter")
def nextafter(x1, x2):
    """The next representable float64 after x1 towards x2, in the promoted float type
    (TensorFlow steps in float64 and casts back); a constant."""
    dtype = float_type(tensor(x1), tensor(x2))
    step = np.nextafter(np.asarray(tensor(x1), "float64"), np.asarray(tensor(x2), "float64"))
    return step.astype(dtype)


@keras_operation("Signbit")
def signbit(x):
    return np.signbit(np.asarray(tensor(x)))


@keras_operation("Isneginf")
def isneginf(x):
    return _is_infinite(x, np.isneginf)


@keras_operation("Isposinf")
def isposinf(x):
    return _is_infinite(x, np.isposinf)


def _is_infinite(x, test):
    """test(x) for floats; all False for ints and bools, which are never infinite."""
    x = np.asarray(tensor(x))
    return test(x) if x.dtype.kind == "f" else np.zeros(x.shape, bool)


@keras_operation("Sinc")
def sinc(x):
    """sin(pi x) / (pi x), 1 at 0."""
    x = floating(x)
    zero = np.asarray(x) == 0
    pi_x = np.where(zero, np.asarray(1, x.dtype), x) * np.asarray(np.pi, x.dtype)
    return np.where(zero, np.asarray(1, x.dtype), np.sin(pi_x) / pi_x)


@keras_operation("DivideNoNan")
def divide_no_nan(x1, x2):
    """x1 / x2, and 0 where x2 == 0 (its gradient there too)."""
    x1, x2 = _float_promoted(x1, x2)
    zero = np.asarray(x2) == 0
    safe = np.where(zero, np.asarray(1, x2.dtype), x2)
    return np.where(zero, np.asarray(0, x1.dtype), x1 / safe)


@keras_operation("I0")
def i0(x):
    """The modified Bessel function of the first kind, order 0 (ints in floatx, int64
    in float64); its derivative is I1 (tests/ and conformance check it)."""
    x = tensor(x)
    dtype = "float64" if x.dtype.name in ("int64", "float64") else (
        x.dtype.name if x.dtype.name == "float16" else config.floatx())
    x = tensor(x, dtype)
    value = np.i0(plain(x)).astype(dtype)
    return record(value, (x,), lambda g: (g * _bessel_i1(plain(x)),), "i0")


def _bessel_i1(x):
    """I1(x) = (x / 2) sum_k (x^2 / 4)^k / (k! (k + 1)!), summed in float64 until the
    terms stop counting (they peak near k = |x| / 2)."""
    x = np.asarray(x, "float64")
    quarter = x * x / 4
    term, total = np.ones_like(x), np.ones_like(x)
    for k in range(1, 40 + int(np.max(np.abs(x), initial=0.0))):
        term = term * quarter / (k * (k + 1))
        total = total + term
    return x / 2 * total
