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
