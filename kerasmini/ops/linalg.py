"""keras.ops.linalg: NumPy's LAPACK routines over the last two axes, with gradients.

The rules (matrix calculus; A^-T is the inverse's transpose, sym(M) = (M + M^T) / 2):
    inv:      dA = -A^-T g A^-T
    solve:    x = A^-1 b; db = A^-T g, dA = -db x^T
    det:      dA = g det(A) A^-T;  slogdet's log|det|: dA = g A^-T
    cholesky: A = L L^T; dA = sym(L^-T Phi(L^T g) L^-1), Phi keeping the lower
              triangle with its diagonal halved (TensorFlow's rule)
    eigh:     A = V diag(w) V^T, read from A's lower triangle as LAPACK does;
              dA = V (diag(gw) + F * (V^T gV)) V^T, F_ij = 1 / (w_j - w_i) off the
              diagonal, then folded onto the lower triangle (TensorFlow's rule)
qr, svd and eig record no rule: a gradient reaching them is a NoGradientError, never a
zero. A factorization with two outputs is recorded as two operations, each rule taking
the other output's gradient as zero (the rules are linear, so the sum is exact).
"""
import numpy as np

from kerasmini.autodiff import record
from kerasmini.autodiff.traced import plain
from kerasmini.ops import elementwise as el
from kerasmini.ops import arrays, reductions
from kerasmini.ops.arguments import floating, promoted
from kerasmini.ops.symbolic import LINALG, keras_operation


def _swap(a):
    return np.swapaxes(a, -1, -2)


def _square(x, name):
    x = floating(x)
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"`{name}` takes square matrices in its last two axes. "
                         f"Received: x.shape={x.shape}")
    return x


def _recordable(rule, out):
    """`rule(g, out)` as a tape rule on the forward's `out`, and, for a gradient taken
    inside an outer tape, on the traced one (rule written with recorded operations)."""
    vjp = lambda g: rule(g, out)
    vjp.recorded = lambda g, traced_out, traced: rule(g, traced_out)
    return vjp


@keras_operation("Inv", module=LINALG)
def inv(x):
    x = _square(x, "inv")
    y = np.linalg.inv(plain(x))
    return record(y, (x,), _recordable(lambda g, y: (-_swap(y) @ g @ _swap(y),), y), "inv")


@keras_operation("Solve", module=LINALG)
def solve(a, b):
    """x with a @ x = b (b a matrix, or a vector per matrix of a)."""
    a, b = promoted(a, b)
    _square(a, "solve")
    vector = b.ndim == a.ndim - 1
    b2 = plain(b)[..., None] if vector else plain(b)
    x = np.linalg.solve(plain(a), b2)

    def vjp(g):
        g2 = g[..., None] if vector else g
        db = np.linalg.solve(_swap(plain(a)), g2)
        da = -db @ _swap(x)
        return da, (db[..., 0] if vector else db)

    def recorded(g, out, traced):  # the same on the traced values, solve recorded
        g2, x2 = (g[..., None], out[..., None]) if vector else (g, out)
        db = solve(_swap(traced[0]), g2)
        return -db @ _swap(x2), (db[..., 0] if vector else db)
    vjp.recorded = recorded
    return record(x[..., 0] if vector else x, (a, b), vjp, "solve")


@keras_operation("Det", module=LINALG)
def det(x):
    x = _square(x, "det")
    d = np.linalg.det(plain(x))
    vjp = lambda g: ((g * d)[..., None, None] * _swap(np.linalg.inv(plain(x))),)
    vjp.recorded = lambda g, out, traced: ((g * out)[..., None, None] * _swap(
        inv(traced[0])),)
    return record(d, (x,), vjp, "det")


@keras_operation("Slogdet")
def slogdet(x):
    """(sign, log|det|); the sign is a constant."""
    x = _square(x, "slogdet")
    sign, logdet = np.linalg.slogdet(plain(x))
    vjp = lambda g: (g[..., None, None] * _swap(np.linalg.inv(plain(x))),)
    vjp.recorded = lambda g, out, traced: (g[..., None, None] * _swap(inv(traced[0])),)
    return sign, record(logdet, (x,), vjp, "slogdet")


@keras_operation("Cholesky", config=("upper",), module=LINALG)
def cholesky(x, upper=False):
    """The lower factor L of x = L L^T (its transpose for upper=True)."""
    x = _square(x, "cholesky")
    try:
        low = np.linalg.cholesky(plain(x))
    except np.linalg.LinAlgError as error:
        raise ValueError(f"Cholesky decomposition failed: the input is not positive "
                         f"definite ({error}).") from None

    def vjp(g):
        g = _swap(g) if upper else g
        low_inv = np.linalg.inv(low)
        middle = np.tril(_swap(low) @ g)
        middle -= 0.5 * np.tril(np.triu(middle))  # the diagonal halved
        grad = _swap(low_inv) @ middle @ low_inv
        return (0.5 * (grad + _swap(grad)),)
    return record(_swap(low) if upper else low, (x,), vjp, "cholesky")


@keras_operation("Eigh", module=LINALG)
def eigh(x):
    """(eigenvalues ascending, eigenvectors in columns) of symmetric matrices, read
    from the lower triangle."""
    x = _square(x, "eigh")
    w, v = np.linalg.eigh(plain(x))

    def rule(gw, gv):
        gap = w[..., None, :] - w[..., :, None]
        with np.errstate(divide="ignore"):
            f = np.where(gap == 0, 0, 1 / np.where(gap == 0, 1, gap))
        inner = f * (_swap(v) @ gv)
        inner += np.eye(w.shape[-1]) * gw[..., None, :]
        grad = v @ inner @ _swap(v)
        folded = np.tril(grad + _swap(grad))
        return (folded - 0.5 * np.tril(np.triu(folded)),)
    return (record(w, (x,), lambda g: rule(g, np.zeros_like(v)), "eigh"),
            record(v, (x,), lambda g: rule(np.zeros_like(w), g), "eigh"))


def _no_rule(values, x, name):
    return tuple(record(v, (x,), None, name) for v in values)


@keras_operation("Qr", config=("mode",), module=LINALG)
def qr(x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError(f"`mode` argument value not supported. Expected one of "
                         f"{{'reduced', 'complete'}}. Received: mode={mode}")
    x = floating(x)
    return _no_rule(np.linalg.qr(plain(x), mode=mode), x, "qr")


@keras_operation("SVD", config=("full_matrices", "compute_uv"), module=LINALG)
def svd(x, full_matrices=True, compute_uv=True):
    x = floating(x)
    found = np.linalg.svd(plain(x), full_matrices=full_matrices, compute_uv=compute_uv)
    return _no_rule(found, x, "svd") if compute_uv else _no_rule([found], x, "svd")[0]


@keras_operation("Eig", module=LINALG)
def eig(x):
    x = _square(x, "eig")
    return _no_rule(np.linalg.eig(plain(x)), x, "eig")


@keras_operation("Norm", config=("ord", "axis", "keepdims"), module=LINALG)
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 (Keras's name)
    """Vector norms (ord None/2, 1, inf, -inf, 0, any p) over one axis or all of x;
    matrix norms ('fro', 1, -1, inf, -inf) over two axes, composed of recorded sums
    and maxima. The spectral and nuclear norms use an SVD: no gradient."""
    x = floating(x)
    axes = tuple(range(x.ndim)) if axis is None and (ord is None or x.ndim == 1) else axis
    axes = axes if isinstance(axes, (tuple, list)) else (axes,) if axes is not None else \
        tuple(range(x.ndim))
    if ord is None and len(axes) > 0 or ord == "fro" and len(axes) == 2:
        return el.sqrt(reductions.sum(x * x, axis=tuple(axes), keepdims=keepdims))
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) != 2:
        raise ValueError(f"Invalid axis for a norm: {axis}")
    return _matrix_norm(x, ord, axes, keepdims)


def _vector_norm(x, order, axis, keepdims):
    size = np.abs(x)
    if order == np.inf:
        return reductions.max(size, axis=axis, keepdims=keepdims)
    if order == -np.inf:
        return reductions.min(size, axis=axis, keepdims=keepdims)
    if order == 0:
        return np.sum(x != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
    if isinstance(order, str):
        raise ValueError(f"Invalid `ord` argument for vector norm. Received: ord={order}")
    total = reductions.sum(size ** order, axis=axis, keepdims=keepdims)
    return total ** (1.0 / order)


def _matrix_norm(x, order, axes, keepdims):
    rows, cols = (a % x.ndim for a in axes)
    if order in (1, -1, np.inf, -np.inf):
        summed, across = (rows, cols) if order in (1, -1) else (cols, rows)
        sums = reductions.sum(np.abs(x), axis=summed, keepdims=True)
        pick = reductions.max if order > 0 else reductions.min
        found = pick(sums, axis=across, keepdims=True)
    elif order in ("nuc", 2, -2):
        found = _no_rule([np.linalg.norm(plain(x), order, (rows, cols), keepdims=True)],
                         x, "norm")[0]
    else:
        raise ValueError(f"Invalid `ord` argument for matrix norm. Received: ord={order}")
    return found if keepdims else np.squeeze(found, (rows, cols))


@keras_operation("SolveTriangular", config=("lower",), module=LINALG)
def solve_triangular(a, b, lower=False):
    """x with a @ x = b, reading only a's lower (or upper) triangle: solve of that
    triangle, so a's gradient stays on it."""
    a, b = promoted(a, b)
    return solve(arrays.tril(a) if lower else arrays.triu(a), b)


@keras_operation("CholeskyInverse", config=("upper",), module=LINALG)
def cholesky_inverse(x, upper=False):
    """The inverse of L L^T (U^T U for upper=True) from its Cholesky factor."""
    x = _square(x, "cholesky_inverse")
    inverse = solve_triangular(x, np.eye(x.shape[-1], dtype=x.dtype), lower=not upper)
    return (inverse @ _swap(inverse)) if upper else (_swap(inverse) @ inverse)


def _pseudo_inverse(x, cutoff):
    """A+ from the SVD, singular values below cutoff * the largest dropped; its rule
    (Golub and Pereyra, for a constant rank):
        dA = -A+^T g A+^T + (I - A A+) g^T A+ A+^T + A+^T A+ g^T (I - A+ A)"""
    a = plain(x)
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    kept = s > cutoff * s[..., :1]
    s_inv = np.where(kept, 1 / np.where(kept, s, 1), 0)
    p = _swap(vt) @ (s_inv[..., :, None] * _swap(u))

    def vjp(g):
        p_t, g_t = _swap(p), _swap(g)
        left = np.eye(a.shape[-2]) - a @ p
        right = np.eye(a.shape[-1]) - p @ a
        return (-p_t @ g @ p_t + left @ g_t @ p @ p_t + p_t @ p @ g_t @ right,)
    return record(p, (x,), vjp, "pinv")


@keras_operation("Pinv", config=("rcond",), module=LINALG)
def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse; singular values below rcond (default
    10 max(m, n) eps, TensorFlow's) times the largest count as zero."""
    x = floating(x)
    if rcond is None:
        rcond = 10 * max(x.shape[-2:]) * np.finfo(x.dtype).eps
    return _pseudo_inverse(x, rcond)


@keras_operation("Lstsq", config=("rcond",), module=LINALG)
def lstsq(a, b, rcond=None):
    """The least-squares solution x of a @ x = b (a 2-D, b 1-D or 2-D): pinv(a) @ b
    with singular values below rcond (default max(m, n) eps) times the largest
    dropped."""
    a, b = promoted(a, b)
    if a.ndim != 2:
        raise TypeError(f"{a.ndim}-dimensional array given. Array must be "
                        "two-dimensional")
    if b.ndim not in (1, 2):
        raise TypeError(f"{b.ndim}-dimensional array given. Array must be one or "
                        "two-dimensional")
    if a.shape[0] != b.shape[0]:
        raise ValueError("Leading dimensions of input arrays must match")
    eps = np.finfo(a.dtype).eps
    cutoff = eps * max(a.shape) if rcond is None else (eps if rcond < 0 else rcond)
    return _pseudo_inverse(a, cutoff) @ b


@keras_operation("MatrixRank", config=("tol",), module=LINALG)
def matrix_rank(x, tol=None):
    """The number of singular values above tol (default the largest times
    max(m, n) eps), int32 as TensorFlow's."""
    s = np.linalg.svd(np.asarray(floating(x)), compute_uv=False)
    if tol is None:
        tol = s.max(axis=-1, keepdims=True) * max(np.shape(x)[-2:]) * np.finfo(s.dtype).eps
    return np.sum(s > tol, axis=-1).astype("int32")


@keras_operation("LuFactor", module=LINALG)
def lu_factor(x):
    """(lu, pivots) of square matrices by Gaussian elimination with partial pivoting:
    lu holds L (below the diagonal, unit diagonal implied) and U, pivots the row
    order as TensorFlow reports it (x[pivots] = L U). No gradient rule (an error)."""
    x = _square(x, "lu_factor")
    lu = np.array(plain(x))
    n = lu.shape[-1]
    order = np.broadcast_to(np.arange(n), lu.shape[:-1]).copy()
    for k in range(n):  # over the columns: each step is vectorized over the batch
        pivot = k + np.argmax(np.abs(lu[..., k:, k]), axis=-1, keepdims=True)
        swap = np.broadcast_to(np.arange(n), order.shape).copy()
        np.put_along_axis(swap, pivot, k, axis=-1)
        swap[..., k:k + 1] = pivot
        lu = np.take_along_axis(lu, swap[..., None], axis=-2)
        order = np.take_along_axis(order, swap, axis=-1)
        lu[..., k + 1:, k] /= lu[..., k:k + 1, k]
        lu[..., k + 1:, k + 1:] -= lu[..., k + 1:, k:k + 1] * lu[..., k:k + 1, k + 1:]
    return _no_rule((lu,), x, "lu_factor")[0], np.argsort(order, axis=-1).astype("int32")


# keras.ops.linalg.jvp: forward mode, which lives with the other loops in loops.py
from kerasmini.ops.loops import jvp  # noqa: E402,F401
