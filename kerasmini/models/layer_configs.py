"""Layer and model configs as Keras 3 writes them, and back.

A config names its class (`"class_name": "Conv2D"`); loading looks that name up in
an explicit table of the classes kerasmini has (`_layer_classes()`), then among the
user's classes (registered or passed as custom_objects, object_registration.py); classes
that Keras keeps outside `keras.layers` are found by the pair (saved module, class name):
applications' private layers in `MODULE_CLASSES`, tensor operations in ops/symbolic.py's
`declared_operations()`. Nothing named in a file is ever imported or evaluated. The configs of the objects inside a layer
(activations, initializers, ...) are kerasmini/object_configs.py's; reading and
writing files is saving/'s.
"""
import functools
import inspect
import math

import numpy as np

from kerasmini import layers
from kerasmini.applications import convnext, inception_resnet_v2
from kerasmini.layers import operation
from kerasmini.layers.core.lambda_layer import refuse_bytecode
from kerasmini.layers.layer import Layer
from kerasmini.object_registration import GLOBAL_CUSTOM_NAMES, get_registered_object
from kerasmini.object_configs import check_value_types, dtype_policy_name, plain
from kerasmini.ops.symbolic import declared_operations


class UnsupportedLayerError(ValueError):
    """A file names a layer class kerasmini does not have."""


class UnknownClassError(UnsupportedLayerError, TypeError):
    """A file names a user's class that neither custom_objects nor the registry holds
    (a TypeError, as Keras raises it; still an UnsupportedLayerError)."""


MAX_BUILD_INPUT_ELEMENTS = 1 << 24  # a build_config's input shape, built on zeros


@functools.lru_cache(maxsize=None)  # once: rebuilt per layer, a 10**4-layer file took s
def _layer_classes():
    # lazy: the model classes rebuild their own layers from configs with this module
    from kerasmini.models.functional import Functional
    from kerasmini.models.sequential import Sequential
    table = {name: getattr(layers, name) for name in layers.__all__
             if name[0].isupper() and name not in ("Layer", "InputSpec", "Input")}
    table.update(Sequential=Sequential, Functional=Functional, Model=Functional)
    return table


# (saved module, class name) -> class, for what Keras saves under its own module
MODULE_CLASSES = {
    ("keras.src.applications.convnext", "LayerScale"): convnext.LayerScale,
    ("keras.src.applications.convnext", "StochasticDepth"): convnext.StochasticDepth,
    ("keras.src.applications.inception_resnet_v2", "CustomScaleLayer"):
        inception_resnet_v2.CustomScaleLayer,
}
_MODULE_OF = {cls: module for (module, _), cls in MODULE_CLASSES.items()}
# a legacy .h5 names a layer by its Python class, not by the name keras.layers exports
LEGACY_CLASS_NAMES = {"GroupedQueryAttention": "GroupQueryAttention"}


def _legacy_operation(class_name, config, operations):
    """Whether a legacy .h5 entry (classes named without modules) is a tensor operation
    (`x + y`, `ops.mean(x)`, `x[:, 0]`): its name is an operation's, and it is no layer's
    or its config lacks what every layer's holds (`trainable`; `x + y` is saved as class
    'Add' beside the Add layer)."""
    if class_name not in {name for _, name in operations}:
        return False
    return (class_name not in _layer_classes()
            or "trainable" not in (config.get("config") or {}))

MODEL_MODULES = {"Sequential": ("keras", None),
                 "Functional": ("keras.src.models.functional", "Functional")}


def serialize_layer(layer):
    """{'module', 'class_name', 'config', 'registered_name'} for a layer or model."""
    class_name = _exported_name(type(layer))
    if isinstance(layer, operation.Operation):  # x + y, keras.ops.mean(x), ...
        return {"module": layer.spec.module, "class_name": layer.spec.class_name,
                "config": plain(layer.get_config()), "registered_name": class_name}
    if type(layer) in _MODULE_OF:  # saved under Keras's own module, by registered name
        return {"module": _MODULE_OF[type(layer)], "class_name": class_name,
                "config": plain(layer.get_config()), "registered_name": class_name}
    users = type(layer) is not _layer_classes().get(class_name)  # e.g. a Dense subclass
    if users or type(layer) in GLOBAL_CUSTOM_NAMES:
        return _serialize_user_layer(layer)
    module, registered = MODEL_MODULES.get(class_name, ("keras.layers", None))
    return {"module": module, "class_name": class_name,
            "config": plain(layer.get_config()), "registered_name": registered}


def serialize_sublayer(layer):
    """A layer held by another (RNN's cell, Bidirectional's and TimeDistributed's layer,
    a functional model's layers) as Keras writes it there: with the input shape it was
    built on, once built, and a nested model's compile config."""
    config = serialize_layer(layer)
    shape = getattr(layer, "_build_shape", None)
    if layer.built and shape is not None and "build_config" not in config:
        config["build_config"] = {"input_shape": list(shape)}
    if hasattr(layer, "get_compile_config"):  # a nested model: Keras writes {} uncompiled
        config["compile_config"] = layer.get_compile_config() or {}
    return config


def _exported_name(cls):
    """The name a file gives a built-in class: its own, or the one keras.layers exports
    it under (GroupQueryAttention, whose class is GroupedQueryAttention, as in Keras)."""
    classes = _layer_classes()
    if classes.get(cls.__name__) is cls:
        return cls.__name__
    return next((name for name, c in classes.items() if c is cls), cls.__name__)


def _serialize_user_layer(layer):
    """A user's class as Keras writes it: its module (None for `__main__`), class name,
    registered name ('Package>Name', or the class name when unregistered), config, and
    the input shape it was built for. Loading needs the class from the user."""
    cls = vars(type(layer)).get("_functional_of", type(layer))  # CustomModel(inputs, ...)
    module = None if cls.__module__ == "__main__" else cls.__module__
    config = {"module": module, "class_name": cls.__name__,
              "config": plain(layer.get_config()),
              "registered_name": GLOBAL_CUSTOM_NAMES.get(cls, cls.__name__)}
    shape = getattr(layer, "_build_shape", None)
    if layer.built and shape is not None:
        config["build_config"] = {"input_shape": plain(shape)}
    return config


def _find_class(config, class_name, registered):
    """A user's class (by registered name, then class name), else kerasmini's own."""
    cls = get_registered_object(registered) if registered else None
    cls = cls or get_registered_object(class_name)
    if cls is not None:
        if not (isinstance(cls, type) and issubclass(cls, Layer)):
            raise UnsupportedLayerError(
                f"custom_objects['{registered or class_name}'] must be a "
                f"subclass of kerasmini.layers.Layer. Received: {cls!r}")
        return cls
    if "module" in config and _is_users_module(config["module"]):
        raise UnknownClassError(
            f"Could not locate class '{class_name}' (registered name {registered!r}, "
            f"module {config['module']!r}). kerasmini imports nothing a file names: pass "
            f"the class as load_model(..., custom_objects={{'{registered or class_name}': "
            f"{class_name}}}), or decorate it with "
            "`@kerasmini.saving.register_keras_serializable()` before loading.")
    module = str(config.get("module"))
    if (module, class_name) in MODULE_CLASSES and registered in (None, class_name):
        return MODULE_CLASSES[(module, class_name)]
    operations = declared_operations()
    if (module, class_name) in operations and registered in (None, class_name):
        return operation.operation_class(operations[(module, class_name)])
    if "module" not in config and class_name in LEGACY_CLASS_NAMES:  # legacy .h5
        return _layer_classes()[LEGACY_CLASS_NAMES[class_name]]
    if "module" not in config and _legacy_operation(class_name, config, operations):
        by_name = {name: key for key, name in ((k, k[1]) for k in operations)}
        return operation.operation_class(operations[by_name[class_name]])
    if module.startswith("keras.src.ops."):
        raise UnsupportedLayerError(
            f"Unsupported tensor operation '{class_name}' (module {module!r}) in the "
            f"model graph: kerasmini supports only these operations: "
            f"{sorted({c for m, c in [*MODULE_CLASSES, *declared_operations()] if m == module})}.")
    if class_name == "Lambda" and isinstance(config.get("config"), dict):
        refuse_bytecode(config["config"], UnsupportedLayerError)
    classes = _layer_classes()
    if (class_name not in classes or registered not in (None, class_name)
            or module.startswith("keras.src.applications.")):
        name = registered or class_name
        raise UnsupportedLayerError(
            f"Unsupported layer class '{name}' (module {module!r}): "
            f"kerasmini can load only these classes: {sorted(classes)}, and a user's "
            "own classes passed as custom_objects or registered with "
            "kerasmini.saving.register_keras_serializable.")
    return classes[class_name]


def _is_users_module(module):
    """Keras writes its own classes under keras.*, a user's under their module (None
    for a class defined in `__main__`)."""
    return not (isinstance(module, str) and module.split(".")[0].startswith("keras"))


def _build_from_config(layer, build_config):
    """Build a layer as its saved build_config says (Keras's `build_from_config`): a
    user's layer or subclassed model is called once on zeros of that shape (unknown
    sizes as 1), which creates the weights its build() and call() make."""
    shape = build_config.get("input_shape") if isinstance(build_config, dict) else None
    if shape is None or layer.built:
        return
    if _call_needs_several(layer) and _is_shape(shape):  # call(x, y): built, as Keras
        layer._build_or_undo(tuple(shape))  # builds it, on the first argument's shape
    else:
        inputs = _zeros_for(shape, layer)
        try:
            layer(inputs[0] if len(inputs) == 1 and not _is_shape_list(shape) else inputs)
        except (TypeError, ValueError):
            if not layer.built:
                raise
            # built, and its call needs more than this one tensor (call(x, other=y)):
            # the graph's replay calls it as the file says, and raises if that fails
    layer._build_shape = shape  # saved again as it was read, not as the zeros' shape


def _call_needs_several(layer):
    """Whether the layer's call() takes more than one required positional argument."""
    parameters = list(inspect.signature(layer.call).parameters.values())
    return sum(p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                   p.POSITIONAL_OR_KEYWORD)
               for p in parameters) > 1


def _is_shape(shape):
    return isinstance(shape, (list, tuple)) and all(
        d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0)
        for d in shape)


def _is_shapes(value):
    """A shape, or a (nested) list or dict of shapes, as build_config holds them."""
    if isinstance(value, dict):
        return all(_is_shapes(v) for v in value.values())
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, (list, tuple, dict)) for v in value):
        return all(_is_shapes(v) for v in value)
    return _is_shape(value)


def _check_build_config(build_config, name):
    """Keras builds a layer from its build_config ({'input_shape': shape(s)} or
    {'shapes_dict': {...}}) before anything else: one of another form fails there, and
    is refused here rather than ignored (kerasmini builds its layers from the graph)."""
    if build_config is None:
        return
    shapes = build_config.get("input_shape", build_config.get("shapes_dict")) \
        if isinstance(build_config, dict) else build_config
    if not isinstance(build_config, dict) or not (shapes is None or _is_shapes(shapes)):
        raise ValueError(f"The build_config of layer '{name}' must be a dict giving its "
                         "input shape as a list of sizes (ints or null). Received: "
                         f"build_config={str(build_config)[:200]}")


def _check_graph_build_configs(model, config):
    """Each layer of a Sequential or functional model is built by its calls in the
    graph; its saved build_config must fit the shapes those calls gave it (Keras builds
    from the build_config first, and then fails on the calls if it does not fit)."""
    if not isinstance(config.get("layers"), list) or not hasattr(model, "layers"):
        return
    layers = {layer.name: layer for layer in model.layers}
    for entry in config["layers"]:
        saved = entry.get("build_config") if isinstance(entry, dict) else None
        layer = layers.get((entry.get("config") or {}).get("name")) if saved else None
        built = getattr(layer, "_build_shape", None)
        if layer is not None and built is not None and not _fits(
                saved.get("input_shape"), built):
            raise ValueError(f"The build_config of layer '{layer.name}' gives input shape "
                             f"{str(saved.get('input_shape'))[:200]}, but its inputs in "
                             f"the model have shape {built}.")


def _fits(saved, built):
    """Whether a saved input shape (or structure of them) agrees with the built one:
    the same ranks, and sizes equal where both are known (the batch size aside)."""
    if saved is None:
        return True
    if _is_shape(saved) and _is_shape(built):
        return len(saved) == len(built) and all(
            a is None or b is None or a == b for a, b in list(zip(saved, built))[1:])
    if isinstance(saved, (list, tuple)) and isinstance(built, (list, tuple)):
        return len(saved) == len(built) and all(map(_fits, saved, built))
    return False


def _is_shape_list(shape):
    return isinstance(shape, list) and shape and all(isinstance(s, list) for s in shape)


def _zeros_for(shape, layer):
    """[zeros] for one input shape, [zeros, ...] for a list of them (None as 1)."""
    shapes = shape if _is_shape_list(shape) else [shape]
    arrays = []
    for s in shapes:
        if not (isinstance(s, list) and s and all(
                d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0)
                for d in s)):
            raise ValueError(f"The build_config of layer '{layer.name}' must give an input "
                             f"shape as a list of sizes. Received: input_shape={shape!r}")
        sizes = [1 if d is None else d for d in s]
        if math.prod(sizes) > MAX_BUILD_INPUT_ELEMENTS:
            raise ValueError(f"Not allowed: layer '{layer.name}' would be built on an "
                             f"input of shape {s} ({math.prod(sizes)} values, more "
                             f"than {MAX_BUILD_INPUT_ELEMENTS}).")
        arrays.append(np.zeros(sizes, layer.dtype))
    return arrays


def _check_layer_values(cls, config):
    """check_value_types, with Keras's classes: a dtype policy config is read before the
    constructor (a ValueError there); what the constructor would refuse is a TypeError
    when the class has the base from_config (which wraps the constructor's refusals),
    its own class otherwise (LSTM, Bidirectional, wrappers, models)."""
    if isinstance(config.get("dtype"), dict):
        dtype_policy_name(config["dtype"], cls.__name__)
    if getattr(cls.from_config, "__func__", None) is not Layer.from_config.__func__:
        check_value_types(cls, config)  # its own from_config: no wrap, as in Keras
        return
    try:
        check_value_types(cls, config)
    except ValueError as error:
        raise TypeError(f"Error when deserializing class '{cls.__name__}': {error}") \
            from error


def deserialize_layer(config):
    """The layer or model a config dict describes, built only from known classes."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"A layer config must be a dict with a 'class_name' entry. "
                         f"Received: {str(config)[:200]}")
    class_name = config["class_name"]
    registered = config.get("registered_name")
    if not isinstance(class_name, str) or not isinstance(registered, (str, type(None))):
        raise ValueError("A layer config's 'class_name' must be a string and its "
                         f"'registered_name' a string or null. Received: class_name="
                         f"{str(class_name)[:100]}, registered_name={str(registered)[:100]}")
    cls = _find_class(config, class_name, registered)
    inner = config.get("config")
    if not isinstance(inner, dict):
        raise ValueError(f"The config of a '{class_name}' layer must be a dict. "
                         f"Received: {str(inner)[:200]}")
    if cls.__module__.startswith("kerasmini."):  # a user's class checks its own
        _check_layer_values(cls, inner)
    _check_build_config(config.get("build_config"), inner.get("name"))
    try:
        layer = cls.from_config(dict(inner))
        if cls.__module__.startswith("kerasmini."):
            _check_graph_build_configs(layer, inner)
            return layer
        _build_from_config(layer, config.get("build_config"))
        return layer
    except UnsupportedLayerError:
        raise
    except RecursionError:  # a config handed to from_config directly: files are bounded
        raise ValueError(f"The config of layer '{inner.get('name')}' of class {class_name} "
                         "nests too deeply to be a Keras config.") from None
    except TypeError as error:  # Keras's deserialize_keras_object wraps these alone
        raise TypeError(f"Layer '{inner.get('name')}' of class {class_name} could not be "
                        f"deserialized properly from its config: {error}") from error
    except (ValueError, KeyError, AttributeError, IndexError) as error:
        # a malformed config, whatever the form it takes
        raise ValueError(f"Could not rebuild layer '{inner.get('name')}' of class "
                         f"{class_name} from its config: {error}") from error
