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
from kerasmini.ops import reductions
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


@keras_operation("Inv", module=LINALG)
def inv(x):
    x = _square(x, "inv")
    y = np.linalg.inv(plain(x))
    return record(y, (x,), lambda g: (-_swap(y) @ g @ _swap(y),), "inv")


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
    return record(x[..., 0] if vector else x, (a, b), vjp, "solve")


@keras_operation("Det", module=LINALG)
def det(x):
    x = _square(x, "det")
    d = np.linalg.det(plain(x))
    return record(d, (x,), lambda g: ((g * d)[..., None, None] * _swap(
        np.linalg.inv(plain(x))),), "det")


@keras_operation("Slogdet")
def slogdet(x):
    """(sign, log|det|); the sign is a constant."""
    x = _square(x, "slogdet")
    sign, logdet = np.linalg.slogdet(plain(x))
    return sign, record(logdet, (x,), lambda g: (
        g[..., None, None] * _swap(np.linalg.inv(plain(x))),), "slogdet")


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
    if ord is None and len(axes) > 0 or ord == "fro":
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
