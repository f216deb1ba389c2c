"""The tape audit: every NumPy function with a gradient rule, every ufunc and ufunc
method, every in-place write and every kerasmini.ops name, called with each keyword a
table of valid values gives, under kerasmini.GradientTape. Each call must either give
the gradient of float64 central finite differences, or be refused: NoGradientError
(or Keras's own error) naming the function, at the call or at `tape.gradient`. A
gradient that differs from the reference is a *silent wrong gradient*: the one outcome
the tape promises never to give.

This file generates the cases (`cases()`: numpy, ufunc, inplace and ops families) and
judges one (`audit(case)`); tests/test_tape_audit.py runs a seeded sample of them in CI,
and `python -m tests.tape_audit [--family F] [--show all]` runs them all and prints a
table of the verdicts:

    ok          the gradient equals finite differences (None where they are all 0)
    gap         None where the tape cannot see the computation, as documented: arrays
                NumPy converts without calling back (np.sum([t1, t2]): a list of
                TapeArrays; np.asarray(t), t.item(), t.tolist(): detached on purpose,
                as .numpy() in TensorFlow)
    nan         NaN in the gradient at a domain edge (sqrt of a 0 variance, as in TF):
                loud, not silent
    refused     NoGradientError (or another LookupError) naming the function
    unnamed     refused, but the message does not name the function
    invalid     NumPy itself refuses the arguments (not a case)
    crash       the tape raised something else where plain NumPy did not
    WRONG       a gradient off the finite differences: a bug to fix

Inputs are float64 draws away from every kink and domain edge a function here has;
the loss is sum(out * R) for a fixed random R (float outputs; integer and bool outputs
are constants, whose gradient must be None or 0). A keyword asking for float32 (dtype)
is compared with the float64 call: the tape's convention that rounding has derivative 1.
"""
import inspect
import sys
from dataclasses import dataclass, field

import numpy as np

from kerasmini.autodiff import GradientTape, NoGradientError

STEP = 1e-6


@dataclass
class Case:
    """One call to audit: `fn(*inputs)` is run on the plain float64 inputs (the
    reference) and on the tape's TapeArrays of them; `name` is the function's name,
    which a refusal must mention."""
    family: str
    name: str
    label: str
    fn: object
    inputs: list
    reference: object = None  # the float64 forward for the differences (default fn)
    names: tuple = field(default_factory=tuple)  # other names a refusal may give
    gap: str = ""  # a documented gap the tape cannot see (a None gradient is "gap")
    spec: tuple = None  # ops: (op, args, kwargs) as tests/ops_table.py's `call` takes
    formula: object = None  # ops: the table's NumPy formula of the op (its reference)

    def __str__(self):
        return f"{self.family}:{self.label}"


# ----- inputs --------------------------------------------------------------------------
def _draw(shape, seed, low=0.2, high=0.9):
    """Values in (low, high) with random signs when low < 0 is not asked: away from 0,
    from ties and from the edges of log, sqrt, arcsin, arctanh."""
    rng = np.random.default_rng(seed)
    return rng.uniform(low, high, shape)


def _signed(shape, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.2, 0.9, shape) * rng.choice([-1.0, 1.0], shape)


# ----- judging one case ----------------------------------------------------------------
def _outputs(result):
    if isinstance(result, (list, tuple)):
        return [r for item in result for r in _outputs(item)]
    return [result] if isinstance(result, np.ndarray) or np.isscalar(result) else []


def _float(o):
    return np.asarray(o).dtype.kind == "f"


def _float_outputs(fn, inputs):
    return [np.array(o, np.float64) for o in _outputs(fn(*inputs)) if _float(o)]


def _numeric(fn, inputs, weights, i):
    """Central differences of sum(out * R) by inputs[i], output by output before the
    weighting (outputs the step does not reach cancel exactly, however large)."""
    x = inputs[i]
    grad = np.zeros(x.shape)
    flat, flat_grad = x.reshape(-1), grad.reshape(-1)
    for k in range(flat.size):
        saved = flat[k]
        flat[k] = saved + STEP
        up = _float_outputs(fn, inputs)
        flat[k] = saved - STEP
        down = _float_outputs(fn, inputs)
        flat[k] = saved
        flat_grad[k] = sum(np.sum((u - d) * w) for u, d, w in zip(up, down, weights)) / (
            2 * STEP)
    return grad


def _copies(inputs):
    return [np.array(x) if isinstance(x, np.ndarray) else x for x in inputs]


def _names(case):
    return (case.name,) + tuple(case.names)


def audit(case):
    """(verdict, detail) for one case (the verdicts: the module docstring)."""
    try:
        with np.errstate(all="ignore"):
            plain_out = _outputs(case.fn(*_copies(case.inputs)))
    except Exception as error:  # NumPy refuses these arguments itself
        return "invalid", f"{type(error).__name__}: {error}"
    again = _outputs(case.fn(*_copies(case.inputs)))
    if len(again) != len(plain_out) or not all(
            np.array_equal(a, b, equal_nan=True) for a, b in zip(plain_out, again)
            if _float(a)):
        return "invalid", "different outputs for the same inputs (np.empty_like)"
    rng = np.random.default_rng(1)
    weights = [rng.standard_normal(np.shape(o)) for o in plain_out if _float(o)]
    if any(not np.all(np.isfinite(o)) for o in plain_out if _float(o)):
        return "invalid", "non-finite output"
    sources = [i for i, x in enumerate(case.inputs)
               if isinstance(x, np.ndarray) and x.dtype.kind == "f"]
    inputs = _copies(case.inputs)
    try:
        with np.errstate(all="ignore"):
            with GradientTape() as tape:
                watched = list(inputs)
                for i in sources:
                    watched[i] = tape.watch(inputs[i])
                outs = [o for o in _outputs(case.fn(*watched)) if _float(o)]
                total = sum(np.sum(o * w) for o, w in zip(outs, weights))
            grads = tape.gradient(total, [inputs[i] for i in sources]) if outs else \
                [None] * len(sources)
    except LookupError as error:
        named = any(n in str(error) for n in _names(case))
        return ("refused" if named else "unnamed"), str(error).split("\n")[0][:160]
    except Exception as error:
        return "crash", f"{type(error).__name__}: {error}"[:200]
    reference = case.reference or case.fn
    for i, grad in zip(sources, grads):
        try:
            expected = _numeric(reference, _copies(case.inputs), weights, i)
        except ValueError as error:  # outputs whose shape depends on the values
            return "invalid", f"finite differences: {error}"
        scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-3)
        if grad is None:
            error = float(np.max(np.abs(expected), initial=0.0))
        else:
            grad = np.asarray(grad, np.float64)
            if grad.shape != expected.shape:
                return "WRONG", f"input {i}: gradient shape {grad.shape}, " \
                                f"expected {expected.shape}"
            error = float(np.max(np.abs(grad - expected), initial=0.0))
        if grad is not None and np.isnan(grad).any() and np.isfinite(expected).all():
            return "nan", f"input {i}: NaN in the gradient (a kink or domain edge)"
        if not error <= 1e-6 * scale + 1e-8 and case.gap:
            return "gap", case.gap
        if not error <= 1e-6 * scale + 1e-8:
            return "WRONG", (f"input {i}: max error {error:.3g} (scale {scale:.3g})"
                             + (" (gradient None)" if grad is None else ""))
    return "ok", ""


# ----- the families ---------------------------------------------------------------------
X3 = (2, 3, 4)


def _keyword_values(x):
    """Valid values of the keywords NumPy functions take, for an input like x."""
    mask = np.random.default_rng(7).random(x.shape) > 0.3
    mask.flat[0] = True
    return {
        "axis": [0, -1, (0, 2), None],
        "keepdims": [True],
        "dtype": ["float32", "int64"],
        "where": [mask],
        "initial": [0.5],
        "ddof": [1], "correction": [1],
        "order": ["F", "A", "K"],
        "out": ["buffer"],
        "copy": [True, False],
        "subok": [True],
        "casting": ["unsafe"],
        "mean": ["mean"],
        "k": [1, -1], "n": [2], "prepend": [0.5], "append": [0.5],
        "weights": [np.random.default_rng(8).uniform(0.5, 1.5, x.shape)],
        "returned": [True], "ord": [1, 3, np.inf], "dx": [0.5], "axes": [(0, 2)],
    }


def _function_base(func):
    """(positional arguments after x, input shape, input maker) of a FUNCTION_RULES
    entry; None for those with their own generator (einsum, where, clip, ...)."""
    return {
        np.reshape: ((4, 6),), np.ravel: (), np.expand_dims: (1,), np.squeeze: (),
        np.copy: (), np.broadcast_to: ((5, 2, 3, 4),), np.transpose: (),
        np.swapaxes: (0, 2), np.moveaxis: (0, -1), np.repeat: (2,), np.sum: (),
        np.mean: (), np.var: (), np.max: (), np.min: (), np.amax: (), np.amin: (),
        np.cumsum: (), np.cumprod: (), np.prod: (), np.nan_to_num: (), np.diag: (),
        np.pad: (((1, 2), (0, 1), (2, 0)),),
        # COMPOSED_FUNCTIONS: NumPy's own Python on the TapeArrays
        np.std: (), np.average: (), np.flip: (), np.fliplr: (), np.flipud: (),
        np.tile: ((2, 1, 2),), np.rot90: (), np.triu: (), np.tril: (), np.diff: (),
        np.append: (np.ones((2, 3, 4)),), np.matrix_transpose: (), np.trapezoid: (),
        np.kron: (np.full((2, 1, 2), 0.5),), np.linalg.norm: (),
        np.atleast_1d: (), np.atleast_2d: (), np.atleast_3d: (),
        np.dot: (np.full((4, 2), 0.5),), np.outer: (np.arange(3.0),),
    }.get(func)


def _shape_of(func):
    if func is np.squeeze:
        return (2, 1, 4)
    if func is np.diag:
        return (3, 4)
    return X3


def numpy_cases():
    """Every FUNCTION_RULES and COMPOSED_FUNCTIONS entry with each of its keywords (one
    at a time, and pairs of reduction keywords), plus np.pad's modes and options."""
    from kerasmini.autodiff.numpy_rules import COMPOSED_FUNCTIONS, FUNCTION_RULES
    cases = []
    rewritten = [np.linalg.norm, np.dot, np.outer]  # recorded as other operations
    for func in (list(FUNCTION_RULES) + sorted(COMPOSED_FUNCTIONS, key=lambda f: f.__name__)
                 + rewritten):
        base = _function_base(func)
        if base is None:
            continue
        shape = _shape_of(func)
        x = _signed(shape, 3) if func not in (np.cumprod, np.prod) else _draw(shape, 3, 0.8, 1.25)
        values = _keyword_values(x)
        try:
            params = inspect.signature(func).parameters
        except (TypeError, ValueError):
            params = {}
        keywords = [p for p in params if p in values]
        variants = [{}] + [{k: v} for k in keywords for v in values[k]]
        if "axis" in keywords and "keepdims" in keywords:
            variants += [{"axis": a, "keepdims": True} for a in (0, (0, 2))]
        if "axis" in keywords and "where" in keywords:
            variants += [{"axis": 1, "where": values["where"][0]}]
        for kwargs in variants:
            cases.append(_numpy_case(func, x, base, kwargs))
    cases += _pad_cases() + _other_function_cases()
    return cases


def _numpy_case(func, x, base, kwargs):
    label = f"{func.__name__}({_describe(kwargs)})"
    if kwargs.get("out") == "buffer":
        shape = np.shape(func(x, *base))
        fn = lambda x: func(x, *base, out=np.zeros(shape))
    elif kwargs.get("mean") == "mean":
        fn = lambda x: func(x, *base, mean=np.mean(x, keepdims=True))
    else:
        fn = lambda x: func(x, *base, **kwargs)
    reference = None
    if not any(isinstance(v, str) and v in ("buffer", "mean") for v in kwargs.values()):
        reference = lambda x: func(x, *base, **_float64(kwargs))
    return Case("numpy", f"numpy.{func.__name__}", label, fn, [x], reference)


def _float64(kwargs):
    """The reference's keywords: float32 asked for is computed in float64."""
    return {k: ("float64" if isinstance(v, str) and v == "float32" else v)
            for k, v in kwargs.items()}


def _describe(kwargs):
    def short(v):
        if isinstance(v, np.ndarray):
            return f"<{v.dtype.name}{list(v.shape)}>"
        return repr(v)
    return ", ".join(f"{k}={short(v)}" for k, v in kwargs.items())


PAD_MODES = ["constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum",
             "reflect", "symmetric", "wrap", "empty"]


def _pad_cases():
    x = _signed((3, 4), 5)
    widths = [((1, 2), (2, 1)), 2, (1, 3), ((0, 0), (5, 3))]
    options = [{"constant_values": 1.5}, {"constant_values": ((1.0, 2.0), (3.0, 4.0))},
               {"reflect_type": "odd"}, {"end_values": 0.5}, {"stat_length": 2}]
    cases = []
    for mode in PAD_MODES:
        for width in widths:
            cases.append(Case("numpy", "numpy.pad", f"pad({width}, mode={mode!r})",
                              lambda x, m=mode, w=width: np.pad(x, w, mode=m), [x]))
        for option in options:
            cases.append(Case("numpy", "numpy.pad",
                              f"pad(2, mode={mode!r}, {_describe(option)})",
                              lambda x, m=mode, o=option: np.pad(x, 2, mode=m, **o), [x]))
    # a traced value as constant_values: an input the rule does not differentiate
    cases.append(Case("numpy", "numpy.pad", "pad(1, constant_values=traced)",
                      lambda x: np.pad(x, 1, constant_values=np.sum(x)), [x]))
    return cases


def _other_function_cases():
    a, b = _signed((3, 4), 11), _signed((3, 4), 12)
    m = _signed((4, 2), 13)
    mask = np.random.default_rng(14).random((3, 4)) > 0.5
    idx = np.random.default_rng(15).integers(0, 4, (3, 2))
    N = "numpy"
    return [
        Case(N, "numpy.clip", "clip(x, -0.5, 0.5)", lambda x: np.clip(x, -0.5, 0.5), [a]),
        Case(N, "numpy.clip", "clip(x, lo, hi) traced bounds",
             lambda x, lo, hi: np.clip(x, lo, hi), [a, b * 0.2 - 0.5, b * 0.2 + 0.5]),
        Case(N, "numpy.clip", "clip(x, min=-0.5, max=0.5)",
             lambda x: np.clip(x, min=-0.5, max=0.5), [a]),
        Case(N, "numpy.clip", "clip(x, -0.5, None)", lambda x: np.clip(x, -0.5, None), [a]),
        Case(N, "numpy.clip", "clip(x, -0.5, 0.5, out=)",
             lambda x: np.clip(x, -0.5, 0.5, out=np.zeros(x.shape)), [a]),
        Case(N, "numpy.where", "where(mask, x, y)", lambda x, y: np.where(mask, x, y),
             [a, b]),
        Case(N, "numpy.where", "where(mask, x, 0.0)", lambda x: np.where(mask, x, 0.0), [a]),
        Case(N, "numpy.concatenate", "concatenate(axis=1)",
             lambda x, y: np.concatenate([x, y], axis=1), [a, b]),
        Case(N, "numpy.concatenate", "concatenate(axis=None)",
             lambda x, y: np.concatenate([x, y], axis=None), [a, b]),
        Case(N, "numpy.concatenate", "concatenate(dtype=float32)",
             lambda x, y: np.concatenate([x, y], dtype="float32"), [a, b],
             lambda x, y: np.concatenate([x, y])),
        Case(N, "numpy.concatenate", "concatenate(out=)",
             lambda x, y: np.concatenate([x, y], out=np.zeros((6, 4))), [a, b]),
        Case(N, "numpy.stack", "stack(axis=-1)", lambda x, y: np.stack([x, y], -1), [a, b]),
        Case(N, "numpy.stack", "stack(dtype=int64)",
             lambda x, y: np.stack([x, y], dtype="int64"), [a, b]),
        Case(N, "numpy.stack", "stack(out=)",
             lambda x, y: np.stack([x, y], out=np.zeros((2, 3, 4))), [a, b]),
        Case(N, "numpy.matmul", "matmul(x, m)", lambda x, y: np.matmul(x, y), [a, m]),
        Case(N, "numpy.matmul", "matmul(out=)",
             lambda x, y: np.matmul(x, y, out=np.zeros((3, 2))), [a, m]),
        Case(N, "numpy.matmul", "matmul(vector, m)", lambda x, y: np.matmul(x[0], y),
             [a, m]),
        Case(N, "numpy.take_along_axis", "take_along_axis(axis=1)",
             lambda x: np.take_along_axis(x, idx, axis=1), [a]),
        Case(N, "numpy.take_along_axis", "take_along_axis(axis=None)",
             lambda x: np.take_along_axis(x, idx.ravel(), axis=None), [a]),
        Case(N, "numpy.einsum", "einsum('ij,jk->ik')",
             lambda x, y: np.einsum("ij,jk->ik", x, y), [a, m]),
        Case(N, "numpy.einsum", "einsum('ij,jk', dtype=float32)",
             lambda x, y: np.einsum("ij,jk", x, y, dtype="float32"), [a, m],
             lambda x, y: np.einsum("ij,jk", x, y)),
        Case(N, "numpy.einsum", "einsum('ij,jk->ik', out=)",
             lambda x, y: np.einsum("ij,jk->ik", x, y, out=np.zeros((3, 2))), [a, m]),
        Case(N, "numpy.einsum", "einsum('ii->i')",
             lambda x: np.einsum("ii->i", x[:, :3]), [a]),
        Case(N, "numpy.einsum", "einsum(sublist form)",
             lambda x, y: np.einsum(x, [0, 1], y, [1, 2], [0, 2]), [a, m]),
        Case(N, "numpy.diag", "diag(vector, k=-1)", lambda x: np.diag(x[0], -1), [a]),
        Case(N, "numpy.diag", "diag(matrix, k=2)", lambda x: np.diag(x, 2), [a]),
        Case(N, "numpy.diag", "diag(matrix, k=-1)", lambda x: np.diag(x, -1), [a]),
        Case(N, "numpy.broadcast_to", "broadcast_to((2, 3, 4))",
             lambda x: np.broadcast_to(x, (2, 3, 4)), [a]),
        Case(N, "numpy.repeat", "repeat([1, 2, 0], axis=0)",
             lambda x: np.repeat(x, [1, 2, 0], axis=0), [a]),
        Case(N, "numpy.nan_to_num", "nan_to_num(nan=1.0, posinf=2.0)",
             lambda x: np.nan_to_num(x, nan=1.0, posinf=2.0), [a]),
        Case(N, "numpy.nan_to_num", "nan_to_num(copy=False)",
             lambda x: np.nan_to_num(x, copy=False), [a]),
        Case(N, "numpy.var", "var(ddof=1, axis=0)", lambda x: np.var(x, 0, ddof=1), [a]),
        Case(N, "numpy.sum", "sum(where=mask, axis=1)",
             lambda x: np.sum(x, axis=1, where=mask), [a]),
    ]


# ----- ufuncs ---------------------------------------------------------------------------
def _all_ufuncs():
    return sorted({u for u in vars(np).values() if isinstance(u, np.ufunc)},
                  key=lambda u: u.__name__)


def _ufunc_input(name, shape, seed):
    """Inputs inside each ufunc's domain (arccosh: > 1; the rest: (0.2, 0.9))."""
    if name == "arccosh":
        return _draw(shape, seed, 1.2, 2.0)
    if name in ("power", "float_power", "ldexp"):
        return _draw(shape, seed, 0.5, 1.5)
    return _draw(shape, seed) * (1.0 if seed % 2 else -1.0) if name in (
        "add", "subtract", "multiply", "negative", "absolute", "fabs", "square",
        "maximum", "minimum", "fmax", "fmin") else _draw(shape, seed)


def ufunc_cases():
    """Every ufunc NumPy has, called as `ufunc(*x)` with out=, where=, dtype=, and its
    methods (reduce, accumulate, reduceat, outer, at) with their keywords."""
    cases = []
    shape = (3, 4)
    mask = np.random.default_rng(21).random(shape) > 0.4
    for u in _all_ufuncs():
        name = u.__name__
        if u.nout != 1 and name not in ("modf", "frexp", "divmod"):
            continue
        xs = [_ufunc_input(name, shape, 30 + i) for i in range(u.nin)]
        if name in ("ldexp",):
            xs[1] = np.arange(12).reshape(shape) % 3
        if name in ("left_shift", "right_shift", "gcd", "lcm", "bitwise_and",
                    "bitwise_or", "bitwise_xor", "invert", "bitwise_count"):
            continue  # integers only
        full = f"numpy.{name}"
        U = "ufunc"
        cases.append(Case(U, full, f"{name}(x)", lambda *a, u=u: u(*a), xs))
        cases.append(Case(U, full, f"{name}(out=)",
                          lambda *a, u=u: u(*a, out=np.zeros(shape)), xs))
        cases.append(Case(U, full, f"{name}(out=traced)",
                          lambda *a, u=u: (lambda o: (u(*a, out=o), o)[1])(a[0] * 1.0), xs))
        cases.append(Case(U, full, f"{name}(where=mask)",
                          lambda *a, u=u: u(*a, where=mask, out=np.zeros(shape)), xs))
        cases.append(Case(U, full, f"{name}(dtype=float32)",
                          lambda *a, u=u: u(*a, dtype="float32"), xs,
                          lambda *a, u=u: u(*a)))
        cases.append(Case(U, full, f"{name}(x[0] broadcast)",
                          lambda *a, u=u: u(a[0][0], *a[1:]), xs))
        cases.append(Case(U, full, f"{name}(0-d)",
                          lambda *a, u=u: u(*[v[1, 2] for v in a]), xs))
        if u.nin == 2 and u.nout == 1:
            cases += _method_cases(u, xs, full)
    return cases


def _method_cases(u, xs, full):
    name = u.__name__
    x = xs[0]
    U = "ufunc"
    cases = [
        Case(U, full, f"{name}.reduce(axis=0)", lambda x, u=u: u.reduce(x, axis=0), [x]),
        Case(U, full, f"{name}.reduce(axis=None, keepdims)",
             lambda x, u=u: u.reduce(x, axis=None, keepdims=True), [x]),
        Case(U, full, f"{name}.reduce(initial=0.5)",
             lambda x, u=u: u.reduce(x, axis=1, initial=0.5), [x]),
        Case(U, full, f"{name}.reduce(where)",
             lambda x, u=u: u.reduce(x, axis=1, initial=0.5, where=x > 0.4), [x]),
        Case(U, full, f"{name}.reduce(dtype=int64)",
             lambda x, u=u: u.reduce(x * 10, axis=1, dtype="int64"), [x]),
        Case(U, full, f"{name}.accumulate(axis=1)",
             lambda x, u=u: u.accumulate(x, axis=1), [x]),
        Case(U, full, f"{name}.reduceat", lambda x, u=u: u.reduceat(x, [0, 2], axis=1),
             [x]),
        Case(U, full, f"{name}.outer", lambda x, y, u=u: u.outer(x[0], y[1]), xs),
        Case(U, full, f"{name}.at", lambda x, y, u=u: _at(u, x, y), xs, names=("at",)),
    ]
    return cases


def _at(u, x, y):
    z = x * 1.0
    u.at(z, (np.array([0, 0, 2]), np.array([1, 1, 3])), y[0, :3])
    return z


# ----- in-place writes and views --------------------------------------------------------
def _setitem(x):
    y = x * 2.0
    y[0] = 5.0
    return y


def _setitem_traced(x):
    y = x * 2.0
    y[0, :2] = x[1, :2] * 3.0
    return y


def _iadd(x):
    y = x * 2.0
    y += x
    return y * y


def _imul_slice(x):
    y = x * 2.0
    y[1:] *= 3.0
    return y


def _view_write(x):
    y = x * 2.0
    v = y.view()
    v[0] = 1.0
    return y


def _reshape_write(x):
    y = x * 2.0
    z = y.reshape(-1)
    z[0] = 0.0
    return y * z.reshape(y.shape)


def _method(name, *args):
    def write(x):
        y = x * 2.0
        getattr(y, name)(*args)
        return y * x
    write.__name__ = name
    return write


def _function(func, *args):
    def write(x):
        y = x * 2.0
        func(y, *args)
        return y * x
    return write


def _stale_out(x):
    y = x * 2.0
    np.exp(x, out=y)  # the returned value is dropped; y is read afterwards
    return y


def _diagonal_write(x):
    y = x * 2.0
    y.diagonal()  # a read-only view: must not be writable
    return y


def inplace_cases():
    x = _signed((3, 4), 41)
    idx = np.array([[0], [2], [1]])
    I = "inplace"
    writes = [
        ("setitem", _setitem, ("setitem", "__setitem__")),
        ("setitem traced", _setitem_traced, ("setitem", "__setitem__")),
        ("+= rebinds", _iadd, ("add",)),
        ("slice *=", _imul_slice, ("setitem", "__setitem__")),
        ("view then write", _view_write, ("setitem", "__setitem__", "view")),
        ("reshape then write", _reshape_write, ("setitem", "__setitem__")),
        ("stale out=", _stale_out, ("exp",)),
        ("diagonal", _diagonal_write, ("diagonal",)),
    ] + [(f".{m}", _method(m, *a), (m,)) for m, a in [
        ("sort", ()), ("fill", (0.5,)), ("put", ([0, 3], [1.0, 2.0])),
        ("partition", (1,)), ("itemset", (0, 1.0)), ("resize", ((3, 4),)),
        ("byteswap", (True,)), ("setflags", (False,)), ("__ipow__", (2,)),
        ("__imatmul__", (np.eye(4),)), ("__itruediv__", (2.0,))]
    ] + [(f"numpy.{f.__name__}", _function(f, *a), (f.__name__,)) for f, a in [
        (np.copyto, (np.ones((3, 4)),)), (np.put, ([0, 3], [1.0, 2.0])),
        (np.place, (np.eye(3, 4, dtype=bool), [7.0])),
        (np.putmask, (np.eye(3, 4, dtype=bool), 7.0)),
        (np.put_along_axis, (idx, 9.0, 1)), (np.fill_diagonal, (3.0,))]]
    also = {".__ipow__": ("square", "power"), ".__imatmul__": ("matmul",),
            ".__itruediv__": ("divide",)}
    return [Case(I, names[0], label, fn, [x], names=names[1:] + also.get(label, ()))
            for label, fn, names in writes]


# ----- indexing, mixed dtypes, broadcasting, 0-d --------------------------------------
def indexing_cases():
    """Indexing of every kind (repeated indices add up), and arithmetic with integer,
    bool, Python and 0-d operands, broadcast both ways."""
    x = _signed((3, 4), 71)
    ints = np.arange(12).reshape(3, 4) % 3
    mask = ints > 0
    rows = np.array([2, 0, 2, 2])
    index_cases = {
        "x[1]": lambda x: x[1], "x[-1, ::-2]": lambda x: x[-1, ::-2],
        "x[None, ..., 1:]": lambda x: x[None, ..., 1:], "x[rows]": lambda x: x[rows],
        "x[rows, rows[:4] % 4]": lambda x: x[rows, rows % 4], "x[mask]": lambda x: x[mask],
        "x[:, [3, 3, 0]]": lambda x: x[:, [3, 3, 0]], "x[1, 2] (0-d)": lambda x: x[1, 2],
        "x[()]": lambda x: x[()], "x[mask[0]] of rows": lambda x: x[:, mask[0]],
        "x[[True, False, True]]": lambda x: x[[True, False, True]],
        "x.T[1:, ::2]": lambda x: x.T[1:, ::2], "x.flat[3]": lambda x: x.flat[3],
        "for row in x": lambda x: sum(row * i for i, row in enumerate(x)),
    }
    arithmetic = {
        "ints * x": lambda x: ints * x, "x + True": lambda x: x + True,
        "x ** 2": lambda x: x ** 2, "2 ** x": lambda x: 2.0 ** x,
        "x / ints.clip(1)": lambda x: x / ints.clip(1), "mask * x": lambda x: mask * x,
        "x[:, :1] - x": lambda x: x[:, :1] - x, "x[0] @ x.T": lambda x: x[0] @ x.T,
        "np.float64(2) * x": lambda x: np.float64(2) * x, "x.sum() * x": lambda x: x.sum() * x,
        "x.mean(0, keepdims) / x": lambda x: x.mean(0, keepdims=True) / x,
        "abs(x) ** 0.5": lambda x: abs(x) ** 0.5, "-x % 0.7": lambda x: -x % 0.7,
        "x // 0.3 * x": lambda x: x // 0.3 * x, "divmod(x, 0.3)[1]": lambda x: divmod(x, 0.3)[1],
        "x.astype(int) * x": lambda x: x.astype(int) * x,
        "x.astype(float32)": lambda x: x.astype("float32"),
        "max(x[0, 0], x[0, 1])": lambda x: max(x[0, 0], x[0, 1]) * x,
        "float(x[0, 0]) * x": lambda x: float(x[0, 0]) * x,
    }
    gaps = {"float(x[0, 0]) * x": DETACH_GAP}
    wide = {"x.astype(float32)": lambda x: x.astype("float64")}  # rounding: derivative 1
    return ([Case("indexing", "getitem", label, fn, [x], names=("getitem", "flat"))
             for label, fn in index_cases.items()]
            + [Case("indexing", "arithmetic", label, fn, [x], wide.get(label),
                    gap=gaps.get(label, ""), names=("numpy",))
               for label, fn in arithmetic.items()])


# ----- kerasmini.ops --------------------------------------------------------------------
OPS_VALUES = {
    "axis": [0, -1, (0, 1), None], "keepdims": [True], "dtype": ["float32"],
    "mode": ["reflect", "symmetric", "constant", "wrap", "edge"],
    "constant_values": [1.5], "order": [1, 2, np.inf, "fro"], "ddof": [1],
    "k": [-1, 1, 2], "offset": [1, -1], "side": ["right"], "method": ["lower", "nearest"],
    "from_logits": [True], "approximate": [True], "reverse": [True], "exclusive": [True],
    "epsilon": [0.1], "shift": [1, -2], "repeats": [2], "initial": [0.5],
    "interpolation": ["nearest", "bilinear"], "padding": ["same"], "data_format": [
        "channels_first"], "x_min": [-0.3], "x_max": [0.3], "return_counts": [True],
    "sorted": [False], "normalize": [True], "correction": [1], "stable": [True],
    "ord": [1, np.inf, "fro", "nuc"], "axis1": [1], "axis2": [0], "indexing": ["ij"],
    "tol": [1e-3], "label_smoothing": [0.1], "alpha": [0.5], "negative_slope": [0.3],
    "max_value": [0.5], "threshold": [0.3], "beta": [2.0], "b": [1.0], "scale": [2.0],
    "is_causal": [True], "lower": [True], "compute_uv": [False], "full_matrices": [False],
    "num_segments": [5], "sorted_indices": [True], "squeeze": [False],
}


# keras.ops names tests/ops_table.py has no case of (its format: _c(name, op, inputs,
# differentiable, **kwargs)); their keywords are varied as the table's are
def _extra_ops_cases():
    from tests import reference
    from tests.ops_table import _c
    A, S, P = ((3, 4), "any"), ((3, 3), "spd"), ((3, 4), "positive")
    return [
        _c("absolute", "absolute", [A]), _c("amax", "amax", [A], axis=1),
        _c("amin", "amin", [A]), _c("copy", "copy", [A]),
        _c("argpartition", "argpartition", [A], False, kth=1),
        _c("batch_product", "batch_product", [((2, 3, 4), "any"), ((2, 4, 2), "any")]),
        _c("full_like", "full_like", [A], False, fill_value=2.0),
        _c("zeros_like", "zeros_like", [A], False), _c("ones_like", "ones_like", [A], False),
        _c("get_item", "get_item", [A], key=(slice(1, 3), 2)),
        _c("glu", "glu", [A]), _c("celu", "celu", [A]),
        _c("hard_shrink", "hard_shrink", [A], threshold=0.3),
        _c("soft_shrink", "soft_shrink", [A], threshold=0.3),
        _c("tanh_shrink", "tanh_shrink", [A]), _c("hard_silu", "hard_silu", [A]),
        _c("hard_swish", "hard_swish", [A]), _c("swish", "swish", [A]),
        _c("sparse_plus", "sparse_plus", [A]), _c("sparse_sigmoid", "sparse_sigmoid", [A]),
        _c("sparsemax", "sparsemax", [A], reference=reference.sparsemax),
        _c("squareplus", "squareplus", [A]),
        _c("logdet", "logdet", [S]), _c("slogdet", "slogdet", [S], _pick=1),
        _c("qr", "qr", [((4, 3), "any")], _pick=1), _c("svd", "svd", [A], _pick=1),
        _c("eig", "eig", [S], _pick=0), _c("polar", "polar", [P, A]),
        _c("saturate_cast", "saturate_cast", [A], dtype="float32"),
        _c("segment_max", "segment_max", [((5, 3), "any"), ((5,), "segments")],
           num_segments=3),
        _c("segment_sum", "segment_sum", [((5, 3), "any"), ((5,), "segments")],
           num_segments=3),
        _c("unstack", "unstack", [A], axis=1), _c("view", "view", [A], dtype="int64"),
        _c("view_float", "view", [A]),
        _c("view_as_complex", "view_as_complex", [((3, 2), "any")]),
        _c("in_top_k", "in_top_k", [((3,), "int"), A], False, k=2),
        _c("nonzero", "nonzero", [A], False),
    ]


def ops_cases():
    """Each case of tests/ops_table.py (the keras.ops names and their base inputs) with
    each keyword of the op's signature that OPS_VALUES gives values for, one at a time."""
    from kerasmini import ops
    from tests.ops_table import CASES, call, case_inputs, split_kwargs
    cases, seen = [], set()
    for name, op, inputs, kwargs, _, formula in CASES + _extra_ops_cases():
        args = case_inputs(inputs)
        if not any(np.asarray(a).dtype.kind == "f" for arg in args
                   for a in (arg if isinstance(arg, list) else [arg])):
            continue
        try:
            from tests.ops_table import resolve
            params = inspect.signature(resolve(ops, op)).parameters
        except (TypeError, ValueError):
            params = {}
        variants = [dict(kwargs)] + [{**kwargs, k: v} for k in params if k in OPS_VALUES
                                     for v in OPS_VALUES[k]]
        pick = split_kwargs(kwargs)[1]
        for variant in variants:
            key = (op, repr(sorted((k, repr(v)) for k, v in variant.items())))
            if key in seen:
                continue
            seen.add(key)
            cases.append(_ops_case(name, op, args, variant, pick, call, ops, formula))
    return cases


def _ops_case(name, op, args, kwargs, pick, call, ops, formula=None):
    flat = [a for arg in args for a in (arg if isinstance(arg, list) else [arg])]
    shapes = [len(arg) if isinstance(arg, list) else None for arg in args]

    def regroup(values):
        values, out = iter(values), []
        for n in shapes:
            out.append([next(values) for _ in range(n)] if n else next(values))
        return out

    def fn(*values):
        result = call(ops, op, regroup(values), kwargs)
        if pick is not None:
            result = result[pick]
        return result

    def reference(*values):
        return fn(*values) if "dtype" not in kwargs else call(
            ops, op, regroup(values), _float64(kwargs))

    shown = {k: v for k, v in kwargs.items() if not k.startswith("_")}
    return Case("ops", op.split(".")[-1], f"ops.{op}({_describe(shown)}) [{name}]", fn,
                flat, reference, spec=(op, args, kwargs), formula=formula)


# NumPy names never called: they read or write files, print, change global state, or
# take no array (classes and constructors are skipped by type)
_NOT_CALLED = ("save", "load", "file", "txt", "info", "show", "test", "set", "get",
               "format", "print", "source", "lookfor", "deprecate", "memmap", "genfrom",
               "frombuffer", "fromstring", "fromregex", "asmatrix", "bmat", "mat",
               "nested_iters", "broadcast_arrays", "busday", "datetime", "einsum_path",
               "typename", "mintypecode", "may_share", "shares", "iterable", "vectorize",
               "frompyfunc", "piecewise", "apply_along_axis", "apply_over_axes", "fromfunction")


LIST_GAP = "a list of TapeArrays, which NumPy converts without calling back"
DETACH_GAP = "a conversion to a plain array or Python number: detached on purpose"
# conversions NumPy makes without calling back (no __array_function__ dispatch)
DETACHING = {"array", "asarray", "asarray_chkfinite", "ascontiguousarray",
             "asfortranarray", "from_dlpack", "data", "item", "tolist"}


def _numpy_functions():
    names = []
    for name in sorted(dir(np)):
        value = getattr(np, name)
        if (name.startswith("_") or isinstance(value, (np.ufunc, type)) or not callable(value)
                or any(word in name for word in _NOT_CALLED)):
            continue
        names.append((name, value))
    return names


def numpy_all_cases():
    """Every public NumPy function (not a ufunc, not a class), called on one (3, 4)
    array, on two, and with axis=0: recorded, refused or constant, never wrong."""
    x, y = _draw((3, 4), 51), _draw((3, 4), 52)
    cases = []
    for name, func in _numpy_functions():
        full = f"numpy.{name}"
        gap = DETACH_GAP if name in DETACHING else ""
        also = ("vstack",) if name == "row_stack" else ()  # a deprecated alias
        cases.append(Case("numpy_all", full, f"{name}(x)", lambda x, f=func: f(x), [x],
                          gap=gap, names=also))
        cases.append(Case("numpy_all", full, f"{name}(x, y)", lambda x, y, f=func: f(x, y),
                          [x, y]))
        cases.append(Case("numpy_all", full, f"{name}(x, axis=0)",
                          lambda x, f=func: f(x, axis=0), [x]))
        cases.append(Case("numpy_all", full, f"{name}([x, y])",
                          lambda x, y, f=func: f([x, y]), [x, y], gap=LIST_GAP, names=also))
    return cases


_METHOD_ARGS = {"take": ([2, 0],), "repeat": (2,), "reshape": (4, 3), "transpose": (1, 0),
                "swapaxes": (0, 1), "astype": ("float32",), "dot": (np.ones((4, 2)),),
                "clip": (0.3, 0.6), "choose": None, "compress": ([True, False, True],),
                "searchsorted": None, "round": (1,), "trace": (), "diagonal": (1,),
                "view": ("float64",), "getfield": (np.float64,), "item": (1,)}


def methods_cases():
    """Every public ndarray method a TapeArray inherits (and the properties that make
    views), with no argument, axis=0, and a table's arguments."""
    x = _draw((3, 4), 61)
    cases = []
    for name in sorted(dir(np.ndarray)):
        if name.startswith("_") or name in ("tofile", "dump", "dumps", "setflags"):
            continue
        attribute = getattr(np.ndarray, name)
        full = f"ndarray.{name}"
        if not callable(attribute):
            cases.append(Case("methods", full, f".{name}", lambda x, n=name: getattr(x, n),
                              [x], names=(name,),
                              gap=DETACH_GAP if name in DETACHING else ""))
            continue
        variants = [(), ] if _METHOD_ARGS.get(name, ()) is None else [
            (), _METHOD_ARGS.get(name, ())]
        for args in variants:
            wide = tuple("float64" if isinstance(a, str) and a == "float32" else a
                         for a in args)
            cases.append(Case("methods", full, f".{name}{args}",
                              lambda x, n=name, a=args: getattr(x, n)(*a), [x],
                              lambda x, n=name, a=wide: getattr(x, n)(*a), names=(name,),
                              gap=DETACH_GAP if name in DETACHING else ""))
        cases.append(Case("methods", full, f".{name}(axis=0)",
                          lambda x, n=name: getattr(x, n)(axis=0), [x], names=(name,)))
    return cases


FAMILIES = {"numpy": numpy_cases, "numpy_all": numpy_all_cases, "methods": methods_cases,
            "indexing": indexing_cases, "ufunc": ufunc_cases, "inplace": inplace_cases,
            "ops": ops_cases}


def cases(families=tuple(FAMILIES)):
    return [c for family in families for c in FAMILIES[family]()]


def sample(all_cases, count, seed=0):
    """A seeded sample of `count` cases, every family represented in proportion."""
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(all_cases), min(count, len(all_cases)), replace=False)
    return [all_cases[i] for i in sorted(picked)]


def main(argv):
    import argparse
    import collections
    parser = argparse.ArgumentParser(prog="python -m tests.tape_audit",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES))
    parser.add_argument("--show", default="bad", choices=["bad", "refused", "all"])
    args = parser.parse_args(argv)
    counts = collections.Counter()
    show = {"bad": {"WRONG", "crash", "unnamed"},
            "refused": {"WRONG", "crash", "unnamed", "refused"}}.get(args.show)
    functions = set()
    for case in cases(tuple(args.family or FAMILIES)):
        verdict, detail = audit(case)
        counts[(case.family, verdict)] += 1
        functions.add((case.family, case.name))
        if show is None or verdict in show:
            print(f"{verdict:8} {case}: {detail}")
    for family in sorted({f for f, _ in counts}):
        row = {v: n for (f, v), n in counts.items() if f == family}
        names = sum(1 for f, _ in functions if f == family)
        print(f"{family}: {sum(row.values())} calls of {names} functions: {row}")
    return 1 if any(v in ("WRONG",) for _, v in counts) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
