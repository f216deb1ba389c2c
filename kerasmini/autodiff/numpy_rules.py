"""Gradient rules for the NumPy operations a TapeArray meets, and how they are recorded.

A rule is `rule(g, out, *inputs, **kwargs) -> one gradient per input`, where `g` is the
gradient of the output `out`. Gradients of broadcast inputs are summed back to the
input's shape by `apply_ufunc`, so the ufunc rules are written for same-shape inputs.
Conventions at kinks follow TensorFlow's: maximum(x, y) sends the gradient to x where
x >= y, minimum where x <= y, abs has derivative sign(x) (0 at 0), clip passes it where
lo <= x <= hi, and max/min reductions split it equally between tied elements.
"""
import numpy as np

from kerasmini.autodiff import tape
from kerasmini.autodiff.einsum_rule import einsum_rule
from kerasmini.autodiff.errors import NoGradientError
from kerasmini.autodiff.traced import TapeArray, plain, taint, tainted


def _swap(a):
    return np.swapaxes(a, -1, -2)


def _matmul_rule(g, out, a, b):
    """a @ b; a 1-D operand is a row (left) or a column (right), as matmul treats it."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    # g with the promoted operands' row/column axes back (a 0-d g for vector @ vector)
    batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    g2 = np.reshape(g, batch + (a2.shape[-2], b2.shape[-1]))
    da, db = g2 @ _swap(b2), _swap(a2) @ g2
    return (da[..., 0, :] if a.ndim == 1 else da), (db[..., 0] if b.ndim == 1 else db)


def _maximum_rule(g, out, x, y):
    x_wins = x >= y
    return g * x_wins, g * ~x_wins


def _minimum_rule(g, out, x, y):
    x_wins = x <= y
    return g * x_wins, g * ~x_wins


def _power_rule(g, out, base, exponent):
    with np.errstate(divide="ignore", invalid="ignore"):
        d_base = g * exponent * np.power(base, exponent - 1)
        d_exponent = g * out * np.log(np.where(base > 0, base, 1))
    return d_base, d_exponent


def _clip_rule(g, out, x, lo, hi):
    inside = np.ones(np.shape(x), bool)
    if lo is not None:
        inside &= x >= lo
    if hi is not None:
        inside &= x <= hi
    return g * inside, None, None


UFUNC_RULES = {
    "add": lambda g, out, x, y: (g, g),
    "subtract": lambda g, out, x, y: (g, -g),
    "multiply": lambda g, out, x, y: (g * y, g * x),
    "divide": lambda g, out, x, y: (g / y, -g * out / y),
    "negative": lambda g, out, x: (-g,),
    "positive": lambda g, out, x: (g,),
    "square": lambda g, out, x: (2 * x * g,),
    "sqrt": lambda g, out, x: (g / (2 * out),),
    "reciprocal": lambda g, out, x: (-g * out * out,),
    "absolute": lambda g, out, x: (g * np.sign(x),),
    "exp": lambda g, out, x: (g * out,),
    "expm1": lambda g, out, x: (g * (out + 1),),
    "log": lambda g, out, x: (g / x,),
    "log1p": lambda g, out, x: (g / (1 + x),),
    "log2": lambda g, out, x: (g / (x * np.log(2)),),
    "log10": lambda g, out, x: (g / (x * np.log(10)),),
    "tanh": lambda g, out, x: (g * (1 - out * out),),
    "sin": lambda g, out, x: (g * np.cos(x),),
    "cos": lambda g, out, x: (-g * np.sin(x),),
    "tan": lambda g, out, x: (g * (1 + out * out),),
    "arcsin": lambda g, out, x: (g / np.sqrt(1 - x * x),),
    "arccos": lambda g, out, x: (-g / np.sqrt(1 - x * x),),
    "arctan": lambda g, out, x: (g / (1 + x * x),),
    "sinh": lambda g, out, x: (g * np.cosh(x),),
    "cosh": lambda g, out, x: (g * np.sinh(x),),
    "arcsinh": lambda g, out, x: (g / np.sqrt(x * x + 1),),
    "arccosh": lambda g, out, x: (g / np.sqrt(x * x - 1),),
    "arctanh": lambda g, out, x: (g / (1 - x * x),),
    "exp2": lambda g, out, x: (g * out * np.log(2),),
    "cbrt": lambda g, out, x: (g / (3 * out * out),),
    "deg2rad": lambda g, out, x: (g * (np.pi / 180),),
    "rad2deg": lambda g, out, x: (g * (180 / np.pi),),
    "arctan2": lambda g, out, y, x: (g * x / (x * x + y * y), -g * y / (x * x + y * y)),
    "hypot": lambda g, out, x, y: (g * x / out, g * y / out),
    "remainder": lambda g, out, x, y: (g, -g * np.floor_divide(x, y)),
    "logaddexp": lambda g, out, x, y: (g * np.exp(x - out), g * np.exp(y - out)),
    "maximum": _maximum_rule,
    "minimum": _minimum_rule,
    "power": _power_rule,
    "matmul": _matmul_rule,
    "clip": _clip_rule,
}
UFUNC_RULES["true_divide"] = UFUNC_RULES["divide"]
UFUNC_RULES["fabs"] = UFUNC_RULES["absolute"]

# Piecewise constant: the derivative is 0 wherever it exists, so the result is a constant.
CONSTANT_UFUNCS = {
    "sign", "floor", "ceil", "rint", "trunc", "greater", "greater_equal", "less",
    "less_equal", "equal", "not_equal", "logical_and", "logical_or", "logical_not",
    "logical_xor", "isnan", "isinf", "isfinite", "signbit", "floor_divide", "bitwise_and",
    "bitwise_or", "invert",
}


def _reduced_axes(ndim, axis):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def _expand_reduced(g, x, axis, keepdims):
    """A reduction's output gradient reshaped to broadcast against its input."""
    if keepdims or np.ndim(x) == 0:
        return g
    return np.expand_dims(g, _reduced_axes(np.ndim(x), axis))


def _sum_rule(g, out, x, axis=None, dtype=None, keepdims=False, **_):
    return (np.broadcast_to(_expand_reduced(g, x, axis, keepdims), np.shape(x)),)


def _extremum_rule(g, out, x, axis=None, keepdims=False, **_):
    """Ties share the gradient equally, as TensorFlow's reduce_max/reduce_min."""
    expanded = _expand_reduced(np.asarray(out), x, axis, keepdims)
    hits = x == expanded
    counts = hits.sum(axis=_reduced_axes(np.ndim(x), axis), keepdims=True)
    return (hits * (_expand_reduced(g, x, axis, keepdims) / counts),)


REDUCE_RULES = {"add": _sum_rule, "maximum": _extremum_rule, "minimum": _extremum_rule}


def unbroadcast(grad, shape):
    """Sum `grad` over the axes broadcasting added to or stretched in `shape`.

    A bias's gradient sums batch * height * width values per channel along
    non-contiguous axes, where NumPy adds row after row: in float32 that error grows with
    the count (4e-6 relative on a conv bias at batch 32, TF 1e-6), so the sum accumulates
    in float64 and returns in grad's dtype."""
    grad = np.asanyarray(grad)  # a recorded gradient stays traced
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    stretched = tuple(extra + i for i, n in enumerate(shape)
                      if n == 1 and grad.shape[extra + i] != 1)
    wide = np.float64 if grad.dtype.kind == "f" else None
    summed = grad.sum(axis=tuple(range(extra)) + stretched, dtype=wide, keepdims=True)
    return summed.astype(grad.dtype, copy=False).reshape(shape)


def _fit(grads, inputs):
    """Each gradient summed to its input's shape and cast to its input's float dtype."""
    fitted = []
    for grad, x in zip(grads, inputs):
        if grad is None or not _differentiable(x):
            fitted.append(None)
            continue
        grad = unbroadcast(grad, np.shape(x))
        fitted.append(grad.astype(np.asarray(x).dtype, copy=False))
    return fitted


def _differentiable(x):
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def _touches_tape(values):
    return any(isinstance(v, TapeArray) and (tape.is_live(v) or tainted(v)) for v in values)


def apply_ufunc(ufunc, method, inputs, kwargs):
    """A ufunc call on TapeArrays: plain NumPy, recorded when it touches the tape."""
    out = kwargs.pop("out", None)
    plain_inputs = [plain(x) for x in inputs]
    if not (tape.is_recording() and _touches_tape(inputs)):
        if out is not None:
            kwargs["out"] = tuple(plain(o) for o in out)
        result = getattr(ufunc, method)(*plain_inputs, **kwargs)
        return out[0] if out is not None and len(out) == 1 else result
    if kwargs.get("where", True) is True:
        kwargs.pop("where", None)  # the default, as ndarray.sum passes it
    if kwargs.get("initial", np._NoValue) is np._NoValue:
        kwargs.pop("initial", None)
    name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
    result = _recorded_ufunc(ufunc, method, inputs, plain_inputs, kwargs, name)
    if out is not None:
        _overwritten(out, name)
    return result


def _recorded_ufunc(ufunc, method, inputs, plain_inputs, kwargs, name):
    result = getattr(ufunc, method)(*plain_inputs, **kwargs)
    if method == "__call__" and ufunc.__name__ in CONSTANT_UFUNCS:
        return result
    if method == "__call__":
        rule = UFUNC_RULES.get(ufunc.__name__)
    else:
        rule = REDUCE_RULES.get(ufunc.__name__) if method == "reduce" else None
    if rule is None or set(kwargs) - {"axis", "keepdims", "dtype", "casting", "subok"}:
        return taint(result, f"numpy.{name}")
    result = np.asarray(result)
    options = kwargs if method == "reduce" else {}  # axis, keepdims for reductions
    vjp = lambda g: _fit(rule(g, result, *plain_inputs, **options), plain_inputs)
    # every ufunc and reduction rule is written with recordable NumPy (see the docstring)
    vjp.recorded = lambda g, out, traced: _fit(rule(g, out, *traced, **options),
                                               plain_inputs)
    return tape.record(result, inputs, vjp, name)


def _overwritten(out, name):
    """An in-place ufunc (`out=`, `+=`) while recording. The result is recorded as a new
    array and returned (`y += b` rebinds y to it; `np.maximum(y, 0, out=y)` returns it);
    the array named in `out` keeps its recorded value (earlier gradient rules may need
    it) and is marked, so that a later use of it raises instead of using a stale value."""
    for target in out:
        if not isinstance(target, TapeArray):
            raise NoGradientError(
                f"numpy.{name}(..., out=...) writes a value computed from recorded "
                "arrays into a plain array, which GradientTape cannot follow; use the "
                "returned array instead of out=.")
        # the tapes know its recorded value from now on by a view of it, which a
        # gradient's recorded backward (second order) uses in its place
        keeper = plain(target).view(TapeArray)
        for active in tape._recording:
            node = active._nodes.pop(id(target), None)
            if node is not None:
                keeper._recorded = True
                active._register(keeper, node)
        target._recorded_value = keeper
        target._taint = (f"numpy.{name}(out=...) in place: the array passed as `out` "
                         "keeps its old value while recording; use the returned array")


# ----- array functions ---------------------------------------------------------------
def _pad_rule(g, out, x, pad_width, mode="constant", **kwargs):
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.intp), (x.ndim, 2))
    index = tuple(slice(before, g.shape[i] - after) for i, (before, after) in enumerate(widths))
    return (g[index],)


def _repeat_rule(g, out, x, repeats, axis=None):
    """Each input element's gradient is the sum of its copies' gradients."""
    x_shape = np.shape(x)
    if axis is None:  # np.repeat flattens first
        x_shape, axis = (int(np.size(x)),), 0
    axis = axis % len(x_shape)
    if np.ndim(repeats) == 0:  # copies side by side: sum over a new axis of `repeats`
        split = (*x_shape[:axis + 1], int(repeats), *x_shape[axis + 1:])
        return (g.reshape(split).sum(axis=axis + 1).reshape(np.shape(x)),)
    source = np.repeat(np.arange(x_shape[axis]), repeats)  # the element each copy is of
    grad = np.zeros((x_shape[axis], *np.delete(g.shape, axis)), g.dtype)
    np.add.at(grad, source, np.moveaxis(g, axis, 0))
    return (np.moveaxis(grad, 0, axis).reshape(np.shape(x)),)


def _concatenate_rule(g, out, arrays, axis=0, **_):
    """Each input's gradient is its slice of g (slicing: recordable for second order)."""
    if axis is None:  # the inputs were flattened, then joined
        g, axis, widths = np.reshape(g, -1), 0, [np.size(a) for a in arrays]
    else:
        axis = axis % np.ndim(g)
        widths = [np.shape(a)[axis] for a in arrays]
    lead, ends = (slice(None),) * axis, np.cumsum(widths)
    return [np.reshape(g[lead + (slice(end - width, end),)], np.shape(a))
            for end, width, a in zip(ends, widths, arrays)]


def _stack_rule(g, out, arrays, axis=0, **_):
    lead = (slice(None),) * (axis % np.ndim(g))
    return [g[lead + (i,)] for i in range(len(arrays))]


def _where_rule(g, out, condition, x, y):
    condition = np.asarray(condition, bool)
    return None, np.where(condition, g, 0), np.where(condition, 0, g)


def _mean_rule(g, out, x, axis=None, dtype=None, keepdims=False, **_):
    count = np.size(x) // max(np.size(out), 1)
    return (np.broadcast_to(_expand_reduced(g, x, axis, keepdims) / count, np.shape(x)),)


def _var_rule(g, out, x, axis=None, dtype=None, ddof=0, keepdims=False, **_):
    count = np.size(x) // max(np.size(out), 1)
    centered = x - np.mean(x, axis=axis, keepdims=True)
    return (_expand_reduced(g, x, axis, keepdims) * 2 * centered / (count - ddof),)


def _transpose_rule(g, out, x, axes=None):
    if axes is None:
        return (np.transpose(g),)
    return (np.transpose(g, np.argsort([a % x.ndim for a in axes])),)


def _moveaxis_rule(g, out, x, source, destination):
    return (np.moveaxis(g, destination, source),)


def _diag_rule(g, out, x, k=0):
    """np.diag reads a diagonal of a 2-D x (its gradient fills that diagonal) or builds
    a matrix from a 1-D x (its gradient is that diagonal of g)."""
    if x.ndim == 1:
        return (np.diagonal(g, k),)
    grad = np.zeros(x.shape, g.dtype)
    index = np.arange(g.shape[0])
    grad[index + max(-k, 0), index + max(k, 0)] = g
    return (grad,)


def _lanes(x, axis):
    """x with `axis` moved last (the flattened x for None), and how to move it back."""
    if axis is None:
        return np.reshape(x, (-1,)), lambda y: np.reshape(y, np.shape(x))
    return np.moveaxis(x, axis, -1), lambda y: np.moveaxis(y, -1, axis)


def _reverse_cumsum(g):
    return np.flip(np.cumsum(np.flip(g, -1), -1), -1)


def _cumsum_rule(g, out, x, axis=None, dtype=None, **_):
    """Each element counts in every running sum from its place on."""
    lanes, back = _lanes(g, axis)
    return (back(_reverse_cumsum(lanes)),)


def _cumprod_rule(g, out, x, axis=None, dtype=None, **_):
    """TensorFlow's rule: sum over later places of g * out, divided by x (so not
    finite where x is exactly 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        summed, back = _lanes(g * out, axis)
        lanes, _ = _lanes(x, axis)
        return (back(_reverse_cumsum(summed) / lanes),)


def _prod_rule(g, out, x, axis=None, dtype=None, keepdims=False, **_):
    """d prod / d x_i is the product of the others: the running product before i times
    the running product after i along the reduced elements (exact where x has zeros)."""
    axes = _reduced_axes(np.ndim(x), axis)
    kept = [i for i in range(np.ndim(x)) if i not in axes]
    moved = np.transpose(x, kept + list(axes))
    lanes = moved.reshape(moved.shape[:len(kept)] + (-1,))
    ones = np.ones(lanes.shape[:-1] + (1,), lanes.dtype)
    before = np.cumprod(np.concatenate([ones, lanes[..., :-1]], -1), -1)
    after = np.flip(np.cumprod(np.concatenate([ones, np.flip(lanes, -1)[..., :-1]], -1),
                               -1), -1)
    others = np.transpose((before * after).reshape(moved.shape),
                          np.argsort(kept + list(axes)))
    return (_expand_reduced(g, x, axis, keepdims) * others,)


def _nan_to_num_rule(g, out, x, *args, **kwargs):
    """The replaced elements are constants; the others pass their gradient."""
    return (np.where(np.isfinite(x), g, 0),)


def _same_shape(g, out, x, *args, **kwargs):
    return (np.reshape(g, np.shape(x)),)


def _reading_order(func):
    """The rule of np.reshape / np.ravel: the C-order gradient is g reshaped; another
    order ('F', 'A', 'K') reads x's elements in another sequence, so the gradient goes
    back by the positions the same call gives an index array laid out like x."""
    order_at = 1 if func is np.reshape else 0  # order's place after x in the call

    def rule(g, out, x, *args, **kwargs):
        order = kwargs.get("order", args[order_at] if len(args) > order_at else "C")
        if order == "C":
            return _same_shape(g, out, x)
        index = np.empty_like(np.asarray(x), dtype=np.intp)  # x's memory layout
        index[...] = np.arange(index.size).reshape(index.shape)
        grad = np.zeros(index.size, g.dtype)
        grad[np.ravel(func(index, *args, **kwargs))] = np.ravel(g)
        return (grad.reshape(np.shape(x)),)
    return rule


def _take_along_axis_rule(g, out, x, indices, axis=-1):
    """Each picked element gets its output's gradient (added where picks repeat): a
    scatter, recorded on a traced g (its rule is the gather), so differentiable again."""
    if axis is None:
        return np.reshape(scatter(g, (np.size(x),), indices), np.shape(x)), None
    return scatter_along_axis(g, np.shape(x), indices, axis), None


def scatter_along_axis(g, shape, indices, axis):
    """zeros(shape) with each g element added at position indices[...] along `axis`
    (the others its own): the transpose of np.take_along_axis, recorded as `scatter`."""
    index = list(np.indices(np.shape(g), sparse=True))
    index[axis % len(shape)] = np.broadcast_to(indices, np.shape(g))
    return scatter(g, shape, tuple(index))


# func -> (which positional arguments are inputs: a count, "sequence" (the first
# argument's items) or "after_first"; rule)
FUNCTION_RULES = {
    np.reshape: (1, _reading_order(np.reshape)),
    np.ravel: (1, _reading_order(np.ravel)),
    np.expand_dims: (1, _same_shape),
    np.squeeze: (1, _same_shape),
    np.copy: (1, _same_shape),
    np.broadcast_to: (1, lambda g, out, x, shape, **_: (unbroadcast(g, np.shape(x)),)),
    np.transpose: (1, _transpose_rule),
    np.swapaxes: (1, lambda g, out, x, a, b: (np.swapaxes(g, a, b),)),
    np.moveaxis: (1, _moveaxis_rule),
    np.pad: (1, _pad_rule),
    np.repeat: (1, _repeat_rule),
    np.sum: (1, _sum_rule),
    np.mean: (1, _mean_rule),
    np.var: (1, _var_rule),
    np.max: (1, _extremum_rule),
    np.min: (1, _extremum_rule),
    np.clip: (3, _clip_rule),
    np.where: (3, _where_rule),
    np.concatenate: ("sequence", _concatenate_rule),
    np.stack: ("sequence", _stack_rule),
    np.matmul: (2, _matmul_rule),
    np.take_along_axis: (2, _take_along_axis_rule),
    np.diag: (1, _diag_rule),
    np.cumsum: (1, _cumsum_rule),
    np.cumprod: (1, _cumprod_rule),
    np.prod: (1, _prod_rule),
    np.nan_to_num: (1, _nan_to_num_rule),
    np.einsum: ("after_first", einsum_rule),
}
FUNCTION_RULES[np.amax] = FUNCTION_RULES[np.max]
FUNCTION_RULES[np.amin] = FUNCTION_RULES[np.min]

# The rules above written with recordable NumPy only (no in-place writes, np.add.at or
# functions without rules): in a gradient taken inside an outer tape they run on the
# traced values, so their gradients are differentiable again. The others (np.add.at
# scatters, np.flip) mark their gradients as not differentiable there.
RECORDABLE_FUNCTIONS = set(FUNCTION_RULES) - {
    np.repeat, np.diag, np.cumsum, np.cumprod, np.prod}
# np.repeat's rule is recordable when every element has the same number of copies (a
# reshape and a sum: UpSampling's nearest neighbours), not for per-element repeats
RECORDABLE_WHEN = {np.repeat: lambda x, repeats, *args, **kwargs: np.ndim(repeats) == 0}

# Functions whose result does not depend smoothly on the values: shapes, indices, tests.
CONSTANT_FUNCTIONS = {
    np.shape, np.ndim, np.size, np.argmax, np.argmin, np.argsort, np.sign, np.isnan,
    np.isfinite, np.isinf, np.allclose, np.array_equal, np.result_type, np.zeros_like,
    np.ones_like, np.empty_like, np.count_nonzero, np.any, np.all, np.may_share_memory,
    np.shares_memory, np.iscomplexobj, np.isrealobj, np.round,
}


def _plain_args(args):
    return [type(a)(plain(x) for x in a) if isinstance(a, (list, tuple)) else plain(a)
            for a in args]


def apply_function(func, args, kwargs):
    """An np.* function called on TapeArrays: recorded if it has a rule, else tainted."""
    plain_args = _plain_args(args)
    plain_kwargs = {key: plain(value) for key, value in kwargs.items()}
    result = func(*plain_args, **plain_kwargs)
    touched = [a for arg in args
               for a in (arg if isinstance(arg, (list, tuple)) else [arg])]
    touched += list(kwargs.values())
    if not (tape.is_recording() and _touches_tape(touched)) or func in CONSTANT_FUNCTIONS:
        return result
    spec = FUNCTION_RULES.get(func)
    name = f"numpy.{func.__name__}"
    if spec is None:
        return taint(result, name)
    count, rule = spec
    if count == "after_first":  # einsum(subscripts, *operands)
        inputs, plain_inputs = list(args[1:]), plain_args[1:]
        call = lambda g, out, xs: rule(g, out, plain_args[0], *xs, **plain_kwargs)
    elif count == "sequence":
        inputs, plain_inputs = list(args[0]), list(plain_args[0])
        call = lambda g, out, xs: rule(g, out, xs, *plain_args[1:], **plain_kwargs)
    else:
        inputs, plain_inputs = list(args[:count]), plain_args[:count]
        call = lambda g, out, xs: rule(g, out, *xs, *plain_args[count:], **plain_kwargs)
    result = np.asarray(result)
    vjp = lambda g: _fit(call(g, result, plain_inputs), plain_inputs)
    if func in RECORDABLE_FUNCTIONS or RECORDABLE_WHEN.get(func, _never)(*args, **kwargs):
        vjp.recorded = lambda g, out, traced: _fit(call(g, out, traced), plain_inputs)
    return tape.record(result, inputs, vjp, name)


def _never(*args, **kwargs):
    return False


def getitem(x, index):
    """x[index] recorded: the gradient scatters back (adding where indices repeat)."""
    source = plain(x)
    plain_index = tuple(plain(i) for i in index) if isinstance(index, tuple) else plain(index)
    result = np.asarray(source[plain_index])
    vjp = lambda g: (scatter(g, source.shape, plain_index),)
    vjp.recorded = lambda g, out, traced: vjp(g)  # on a traced g, scatter records
    if result.base is not None:  # a view: give the tape its own array
        result = result.copy()
    return tape.record(result, (x,), vjp, "getitem")


def scatter(g, shape, index):
    """zeros(shape) with g put at `index` (added where indices repeat): the transpose of
    x[index]. Recorded when g is, with x[index] as its rule: the two linear maps are each
    other's gradients, so indexing differentiates to any order."""
    plain_g = plain(g)
    grad = np.zeros(shape, plain_g.dtype)
    if _is_basic(index):
        grad[index] = plain_g  # a view of distinct elements
    else:
        np.add.at(grad, index, plain_g)  # repeated indices add up
    vjp = lambda gg: (gg[index],)  # a traced gg records its getitem
    vjp.recorded = lambda g, out, traced: vjp(g)
    return tape.record(grad, (g,), vjp, "scatter")


def _is_basic(index):
    """Slices, integers, None and Ellipsis only: each element is picked at most once."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer))
               for p in parts)


def cast(x, dtype, copy=True):
    """x.astype(dtype) recorded; the gradient is cast back to x's dtype."""
    source = plain(x)
    result = source.astype(dtype, copy=copy)
    if result is source:
        return x
    if np.dtype(dtype).kind != "f":
        return result
    vjp = lambda g: (g.astype(source.dtype),)
    vjp.recorded = lambda g, out, traced: vjp(g)
    return tape.record(result, (x,), vjp, "cast")
