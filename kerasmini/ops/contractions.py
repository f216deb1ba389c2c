"""keras.ops's products that sum over shared axes: einsum, tensordot, dot, inner, outer,
vdot. All are einsums, so all share einsum's gradient rule (autodiff/einsum_rule.py)."""
import string

import numpy as np

from kerasmini.ops.arguments import promoted
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
