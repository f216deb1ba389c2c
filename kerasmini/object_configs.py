"""Keras 3's config dicts for activations, initializers, regularizers and constraints.

An object is saved as `{'module', 'class_name', 'config', 'registered_name'}` and found
again by name in a registry (a plain dict). Nothing named in a config is ever imported
or evaluated: a name that is not in the registry (or in `custom_objects`) is an error.
"""
import inspect
import re

import numpy as np

from kerasmini.object_registration import get_registered_name, registered_objects


def plain(value):
    """NumPy scalars and arrays as Python numbers and lists, so that configs are JSON."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(item) for item in value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def numpy_config(value):
    """A value as Keras serializes it: an array of one or more dimensions as
    {'class_name': '__numpy__', 'config': {'value': nested lists, 'dtype'}}, anything
    else plain."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return {"class_name": "__numpy__",
                "config": {"value": value.tolist(), "dtype": value.dtype.name}}
    return plain(value)


def from_numpy_config(value):
    """numpy_config's array back (its dtype checked by NumPy), other values as they are."""
    if isinstance(value, dict) and value.get("class_name") == "__numpy__":
        config = value.get("config")
        if not isinstance(config, dict) or "value" not in config:
            raise ValueError(f"A '__numpy__' value needs a config with 'value'. Received: "
                             f"{str(value)[:200]}")
        dtype = np.dtype(str(config.get("dtype", "float32")))
        if dtype.kind not in "biuf":  # numbers only: no objects from a file
            raise ValueError(f"A '__numpy__' value must have a numeric dtype. Received: "
                             f"dtype={dtype.name}")
        return np.array(config["value"], dtype=dtype)
    return value


def snake_case(name):
    """'GlorotUniform' -> 'glorot_uniform', 'L1L2' -> 'l1l2': Keras's snake_case names."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def serialize_keras_object(obj, module):
    """`obj` as Keras 3 saves it, e.g. {'module': 'keras.initializers', 'class_name':
    'GlorotUniform', 'config': {...}, 'registered_name': None}.

    Classes defined outside kerasmini (a user's subclass) keep their own module and
    their registered name ('package>Name') as `registered_name`, or their class name
    when unregistered, as Keras does.
    """
    if obj is None:
        return None
    if inspect.isfunction(obj):  # e.g. the initializer made from an array: by name only,
        return {"module": "builtins", "class_name": "function",  # as Keras writes it
                "config": obj.__name__, "registered_name": "function"}
    cls = type(obj)
    registered_name = None
    if not cls.__module__.startswith("kerasmini."):  # 'package>Name' when registered
        module, registered_name = cls.__module__, get_registered_name(cls)
    return {
        "module": module,
        "class_name": cls.__name__,
        "config": plain(obj.get_config()),
        "registered_name": registered_name,
    }


def deserialize(identifier, registry, kind, custom_objects=None, call_functions=True):
    """Turn a name, a config dict, a class or a callable into the object it names.

    Args:
        identifier: None; a name ('glorot_uniform' or 'GlorotUniform'); a dict in Keras 3's
            form or the older {'class_name', 'config'} form; a class (instantiated with
            no arguments); or any callable (returned as it is).
        registry: dict from every accepted name to a class or a function.
        kind: the noun of the error message, e.g. 'initializer' or 'activation function'.
        custom_objects: optional extra {name: class or function}, looked up first; then
            the classes and functions registered with register_keras_serializable and
            those of the load in progress (object_registration.py).
        call_functions: whether a function found in the registry is a factory to call
            (True) or the object itself (False, as for activations).

    Raises:
        ValueError: "Could not interpret {kind} identifier: {identifier}".
    """
    if identifier is None:
        return None
    names = {**registry, **registered_objects(), **(custom_objects or {})}

    def unknown():
        return ValueError(f"Could not interpret {kind} identifier: {identifier}")

    if isinstance(identifier, str):
        if identifier not in names:
            raise unknown()
        return _make(names[identifier], {}, call_functions)

    if isinstance(identifier, dict):
        if "module" in identifier and _users_module(identifier["module"]):
            # a class from __main__ (module null) or the user's own module: a user's
            # class, never the built-in of the same class name (keras.regularizers has
            # an OrthogonalRegularizer too)
            names = {**registered_objects(), **(custom_objects or {})}
        name, config = _name_and_config(identifier, names, kind)
        if name is None and "module" in identifier and identifier["module"] is None:
            raise TypeError(  # Keras's class and words for an unregistered __main__ class
                f"Cannot deserialize object of type `{identifier.get('class_name')}`. If "
                f"`{identifier.get('class_name')}` is a custom class, please register it "
                "using the `@keras.saving.register_keras_serializable()` decorator. "
                f"Received: {kind} {str(identifier)[:200]}")
        if name is None:
            raise unknown()
        return _make(names[name], config, call_functions)

    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise unknown()


def _users_module(module):
    """Whether a config's `module` names the user's code, not Keras's (nor Python's
    builtins, where Keras files functions saved by name)."""
    return module is None or not (module == "builtins" or module == "keras"
                                  or str(module).startswith(("keras.", "kerasmini")))


def _name_and_config(identifier, names, kind):
    """(registry name or None if unknown, config dict) of a config in dict form."""
    if "class_name" not in identifier:
        raise ValueError(f"Unknown `config` as a `dict`, config={identifier}")
    class_name = identifier["class_name"]
    config = identifier.get("config")
    if class_name == "function":  # a function saved by name, e.g. 'relu'
        name, config = config, {}
    else:
        name = class_name
        if identifier.get("registered_name") in names:
            name = identifier["registered_name"]
    if not isinstance(name, str) or name not in names:
        return None, None
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise TypeError(
            f"Expected 'config' to be a dict for {class_name}. Received: "
            f"config={config!r}. Full {kind} config: {identifier}"
        )
    return name, config


def _make(entry, config, call_functions):
    """Build the object a registry entry stands for, from its config."""
    if inspect.isclass(entry):
        if entry.__module__.startswith("kerasmini."):  # a user's class checks its own
            check_value_types(entry, config)
        if hasattr(entry, "from_config"):
            return entry.from_config(config)
        return entry(**config)
    if call_functions:
        return entry(**config)
    return entry


DTYPE_POLICIES = ("DTypePolicy", "FloatDTypePolicy")


def check_value_types(cls, config):
    """Refuse what a kerasmini constructor would silently coerce from a config: a flag
    that is not a bool (bool('no') is True), a bool given as a number, a dtype that is a
    dict but not a DTypePolicy."""
    defaults = {name: p.default for name, p in
                inspect.signature(cls.__init__).parameters.items()
                if p.default is not inspect.Parameter.empty}
    defaults.setdefault("trainable", True)
    for key, value in config.items():
        default = defaults.get(key)
        flag = isinstance(default, bool)
        if (flag and not isinstance(value, bool)) or (
                isinstance(value, bool) and isinstance(default, (int, float)) and not flag):
            raise ValueError(f"Argument `{key}` of {cls.__name__} must be "
                             f"{'a bool' if flag else 'a number, not a bool'}. Received: "
                             f"{key}={value!r}")
    if isinstance(config.get("dtype"), dict):
        dtype_policy_name(config["dtype"], cls.__name__)


def dtype_policy_name(policy, owner):
    """The dtype name a Keras DTypePolicy config dict holds (None when it names none:
    floatx, as Keras's DTypePolicy(None)); a dict of another class or a name that is
    not a str is a ValueError, never the default dtype in silence."""
    inner = policy.get("config")
    inner = {} if inner is None else inner
    if not (policy.get("class_name") in DTYPE_POLICIES and isinstance(inner, dict)
            and set(inner) <= {"name"} and isinstance(inner.get("name"), (str, type(None)))
            and policy.get("module", "keras") is not None  # None: a class of __main__
            and isinstance(policy.get("registered_name"), (str, type(None)))):
        raise ValueError(f"Argument `dtype` of {owner} must be a dtype name or a "
                         f"DTypePolicy config. Received: dtype={str(policy)[:200]}")
    return inner.get("name")
