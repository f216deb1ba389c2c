"""The config of a user's layer that defines no get_config(): its constructor's arguments.

Keras 3 records the arguments a layer was constructed with (`Operation.__new__`) and,
when the class does not override get_config(), saves them as its config, provided every
value is a plain str / int / float / bool / None (in lists, tuples, dicts): anything else
could not be rebuilt by `cls(**config)`, and saving such a layer raises
NotImplementedError. kerasmini does the same for classes defined outside kerasmini (its
own layers all write their configs explicitly).
"""
import inspect

PLAIN = (str, int, float, bool, type(None))


def constructor_arguments(cls, args, kwargs):
    """{argument: value} of `cls(*args, **kwargs)` with defaults filled in and without
    `name` (get_config adds it), or None when they cannot make a config."""
    if cls.__module__.startswith("kerasmini."):
        return None
    try:
        bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
    except TypeError:  # __init__ itself will report the bad call
        return None
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.pop(next(iter(arguments)))  # self
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if parameter.kind is parameter.VAR_POSITIONAL:
            if arguments.pop(name):
                return None  # *args have no names to save under
        elif parameter.kind is parameter.VAR_KEYWORD:
            arguments.update(arguments.pop(name, {}))
    arguments.pop("name", None)
    return arguments if _plain(arguments) else None


def _plain(value):
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    return isinstance(value, PLAIN)


def takes_name(cls):
    """Whether `cls(name=...)` works: Keras keeps `name` in an automatic config only when
    __init__ has a `name` parameter or one called `**kwargs`."""
    parameters = inspect.signature(cls.__init__).parameters
    kwargs = parameters.get("kwargs")
    return "name" in parameters or (kwargs is not None
                                    and kwargs.kind is kwargs.VAR_KEYWORD)


def unsaveable_error(cls):
    return NotImplementedError(
        f"Object {cls.__name__} was created by passing non-serializable argument values "
        "in `__init__()` (or positional-only / variadic ones), and therefore the object "
        "must override `get_config()` in order to be serializable. Please implement "
        "`get_config()` (returning `{**super().get_config(), 'arg1': self.arg1, ...}`).")
