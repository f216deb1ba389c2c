"""TapeArray: how the tape sees NumPy arithmetic between recorded operations.

Every array a tape records is handed back as a TapeArray, an ndarray subclass. NumPy
routes any ufunc (`+`, `*`, `np.exp`, `x.sum()`, ...) and any array function
(`np.concatenate`, `np.where`, ...) that touches one through `__array_ufunc__` /
`__array_function__`, so the tape gets to see it:

* an operation with a gradient rule (numpy_rules.py) is recorded like any other op:
  `loss = ops.mean(y) * 2 + penalty` differentiates as written;
* an operation without one, and any view an ndarray method makes (reshapes, slices
  and `.T` are recorded; other views are not), produces a *tainted* TapeArray; a
  recorded op or `tape.gradient` that receives a tainted array raises NoGradientError
  naming the NumPy function, instead of silently treating it as a constant;
* comparisons, `sign`, `floor`, `argmax`, ... return plain arrays: their derivative is
  zero wherever it exists, so using them as constants is exact.

`np.asarray(t)` (and `.view(np.ndarray)`) detach on purpose, as `.numpy()` does in
TensorFlow: the result is a plain array the tape treats as a constant.
"""
import numpy as np


class TapeArray(np.ndarray):
    """An ndarray produced while a GradientTape was recording (see the module docstring).

    `_recorded`: a tape registered this very object. `_taint`: if not None, how the array
    was derived from recorded values outside the tape's sight (an error when used).
    """

    def __array_finalize__(self, obj):
        self._recorded = False
        self._taint = None
        if isinstance(obj, TapeArray) and (obj._taint or _live(obj)):
            self._taint = obj._taint or "an ndarray view or method the tape does not record"

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from kerasmini.autodiff.numpy_rules import apply_ufunc
        return apply_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from kerasmini.autodiff.numpy_rules import apply_function
        return apply_function(func, args, kwargs)

    # ndarray methods that make views or copies: recorded through their np.* twins
    def __getitem__(self, index):
        if not _live(self):
            return super().__getitem__(index)
        from kerasmini.autodiff.numpy_rules import getitem
        return getitem(self, index)

    def __iter__(self):  # `for row in t`: each row a recorded x[i]
        if not _live(self):
            return super().__iter__()
        return (self[i] for i in range(len(self)))

    def reshape(self, *shape, order="C"):
        return np.reshape(self, shape[0] if len(shape) == 1 else shape, order=order)

    def transpose(self, *axes):
        return np.transpose(self, axes[0] if len(axes) == 1 else (axes or None))

    @property
    def T(self):
        return np.transpose(self)

    def swapaxes(self, axis1, axis2):
        return np.swapaxes(self, axis1, axis2)

    def squeeze(self, axis=None):
        return np.squeeze(self, axis)

    def ravel(self, order="C"):
        return np.reshape(self, -1, order=order)

    def flatten(self, order="C"):
        return np.reshape(self, -1, order=order).copy()

    def copy(self, order="C"):
        return np.copy(self, order=order, subok=True)

    def getfield(self, dtype, offset=0):
        field = super().getfield(dtype, offset)
        return taint(field, "ndarray.getfield") if _live(self) else field

    @property
    def real(self):
        return self if self.dtype.kind != "c" else np.real(self)

    @property
    def imag(self):  # of real values: zeros, a constant
        return np.zeros_like(plain(self)) if self.dtype.kind != "c" else np.imag(self)

    def round(self, decimals=0, out=None):
        return np.round(self, decimals, out)

    def compress(self, condition, axis=None, out=None):
        return np.compress(condition, self, axis, out)

    @property
    def flat(self):  # t.flat[i] reads, writes refused, as the reshaped t
        return _Flat(self) if _live(self) else super().flat

    @property
    def mT(self):
        return np.swapaxes(self, -1, -2)

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        if not _live(self):
            return super().astype(dtype, order, casting, subok, copy)
        from kerasmini.autodiff.numpy_rules import cast
        return cast(self, dtype, copy)

    def __repr__(self):
        return np.asarray(self).__repr__().replace("array(", "TapeArray(", 1)


class _Flat:
    """A followed TapeArray's `.flat`: items read from np.reshape(t, -1), recorded."""

    def __init__(self, array):
        self.array = array

    def __getitem__(self, index):
        return np.reshape(self.array, -1)[index]

    def __setitem__(self, index, value):
        _refuse_write(self.array, "flat.__setitem__")

    def __iter__(self):
        return iter(np.reshape(self.array, -1))

    def __len__(self):
        return self.array.size


def _refuse_write(x, method):
    """NoGradientError if a tape follows x (or x is a view of what it follows): its
    recorded value may be read by earlier operations' rules, and writing into it would
    change their gradients in silence. (TensorFlow's tensors cannot be written either.)"""
    from kerasmini.autodiff.tape import is_recording
    if _live(x) or (x._taint is not None and is_recording()):
        from kerasmini.autodiff.errors import NoGradientError
        raise NoGradientError(
            f"ndarray.{method} writes into an array GradientTape follows; the tape "
            "cannot record writes in place. Make a new array instead: np.where(mask, "
            "value, x), ops.slice_update, ops.scatter_update.")


# ndarray methods NumPy computes with ufunc methods the tape has no rule for (x.prod()
# is np.multiply.reduce) or as views it cannot name: their np.* twins, recorded or
# refused by their own name (the arguments after x are the same)
def _through(function):
    def method(self, *args, **kwargs):
        return function(self, *args, **kwargs)
    return method


for _name in ("cumsum", "cumprod", "prod", "repeat", "take", "dot", "diagonal", "trace",
              "round"):
    setattr(TapeArray, _name, _through(getattr(np, _name)))


def _refusing(name):
    """ndarray's `name`, which writes into the array, refused while a tape follows it."""
    method = getattr(np.ndarray, name)

    def write(self, *args, **kwargs):
        _refuse_write(self, name)
        return method(self, *args, **kwargs)
    return write


for _name in ("__setitem__", "sort", "partition", "fill", "put", "resize", "byteswap",
              "setfield"):
    setattr(TapeArray, _name, _refusing(_name))


def plain(x):
    """x as a plain ndarray (a view, no copy) if it is a TapeArray; anything else as is."""
    return x.view(np.ndarray) if isinstance(x, TapeArray) else x


def tainted(x):
    """True if x was derived from recorded values by something the tape did not record."""
    return isinstance(x, TapeArray) and x._taint is not None


def taint(result, how):
    """`result` marked as derived, outside the tape, from recorded values."""
    if not isinstance(result, np.ndarray):
        result = np.asarray(result)
    marked = result.view(TapeArray)
    marked._taint = how
    return marked


def _live(x):
    from kerasmini.autodiff.tape import is_live
    return is_live(x)
