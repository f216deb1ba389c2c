"""A small Variable: a named NumPy array that a layer owns and can reassign."""
import contextlib
import math
import threading

import numpy as np

from kerasmini.autodiff import tape

_limits = threading.local()  # the allocation budget of the load running in this thread


class _AutocastState(threading.local):
    dtype = None  # what float variables read as in this thread (None: as stored)


_autocast = _AutocastState()


@contextlib.contextmanager
def autocast_scope(dtype):
    """Within this block, reading a float variable (with autocast on) gives its value
    cast to `dtype` (None: as stored). A mixed_float16 layer runs its call() in one, so
    it computes in float16 from float32 weights; the tape records the cast, and the
    gradient comes back to the weight in float32."""
    previous = _autocast.dtype
    _autocast.dtype = dtype
    try:
        yield
    finally:
        _autocast.dtype = previous


def autocast_dtype():
    """The dtype of the innermost autocast_scope, None outside any."""
    return _autocast.dtype


@contextlib.contextmanager
def allocation_limit(max_bytes, where):
    """Within this block, weights created in this thread may total at most `max_bytes`:
    a file's config cannot make layers allocate more than the file holds."""
    previous = getattr(_limits, "budget", None)
    _limits.budget = [max_bytes, where]
    try:
        yield
    finally:
        _limits.budget = previous


def reserve(shape, dtype, path):
    """Count a weight against the current allocation limit, before it is allocated."""
    budget = getattr(_limits, "budget", None)
    if budget is None:
        return
    # exact Python ints: int64's product of a config's huge sizes wraps around (2**32 *
    # 2**32 is 0) and would pass the check
    size = math.prod(int(n) for n in shape) * np.dtype(dtype).itemsize
    if size > budget[0]:
        raise ValueError(f"Not allowed: the weight '{path}' ({tuple(shape)}, {dtype}) "
                         f"needs {size} bytes, but {budget[1]} holds only {budget[0]} "
                         "more bytes of weights; refusing to allocate it.")
    budget[0] -= size


class Variable:
    """A weight of a layer, as `keras.Variable`: `.numpy()`, `.assign()`, `.shape`, `.dtype`.

    `path` is "<layer name>/<weight name>", as Keras prints it.
    """

    _is_variable = True  # how kerasmini.autodiff recognizes a Variable

    def __init__(self, initial_value, shape=None, dtype=None, trainable=True, autocast=True,
                 *, name="variable", path=None, constraint=None):
        if isinstance(initial_value, str) or callable(initial_value):
            initial_value = _initial_value(initial_value, shape, dtype)
        elif shape is not None and tuple(shape) != np.shape(initial_value):
            raise ValueError("Argument `shape` does not match the shape of the initial "
                             f"value: shape={tuple(shape)}, initial value shape="
                             f"{np.shape(initial_value)}")
        value = np.asarray(initial_value, dtype=dtype)
        self._value = np.array(value, copy=True)
        self.name = name
        self.path = path or name
        self.trainable = trainable
        self.autocast = bool(autocast)
        self.constraint = constraint

    @property
    def value(self):
        """The array. While a GradientTape records, a view the tape knows (see
        kerasmini.autodiff): layers read weights here, so the tape sees every use.
        Inside an autocast_scope, a float value is cast to the scope's dtype."""
        value = tape.read_variable(self, self._value) if tape._recording else self._value
        cast_to = _autocast.dtype
        if cast_to is not None and self.autocast and value.dtype != cast_to \
                and value.dtype.kind == "f":
            return value.astype(cast_to)
        return value

    @property
    def shape(self):
        return self._value.shape

    @property
    def dtype(self):
        return _dtype_name(self._value.dtype)

    @property
    def ndim(self):
        return self._value.ndim

    def numpy(self):
        """A copy of the value, so that changing it leaves the variable alone."""
        return self._value.copy()

    def assign(self, value):
        """Replace the value; the shape must match, the dtype is the variable's."""
        value = np.asarray(value)
        if value.shape != self.shape:
            raise ValueError(
                "The shape of the target variable and the shape of the target value in "
                f"`variable.assign(value)` must match. variable.shape={self.shape}, "
                f"Received: value.shape={value.shape}. Target variable: {self!r}"
            )
        self._value = value.astype(self._value.dtype, copy=True)
        return self

    def _assign_owned(self, array):
        """assign() for an array of the variable's shape and dtype that nobody else
        holds (an optimizer's freshly computed update): taken as is, without a copy."""
        self._value = array

    # Arithmetic, as on a Keras variable (`inputs * self.scale` in a user's layer): on
    # `value`, so a recording GradientTape sees the read. The priority makes NumPy arrays
    # hand `array + variable` to __radd__ instead of converting it without the tape.
    __array_priority__ = 100

    def __neg__(self):
        return -self.value

    def __abs__(self):
        return abs(self.value)

    def __getitem__(self, index):
        return self.value[index]

    def __add__(self, other):
        return self.value + _operand(other)

    def __radd__(self, other):
        return _operand(other) + self.value

    def __sub__(self, other):
        return self.value - _operand(other)

    def __rsub__(self, other):
        return _operand(other) - self.value

    def __mul__(self, other):
        return self.value * _operand(other)

    def __rmul__(self, other):
        return _operand(other) * self.value

    def __truediv__(self, other):
        return self.value / _operand(other)

    def __rtruediv__(self, other):
        return _operand(other) / self.value

    def __pow__(self, other):
        return self.value ** _operand(other)

    def __rpow__(self, other):
        return _operand(other) ** self.value

    def __matmul__(self, other):
        return self.value @ _operand(other)

    def __rmatmul__(self, other):
        return _operand(other) @ self.value

    def __array__(self, dtype=None, copy=None):
        return self._value if dtype is None else self._value.astype(dtype)

    # int(optimizer.iterations), float(optimizer.learning_rate), as on Keras's Variable;
    # a truth value is refused, as there (`if variable:` is always a mistake)
    def __int__(self):
        return int(self._scalar())

    def __float__(self):
        return float(self._scalar())

    def _scalar(self):
        if self.ndim > 0:
            raise TypeError("Only scalar arrays can be converted to Python scalars. "
                            f"Got: shape={self.shape}")
        return self._value

    def __bool__(self):
        raise TypeError("A Keras Variable cannot be used as a boolean.")

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={self._value}>")


def _initial_value(initializer, shape, dtype):
    """keras.Variable(initializer, shape): a name ('zeros') or a callable of
    (shape, dtype), as Keras takes them."""
    if shape is None:
        raise ValueError("When creating a Variable from an initializer, the `shape` "
                         f"argument should be specified. Received: initializer="
                         f"{initializer} and shape={shape}")
    if isinstance(initializer, str):
        from kerasmini import config, initializers  # variables sit below initializers
        initializer = initializers.get(initializer)
        dtype = dtype or config.floatx()
    return initializer(tuple(shape), dtype=dtype)


def _operand(other):
    """The other side of a Variable's arithmetic: another Variable's value, or itself."""
    return other.value if isinstance(other, Variable) else other


_DTYPE_NAMES = {}


def _dtype_name(dtype):
    """dtype.name, remembered: NumPy computes the name in Python on every access, and
    optimizers and metrics ask for it per variable and step."""
    name = _DTYPE_NAMES.get(dtype)
    if name is None:
        name = _DTYPE_NAMES[dtype] = dtype.name
    return name
