"""Classes a user makes loadable by name: `register_keras_serializable` and
`custom_objects`, as in keras.saving.

A file names a class; kerasmini looks the name up in explicit tables only: its own
layers, the classes registered here (as 'Package>Name', Keras's format), and the
`custom_objects` of the load in progress (a scope, so nested layers of a model see it).
Nothing named in a file is ever imported.
"""
import inspect
import threading

GLOBAL_CUSTOM_OBJECTS = {}
GLOBAL_CUSTOM_NAMES = {}
_scope = threading.local()


def register_keras_serializable(package="Custom", name=None):
    """Decorator: register a class (or a function, e.g. an activation) under
    '{package}>{name or its __name__}'."""
    def decorator(cls):
        if inspect.isclass(cls) and not hasattr(cls, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() "
                             f"method. Received: {cls}")
        if not callable(cls):
            raise ValueError(f"Only classes and functions can be registered. Received: {cls}")
        registered_name = f"{package}>{name or cls.__name__}"
        if registered_name in GLOBAL_CUSTOM_OBJECTS:
            raise ValueError(f"{registered_name} has already been registered to "
                             f"{GLOBAL_CUSTOM_OBJECTS[registered_name]}")
        GLOBAL_CUSTOM_OBJECTS[registered_name] = cls
        GLOBAL_CUSTOM_NAMES[cls] = registered_name
        return cls
    return decorator


def get_registered_name(obj):
    """The name `obj`'s class is registered under, else its own name."""
    cls = obj if inspect.isclass(obj) else type(obj)
    return GLOBAL_CUSTOM_NAMES.get(cls, cls.__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class registered as `name`: the load's custom_objects first, then the
    scope's, the global registry, and module_objects last (as Keras); None if none has
    it."""
    for table in (custom_objects or {}, getattr(_scope, "objects", {}),
                  GLOBAL_CUSTOM_OBJECTS, module_objects or {}):
        if name in table:
            return table[name]
    return None


def registered_objects():
    """{name: class or function}: the global registry and the current custom_objects."""
    return {**GLOBAL_CUSTOM_OBJECTS, **getattr(_scope, "objects", {})}


class CustomObjectScope:
    """`with CustomObjectScope({"MyLayer": MyLayer}):` configs in the block may name the
    classes and functions of the dict given (custom_object_scope is the same class).
    One dict, as Keras 3 (Keras 2 took several)."""

    def __init__(self, custom_objects):
        if custom_objects is not None and not isinstance(custom_objects, dict):
            raise TypeError("The argument of CustomObjectScope must be a dict of {name: "
                            f"class or function}}. Received: {custom_objects!r}")
        self.custom_objects = custom_objects
        self._previous = []

    def __enter__(self):
        previous = getattr(_scope, "objects", {})
        self._previous.append(previous)
        _scope.objects = {**previous, **(self.custom_objects or {})}
        return self

    def __exit__(self, *exc_info):
        _scope.objects = self._previous.pop()


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """The global registry itself ({'Package>Name': class}): entries added to it are
    found when loading, as in Keras."""
    return GLOBAL_CUSTOM_OBJECTS


def check_locatable(config, is_builtin_function):
    """Refuse, as Keras's deserialize_keras_object does (a TypeError 'Could not locate'),
    a config naming a class or function that is neither registered (nor in the
    custom_objects of the load) nor under a `keras` module: e.g. a compile config's
    loss {'module': 'os', 'class_name': 'system'}. Lists and plain dicts of configs (a
    loss per output) are walked; a class's own config is its from_config's business.
    `is_builtin_function(name)`: whether a function saved under module 'builtins' is
    one of kerasmini's (activations, losses, metrics), where Keras looks for it."""
    if isinstance(config, (list, tuple)):
        for item in config:
            check_locatable(item, is_builtin_function)
        return
    if not isinstance(config, dict):
        return
    if "class_name" not in config or "config" not in config:
        for item in config.values():
            check_locatable(item, is_builtin_function)
        return
    kind = "function" if config["class_name"] == "function" else "class"
    name = config["config"] if kind == "function" else config["class_name"]
    module = config.get("module")
    registered = name if kind == "function" else config.get("registered_name") or name
    if not isinstance(name, str) or get_registered_object(str(registered)) is not None:
        return
    if "module" not in config:  # the older {'class_name', 'config'} form: by the kind's table
        return
    if isinstance(module, str) and (module == "keras" or module.startswith("keras.")):
        return  # Keras's own modules: an unknown name there is the kind's ValueError
    if kind == "function" and module == "builtins" and is_builtin_function(name):
        return
    raise TypeError(f"Could not locate {kind} '{name}'. Make sure custom classes and "
                    "functions are decorated with "
                    "`@keras.saving.register_keras_serializable()` or passed in "
                    f"`custom_objects`. Full object config: {str(config)[:300]}")
