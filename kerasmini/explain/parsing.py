"""Reading a layer and a shape from the command line, safely.

"Conv2D(filters=5, kernel_size=3, strides=(2, 2))" is parsed with `ast`, never eval'd:
the callee must name a class in `kerasmini.layers`, and every argument must be a
literal (numbers, strings, tuples, lists, dicts, None, True/False), read with
`ast.literal_eval`. Anything else -- names, calls, attribute access, operators, `*args`
-- is refused with a message saying what was found.
"""
import ast

from kerasmini import layers as layers_module
from kerasmini.layers.layer import Layer

MAX_LENGTH = 2000
PREFIXES = ("layers", "keras.layers", "tf.keras.layers", "tensorflow.keras.layers",
            "kerasmini.layers")


class ParseError(ValueError):
    """The text is not a literal-only layer call or shape."""


def parse_layer(text):
    """'Conv2D(filters=5, kernel_size=3)' -> a kerasmini Conv2D; a bare name calls with ()."""
    if len(text) > MAX_LENGTH:
        raise ParseError(f"layer text longer than {MAX_LENGTH} characters")
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        raise ParseError(f"cannot read {text!r} as a layer call: {error.msg}") from None
    call = node if isinstance(node, ast.Call) else ast.Call(func=node, args=[], keywords=[])
    cls = _layer_class(call.func, text)
    args, kwargs = [], {}
    for arg in call.args:
        if isinstance(arg, ast.Starred):
            raise ParseError("*args is not allowed; write the arguments out")
        args.append(_literal(arg, text))
    for keyword in call.keywords:
        if keyword.arg is None:
            raise ParseError("**kwargs is not allowed; write the arguments out")
        kwargs[keyword.arg] = _literal(keyword.value, text)
    try:
        return cls(*args, **kwargs)
    except TypeError as error:  # e.g. an unknown or missing argument
        raise ParseError(f"{cls.__name__}: {error}") from None


def parse_shape(text):
    """'10,8,16,3', '(None, 28, 28, 1)' or '?,28,28,1' -> a tuple (None for unknown)."""
    stripped = text.strip().strip("()[]").strip()
    parts = [part.strip() for part in stripped.split(",")] if stripped else []
    if parts and parts[-1] == "":  # '(8,)'
        parts.pop()
    shape = []
    for part in parts:
        if part in ("None", "?", "none"):
            shape.append(None)
        elif part.isdigit() and int(part) > 0:
            shape.append(int(part))
        else:
            raise ParseError(f"input shape {text!r}: {part!r} is not a positive integer or "
                             "None (write it as comma-separated sizes, e.g. 10,8,16,3)")
    if not shape:
        raise ParseError(f"input shape {text!r} is empty (e.g. 10,8,16,3)")
    return tuple(shape)


def _layer_class(func, text):
    name = _dotted_name(func)
    if name is None:
        raise ParseError(f"{text!r} does not start with a layer name, e.g. Conv2D(...)")
    prefix, _, short = name.rpartition(".")
    cls = getattr(layers_module, short, None) if not short.startswith("_") else None
    if (prefix and prefix not in PREFIXES) or not (isinstance(cls, type)
                                                   and issubclass(cls, Layer)):
        known = ", ".join(sorted(n for n in dir(layers_module) if _is_layer(n)))
        raise ParseError(f"unknown layer {name!r}; kerasmini.layers has: {known}")
    return cls


def _dotted_name(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted_name(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _is_layer(name):
    value = getattr(layers_module, name)
    return isinstance(value, type) and issubclass(value, Layer) and value is not Layer


def _literal(node, text):
    try:
        return ast.literal_eval(node)
    except ValueError:
        source = ast.get_source_segment(text.strip(), node) or ast.dump(node)
        raise ParseError(f"only literal arguments are allowed (numbers, strings, tuples, "
                         f"None, True/False); got {source!r}") from None
