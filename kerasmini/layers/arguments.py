"""Constructor argument checks shared by layers, with Keras's error messages."""
import numbers

from kerasmini.ops.layout import standardize_data_format  # noqa: F401  (re-exported)
from kerasmini.ops.shapes import PADDINGS


def is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def positive_int(value, name, message=None):
    """An int > 0, or ValueError naming the argument and the value received."""
    if not is_int(value) or value <= 0:
        raise ValueError(message or f"Invalid value for argument `{name}`. Expected a "
                         f"strictly positive integer. Received {name}={value}.")
    return int(value)


def refuse_lora_and_quantization(layer, lora_rank, quantization_config):
    """Keras's Dense and Embedding take LoRA and quantization settings; kerasmini has
    neither, so a setting other than None stops the constructor instead of being ignored.
    (lora_alpha alone is ignored by Keras too: it only scales a LoRA of rank lora_rank.)"""
    for name, value in (("lora_rank", lora_rank), ("quantization_config", quantization_config)):
        if value is not None:
            raise ValueError(f"{layer}({name}={value!r}) is not supported by kerasmini (it "
                             f"has no LoRA or quantization). Received: {name}={value!r}")


def standardize_tuple(value, n, name, allow_zero=False):
    """An int or an n-sequence of ints -> n-tuple of positive (or, allow_zero, >= 0) ints."""
    message = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if is_int(value):
        entries = (value,) * n
    else:
        try:
            entries = tuple(value)
        except TypeError:
            raise ValueError(message) from None
        if len(entries) != n or not all(is_int(v) for v in entries):
            raise ValueError(message)
    bad = {int(v) for v in entries if v < 0 or (v == 0 and not allow_zero)}
    if bad:
        rule = "`value >= 0`" if allow_zero else "`value > 0`"
        raise ValueError(f"{message}, including values {bad} that do not satisfy {rule}")
    return tuple(int(v) for v in entries)


def standardize_padding(value, allow_causal=False):
    """'valid' or 'same' (or 'causal' for Conv1D), any case."""
    padding = value.lower() if isinstance(value, str) else value
    allowed = PADDINGS + ("causal",) if allow_causal else PADDINGS
    if padding not in allowed:
        names = ", ".join(f"'{p}'" for p in sorted(allowed))
        raise ValueError("The `padding` argument must be a list/tuple or one of "
                         f"{{{names}}}. Received: {value}")
    return padding


def integer(value, name):
    """An int (NumPy's too, not a bool), or TypeError naming the argument: 1.9 or '1'
    must not silently become 1."""
    if not is_int(value):
        raise TypeError(f"Argument `{name}` must be an integer. Received: {name}={value!r} "
                        f"(of type {type(value).__name__})")
    return int(value)


def axes(value, name):
    """An int or a list/tuple of ints (as int / tuple), else TypeError."""
    if isinstance(value, (list, tuple)):
        return tuple(integer(v, name) for v in value)
    return integer(value, name)


def real(value, name):
    """A float from a real number; None is a ValueError, a string a TypeError."""
    if value is None:
        raise ValueError(f"Argument `{name}` must be a number. Received: {name}=None")
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"Argument `{name}` must be a number. Received: {name}={value!r} "
                        f"(of type {type(value).__name__})")
    return float(value)


def shape_tuple(value, name="shape"):
    """A sample shape: a tuple of ints >= 0 or None, else ValueError as tf.keras says
    it ('Cannot convert ... to a shape'); a bare int is refused, as Keras does."""
    entries = value
    if not isinstance(entries, (list, tuple)):
        raise ValueError(f"Cannot convert '{value!r}' to a shape. Received: {name}={value!r}")
    for d in entries:
        if d is not None and not is_int(d):
            raise ValueError(f"Cannot convert '{value!r}' to a shape. Found invalid "
                             f"dimension '{d}' of type '{type(d)}'. Received: {name}={value!r}")
        if d is not None and d < 0:
            raise ValueError(f"Cannot convert '{value!r}' to a shape. Negative dimensions "
                             f"are not allowed. Received: {name}={value!r}")
    return tuple(None if d is None else int(d) for d in entries)


def check_axes_in_bounds(axis, input_shape):
    """ValueError, as Keras's normalization layers word it, for an axis (int or list)
    outside the input's rank."""
    for a in [axis] if is_int(axis) else axis:
        if not -len(input_shape) <= a < len(input_shape):
            raise ValueError(f"Axis {a} is out of bounds for input shape {input_shape}. "
                             f"Received: axis={axis}")
