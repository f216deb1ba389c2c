"""keras.ops's products that sum over shared axes: einsum, tensordot, dot, inner, outer,
vdot, all einsums sharing einsum's gradient rule (autodiff/einsum_rule.py); and
NumPy's other products kron, cross, vander, correlate, composed of broadcasts, indexing
and matmul, which the tape records."""
import string

import numpy as np

from kerasmini.ops.arguments import promoted, tensor
from kerasmini.ops.symbolic import keras_operation


@keras_operation("Einsum", config=("subscripts",))
def einsum(subscripts, *operands):
    return np.einsum(subscripts, *promoted(*operands), optimize=len(operands) > 2)


@keras_operation("Tensordot", config=("axes",))
def tensordot(x1, x2, axes=2):
    """Sum of products over axes[0] of x1 and axes[1] of x2 (an int n: x1's last n
    and x2's first n), as an einsum whose output keeps the other axes in order."""
    x1, x2 = promoted(x1, x2)
    if isinstance(axes, (int, np.integer)):
        first, second = list(range(x1.ndim - axes, x1.ndim)), list(range(axes))
    else:
        first, second = ([a] if np.ndim(a) == 0 else list(a) for a in axes)
    first = [a % x1.ndim for a in first]
    second = [a % x2.ndim for a in second]
    letters = iter(string.ascii_letters)
    left = [next(letters) for _ in range(x1.ndim)]
    right = [next(letters) for _ in range(x2.ndim)]
    for a, b in zip(first, second):
        right[b] = left[a]
    out = ([c for i, c in enumerate(left) if i not in first]
           + [c for i, c in enumerate(right) if i not in second])
    return np.einsum(f"{''.join(left)},{''.join(right)}->{''.join(out)}", x1, x2)


@keras_operation("Dot")
def dot(x1, x2):
    """NumPy's dot: a product with a scalar, else a sum over x1's last axis and x2's
    second to last (its only one for a vector)."""
    x1, x2 = promoted(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    return tensordot(x1, x2, ([-1], [-2 if x2.ndim > 1 else 0]))


@keras_operation("Inner")
def inner(x1, x2):
    x1, x2 = promoted(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    return tensordot(x1, x2, ([-1], [-1]))


@keras_operation("Outer")
def outer(x1, x2):
    x1, x2 = promoted(x1, x2)
    return np.reshape(x1, (-1, 1)) * np.reshape(x2, (1, -1))


@keras_operation("Vdot")
def vdot(x1, x2):
    x1, x2 = promoted(x1, x2)
    return np.einsum("i,i->", np.reshape(x1, -1), np.reshape(x2, -1))


@keras_operation("Kron")
def kron(x1, x2):
    """The Kronecker product: each element of x1 times the whole of x2, the blocks laid
    out as x1 (a broadcast product of the operands with interleaved unit axes)."""
    x1, x2 = promoted(x1, x2)
    rank = max(x1.ndim, x2.ndim)
    shape1 = (1,) * (rank - x1.ndim) + x1.shape
    shape2 = (1,) * (rank - x2.ndim) + x2.shape
    blocks = (np.reshape(x1, [n for size in shape1 for n in (size, 1)])
              * np.reshape(x2, [n for size in shape2 for n in (1, size)]))
    return np.reshape(blocks, [a * b for a, b in zip(shape1, shape2)])


@keras_operation("Cross", config=("axisa", "axisb", "axisc", "axis"))
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (2-vectors have a zero third component; of two
    2-vectors only the third component is returned)."""
    if axis is not None:
        axisa = axisb = axisc = axis
    x1, x2 = promoted(x1, x2)
    a, b = np.moveaxis(x1, axisa, -1), np.moveaxis(x2, axisb, -1)
    for v, name in ((a, "x1"), (b, "x2")):
        if v.shape[-1] not in (2, 3):
            raise ValueError(f"Dimension of vectors for `cross` must be 2 or 3. "
                             f"Received: {name}.shape={v.shape}")
    planar = a.shape[-1] == b.shape[-1] == 2
    a, b = (np.pad(v, [(0, 0)] * (v.ndim - 1) + [(0, 3 - v.shape[-1])]) for v in (a, b))
    a0, a1, a2 = (a[..., i] for i in range(3))
    b0, b1, b2 = (b[..., i] for i in range(3))
    if planar:
        return a0 * b1 - a1 * b0
    product = np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], -1)
    return np.moveaxis(product, -1, axisc)


@keras_operation("Vander", config=("N", "increasing"))
def vander(x, N=None, increasing=False):  # noqa: N803 (Keras's name)
    """Columns of powers of the 1-D x, highest first (lowest with increasing=True), in
    x's dtype."""
    x = tensor(x)
    if x.ndim != 1:
        raise ValueError(f"`vander` takes a 1-D tensor. Received: x.shape={x.shape}")
    count = x.shape[0] if N is None else N
    powers = np.arange(count) if increasing else np.arange(count - 1, -1, -1)
    wide = "float64" if x.dtype.name in ("float64", "int64") else "float32"
    columns = np.power(tensor(x, wide)[:, None], powers.astype(wide))
    return tensor(columns, x.dtype.name)


@keras_operation("Correlate", config=("mode",))
def correlate(x1, x2, mode="valid"):
    """The cross-correlation c[k] = sum_n x1[n + k] x2[n] of two 1-D tensors over the
    shifts 'full' (every overlap), 'same' (x1's length, centred) or 'valid' (complete
    overlaps); int64 in float64, other ints in float32, as TensorFlow's."""
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"`mode` must be one of 'valid', 'same', 'full'. Received: "
                         f"mode={mode}")
    x1, x2 = promoted(x1, x2)
    dtype = "float64" if x1.dtype.name in ("int64", "float64") else (
        "float16" if x1.dtype.name == "float16" else "float32")
    x1, x2 = x1.astype(dtype), x2.astype(dtype)
    n, m = x1.shape[0], x2.shape[0]
    padded = np.pad(x1, (m - 1, m - 1))
    windows = padded[np.arange(n + m - 1)[:, None] + np.arange(m)]
    full = windows @ x2
    if mode == "full":
        return full
    if mode == "same":
        start = (n + m - 1 - max(n, m)) // 2
        return full[start:start + max(n, m)]
    return full[min(n, m) - 1:max(n, m)]
