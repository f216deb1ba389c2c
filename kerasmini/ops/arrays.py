"""keras.ops's functions that move, copy and select elements (reshape, stack, split,
tile, pad, roll, flip, take, tril, diagonal, ...).

Each is written with operations the tape records: reshapes, transposes, broadcasts,
concatenations and indexing (whose gradient scatters back, adding where an element was
picked twice). So tile is a broadcast of a reshaped x, roll and the reflecting pads
are a `take` of rolled / padded positions, flip an indexing with a negative step and
tril / triu a `where`: each gradient is that of the pieces, with no rule of its own.
"""
import numpy as np

from kerasmini.autodiff import record
from kerasmini.ops import reductions
from kerasmini.ops.arguments import as_axis, promoted, tensor
from kerasmini.ops.symbolic import keras_operation


@keras_operation("Reshape", config=("newshape",))
def reshape(x, newshape):
    return np.reshape(tensor(x), newshape)


@keras_operation("Transpose", config=("axes",))
def transpose(x, axes=None):
    return np.transpose(tensor(x), axes)


@keras_operation("ExpandDims", config=("axis",))
def expand_dims(x, axis):
    return np.expand_dims(tensor(x), as_axis(axis))


@keras_operation("Squeeze", config=("axis",))
def squeeze(x, axis=None):
    return np.squeeze(tensor(x), as_axis(axis))


@keras_operation("Ravel")
def ravel(x):
    return np.reshape(tensor(x), -1)


@keras_operation("Swapaxes", config=("axis1", "axis2"))
def swapaxes(x, axis1, axis2):
    return np.swapaxes(tensor(x), axis1, axis2)


@keras_operation("Moveaxis", config=("source", "destination"))
def moveaxis(x, source, destination):
    return np.moveaxis(tensor(x), source, destination)


@keras_operation("BroadcastTo", config=("shape",))
def broadcast_to(x, shape):
    return np.broadcast_to(tensor(x), shape)


@keras_operation("Copy")
def copy(x):
    return np.copy(tensor(x), subok=True)


@keras_operation("Concatenate", config=("axis",))
def concatenate(xs, axis=0):
    """The tensors joined along `axis` (promoted to one dtype, as Keras). axis=None
    (NumPy's flattening) is refused: tf.keras raises on it."""
    if axis is None:
        raise ValueError("Argument `axis` must be an int. Received: axis=None")
    return np.concatenate(promoted(*xs), axis=axis)


@keras_operation("Stack", config=("axis",))
def stack(x, axis=0):
    return np.stack(promoted(*x), axis=axis)


@keras_operation("Append", config=("axis",))
def append(x1, x2, axis=None):
    x1, x2 = promoted(x1, x2)
    if axis is None:
        return np.concatenate([np.reshape(x1, -1), np.reshape(x2, -1)])
    return np.concatenate([x1, x2], axis=axis)


@keras_operation("Hstack")
def hstack(xs):
    xs = promoted(*xs)
    return np.concatenate(xs, axis=0 if xs[0].ndim == 1 else 1)


@keras_operation("Vstack")
def vstack(xs):
    return np.concatenate([np.reshape(x, (1, -1)) if x.ndim < 2 else x
                           for x in promoted(*xs)], axis=0)


@keras_operation("Split", config=("indices_or_sections", "axis"))
def split(x, indices_or_sections, axis=0):
    """A list of slices of x along `axis`: equal sections (which must divide the
    size) or cut at the given indices."""
    x = tensor(x)
    size = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or size % sections:
            raise ValueError(f"Received indices_or_sections={sections} (interpreted as "
                             f"a number of sections) and axis={axis}, but the size "
                             f"{size} of the axis is not divisible by it.")
        cuts = list(range(size // sections, size, size // sections))
    else:
        cuts = [int(i) for i in indices_or_sections]
    bounds = zip([0] + cuts, cuts + [size])
    before = (slice(None),) * (axis % x.ndim)
    return [x[before + (slice(start, stop),)] for start, stop in bounds]


@keras_operation("Unstack", config=("num", "axis"), module="keras.src.ops.core")
def unstack(x, num=None, axis=0):
    x = tensor(x)
    if num is not None and num != x.shape[axis]:
        raise ValueError(f"Cannot unstack axis {axis} of size {x.shape[axis]} into "
                         f"num={num} tensors.")
    return [x[(slice(None),) * (axis % x.ndim) + (i,)] for i in range(x.shape[axis])]


@keras_operation("GetItem")
def get_item(x, key):
    """x[key] (`x[:, -1]` on a KerasTensor records it); a key saved as a list is the
    tuple it was. The gradient scatters back (adding where an index repeats)."""
    return tensor(x)[tuple(key) if isinstance(key, list) else key]


@keras_operation("Take", config=("axis",))
def take(x, indices, axis=None):
    """x's elements at `indices` along `axis` (of the flattened x for None); negative
    indices count from the end. The gradient adds up where an index repeats."""
    x = tensor(x)
    indices = np.asarray(tensor(indices))
    if indices.dtype.kind not in "iu":
        raise TypeError(f"`indices` must be integers. Received: indices.dtype="
                        f"{indices.dtype}")
    if axis is None:
        return np.reshape(x, -1)[indices]
    return x[(slice(None),) * (axis % x.ndim) + (indices,)]


@keras_operation("TakeAlongAxis", config=("axis",))
def take_along_axis(x, indices, axis=None):
    return np.take_along_axis(tensor(x), np.asarray(tensor(indices)), axis=axis)


@keras_operation("Tile", config=("repeats",))
def tile(x, repeats):
    """x repeated `repeats` times along each axis: each axis of x gets a new axis of
    copies before it (a broadcast), merged with it by a reshape."""
    x = tensor(x)
    repeats = [repeats] if np.ndim(repeats) == 0 else list(repeats)
    ndim = max(x.ndim, len(repeats))
    shape = (1,) * (ndim - x.ndim) + x.shape
    repeats = [1] * (ndim - len(repeats)) + [int(r) for r in repeats]
    spread = np.reshape(x, [d for n in shape for d in (1, n)])
    copies = np.broadcast_to(spread, [d for r, n in zip(repeats, shape) for d in (r, n)])
    return np.reshape(copies, [r * n for r, n in zip(repeats, shape)])


@keras_operation("Repeat", config=("repeats", "axis"))
def repeat(x, repeats, axis=None):
    return np.repeat(tensor(x), repeats, axis=axis)


@keras_operation("Roll", config=("shift", "axis"))
def roll(x, shift, axis=None):
    """x's elements shifted by `shift` along `axis` (of the flattened x for None),
    those past the end coming back at the start."""
    x = tensor(x)
    if axis is None:
        return np.reshape(roll(np.reshape(x, -1), shift, 0), x.shape)
    shifts = np.broadcast_to(shift, np.shape(axis)).reshape(-1)
    for s, a in zip(shifts, np.reshape(axis, -1)):
        x = take(x, np.roll(np.arange(x.shape[a]), int(s)), axis=int(a))
    return x


@keras_operation("Flip", config=("axis",))
def flip(x, axis=None):
    x = tensor(x)
    axes = range(x.ndim) if axis is None else [a % x.ndim for a in np.reshape(axis, -1)]
    return x[tuple(slice(None, None, -1) if i in axes else slice(None)
                   for i in range(x.ndim))]


@keras_operation("Fliplr")
def fliplr(x):
    return flip(x, axis=1)


@keras_operation("Flipud")
def flipud(x):
    return flip(x, axis=0)


@keras_operation("Pad", config=("pad_width", "mode"))
def pad(x, pad_width, mode="constant", constant_values=None):
    """x padded by pad_width ((before, after) per axis, or one pair / one number for
    all): with constant_values (0 by default), or by reflecting x ('reflect': the edge
    not repeated, 'symmetric': repeated)."""
    x = tensor(x)
    if mode not in ("constant", "reflect", "symmetric"):
        raise ValueError("`mode` must be one of ['constant', 'reflect', 'symmetric']. "
                         f"Received: mode={mode}")
    if constant_values is not None and mode != "constant":
        raise ValueError("Argument `constant_values` can only be provided when "
                         f"`mode == 'constant'`. Received: mode={mode}")
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
    if mode == "constant":
        return np.pad(x, widths, constant_values=constant_values or 0)
    for axis, (before, after) in enumerate(widths):  # reflection: a take of positions
        positions = np.pad(np.arange(x.shape[axis]), (before, after), mode=mode)
        x = take(x, positions, axis=axis)
    return x


@keras_operation("Tril", config=("k",))
def tril(x, k=0):
    """x's lower triangle (on and below diagonal k) in its last two axes; zeros above."""
    x = tensor(x)
    keep = np.tri(x.shape[-2], x.shape[-1], k, dtype=bool)
    return np.where(keep, x, np.zeros((), x.dtype))


@keras_operation("Triu", config=("k",))
def triu(x, k=0):
    x = tensor(x)
    keep = ~np.tri(x.shape[-2], x.shape[-1], k - 1, dtype=bool)
    return np.where(keep, x, np.zeros((), x.dtype))


@keras_operation("Diag", config=("k",))
def diag(x, k=0):
    """A 1-D x: the matrix with x on diagonal k; a 2-D x: its diagonal k."""
    x = tensor(x)
    if x.ndim not in (1, 2):
        raise ValueError(f"`x` must be 1-D or 2-D. Received: x.shape={x.shape}")
    return np.diag(x, k)


@keras_operation("Diagonal", config=("offset", "axis1", "axis2"))
def diagonal(x, offset=0, axis1=0, axis2=1):
    """Diagonal `offset` of the matrices in axes (axis1, axis2), as a last axis."""
    x = np.moveaxis(tensor(x), (axis1, axis2), (-2, -1))
    rows, cols = x.shape[-2:]
    start_row, start_col = max(-offset, 0), max(offset, 0)
    length = max(min(rows - start_row, cols - start_col), 0)
    index = np.arange(length)
    return x[..., index + start_row, index + start_col]


@keras_operation("Trace", config=("offset", "axis1", "axis2"))
def trace(x, offset=0, axis1=0, axis2=1):
    return reductions.sum(diagonal(x, offset, axis1, axis2), axis=-1)


@keras_operation("ArraySplit", config=("indices_or_sections", "axis"))
def array_split(x, indices_or_sections, axis=0):
    """`indices_or_sections` sections of x along `axis`, the first ones one longer
    when the size does not divide (NumPy's array_split)."""
    x = tensor(x)
    sections = int(indices_or_sections)
    if sections <= 0:
        raise ValueError(f"`indices_or_sections` must be a positive number of sections. "
                         f"Received: indices_or_sections={indices_or_sections}")
    size = x.shape[axis]
    lengths = [size // sections + (i < size % sections) for i in range(sections)]
    return split(x, list(np.cumsum(lengths)[:-1]), axis)


@keras_operation("Hsplit", config=("indices_or_sections",))
def hsplit(x, indices_or_sections):
    """split along the columns (the only axis of a 1-D x)."""
    x = tensor(x)
    return split(x, indices_or_sections, axis=1 if x.ndim > 1 else 0)


@keras_operation("Vsplit", config=("indices_or_sections",))
def vsplit(x, indices_or_sections):
    return split(x, indices_or_sections, axis=0)


@keras_operation("Dsplit", config=("indices_or_sections",))
def dsplit(x, indices_or_sections):
    x = tensor(x)
    if x.ndim < 3:
        raise ValueError(f"`dsplit` takes tensors of 3 or more dimensions. Received: "
                         f"x.shape={x.shape}")
    return split(x, indices_or_sections, axis=2)


@keras_operation("Dstack")
def dstack(xs):
    """The tensors joined along a third axis (scalars and vectors made 3-D first)."""
    xs = promoted(*xs)
    shaped = [np.reshape(x, (1, 1, 1)) if x.ndim == 0 else
              np.reshape(x, (1, -1, 1)) if x.ndim == 1 else
              np.expand_dims(x, 2) if x.ndim == 2 else x for x in xs]
    return np.concatenate(shaped, axis=2)


@keras_operation("Rot90", config=("k", "axes"))
def rot90(array, k=1, axes=(0, 1)):
    """array turned k quarter turns in the plane of `axes`, from the first axis
    towards the second (a flip and a transpose per turn)."""
    array = tensor(array)
    if array.ndim < 2:
        raise ValueError("Input array must have at least 2 dimensions. "
                         f"Received: array.ndim={array.ndim}")
    if len(axes) != 2 or axes[0] % array.ndim == axes[1] % array.ndim:
        raise ValueError(f"Invalid axes: {axes}. Axes must be a tuple of two different "
                         "dimensions.")
    first, second = (a % array.ndim for a in axes)
    order = list(range(array.ndim))
    order[first], order[second] = second, first
    for _ in range(k % 4):
        array = np.transpose(flip(array, second), order)
    return array


@keras_operation("Diagflat", config=("k",))
def diagflat(x, k=0):
    """A square matrix with the flattened x on its k-th diagonal."""
    return diag(np.reshape(tensor(x), -1), k)


@keras_operation("Select")
def select(condlist, choicelist, default=0):
    """choicelist[i] where condlist[i] is the first condition to hold, else default."""
    if len(condlist) != len(choicelist) or not condlist:
        raise ValueError("`condlist` and `choicelist` must have the same, non-zero "
                         f"length. Received: len(condlist)={len(condlist)}, "
                         f"len(choicelist)={len(choicelist)}")
    *choices, default = promoted(*choicelist, default)
    result = np.broadcast_to(default, np.broadcast_shapes(
        *[np.shape(c) for c in choices], *[np.shape(c) for c in condlist], default.shape))
    for condition, choice in zip(condlist[::-1], choices[::-1]):
        result = np.where(np.asarray(tensor(condition), bool), choice, result)
    return result


@keras_operation("UnravelIndex", config=("shape",))
def unravel_index(indices, shape):
    """The coordinates (one tensor per axis of `shape`, in indices' dtype) of flat
    indices into an array of `shape`."""
    if None in shape:
        raise ValueError(f"`shape` argument cannot contain `None`. Received: shape={shape}")
    indices = np.asarray(tensor(indices))
    coordinates = []
    for size in reversed(shape):
        coordinates.append((indices % size).astype(indices.dtype))
        indices = indices // size
    return tuple(reversed(coordinates))


@keras_operation("View", config=("dtype",))
def view(x, dtype=None):
    """x's bytes read as `dtype` (the last axis rescaled by the ratio of item sizes).
    Bits read as floats have no gradient: NoGradientError if a gradient reaches them
    (TensorFlow's bitcast gives None, as if they did not depend on x); bits read as
    integers are a constant."""
    source, x = x, np.ascontiguousarray(tensor(x))
    new = np.dtype(dtype or x.dtype)
    if x.ndim == 0 and new.itemsize != x.dtype.itemsize or x.ndim and (
            x.shape[-1] * x.dtype.itemsize) % new.itemsize:
        raise ValueError(f"Cannot view array of shape {x.shape} and dtype {x.dtype} as "
                         f"dtype {new} because the total number of bytes is not "
                         "divisible by the new itemsize.")
    result = x.view(np.ndarray).view(new)
    return record(result, [source], None, "view") if new.kind == "f" else result


@keras_operation("Ndim")
def ndim(x):
    return np.ndim(tensor(x))


@keras_operation("Size")
def size(x):
    return np.asarray(np.size(tensor(x)), "int32")
