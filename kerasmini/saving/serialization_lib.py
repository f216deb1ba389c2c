"""Layer and model configs as Keras 3 writes them, and back.

A config names its class (`"class_name": "Conv2D"`); loading looks that name up in
`_layer_classes()`, an explicit table of the classes kerasmini has, or -- for classes
that Keras keeps outside `keras.layers` (tensor operations, applications' private
layers) -- the pair (module, class name) up in `MODULE_CLASSES`. Nothing named in a
file is ever imported or evaluated.
"""
from kerasmini import layers
from kerasmini.applications import convnext, inception_resnet_v2
from kerasmini.layers import operation
from kerasmini.layers.keras_tensor import KerasTensor, flatten
from kerasmini.serialization import plain


class UnsupportedLayerError(ValueError):
    """A file names a layer class kerasmini does not have."""


def _layer_classes():
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
    ("keras.src.ops.numpy", "Add"): operation.Add,
    ("keras.src.ops.numpy", "Multiply"): operation.Multiply,
    ("keras.src.ops.numpy", "Subtract"): operation.Subtract,
    ("keras.src.ops.numpy", "TrueDivide"): operation.TrueDivide,
}
_MODULE_OF = {cls: module for (module, _), cls in MODULE_CLASSES.items()}

MODEL_MODULES = {"Sequential": ("keras", None),
                 "Functional": ("keras.src.models.functional", "Functional")}


def serialize_layer(layer):
    """{'module', 'class_name', 'config', 'registered_name'} for a layer or model."""
    class_name = type(layer).__name__
    if type(layer) in _MODULE_OF:  # saved under Keras's own module, by registered name
        return {"module": _MODULE_OF[type(layer)], "class_name": class_name,
                "config": plain(layer.get_config()), "registered_name": class_name}
    if class_name not in _layer_classes():
        raise ValueError(f"Layer '{layer.name}' of class {class_name} cannot be saved: "
                         "only kerasmini's built-in layers can.")
    module, registered = MODEL_MODULES.get(class_name, ("keras.layers", None))
    return {"module": module, "class_name": class_name,
            "config": plain(layer.get_config()), "registered_name": registered}


def deserialize_layer(config):
    """The layer or model a config dict describes, built only from known classes."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"A layer config must be a dict with a 'class_name' entry. "
                         f"Received: {str(config)[:200]}")
    class_name = config["class_name"]
    registered = config.get("registered_name")
    module = config.get("module")
    classes = _layer_classes()
    if (module, class_name) in MODULE_CLASSES and registered in (None, class_name):
        classes = {class_name: MODULE_CLASSES[(module, class_name)]}
    elif module == "keras.src.ops.numpy" or str(module).startswith("keras.src.ops."):
        raise UnsupportedLayerError(
            f"Unsupported tensor operation '{class_name}' (module {module!r}) in the "
            f"model graph: kerasmini supports only these operations: "
            f"{sorted(c for m, c in MODULE_CLASSES if m.startswith('keras.src.ops.'))}.")
    elif (class_name not in classes or registered not in (None, class_name)
          or str(module).startswith("keras.src.applications.")):
        name = registered or class_name
        raise UnsupportedLayerError(
            f"Unsupported layer class '{name}' (module {module!r}): "
            f"kerasmini can load only these classes: {sorted(classes)}.")
    inner = config.get("config")
    if not isinstance(inner, dict):
        raise ValueError(f"The config of a '{class_name}' layer must be a dict. "
                         f"Received: {str(inner)[:200]}")
    cls = classes[class_name]
    try:
        return cls.from_config(dict(inner))
    except UnsupportedLayerError:
        raise
    except (TypeError, ValueError, KeyError) as error:
        raise ValueError(f"Could not rebuild layer '{inner.get('name')}' of class "
                         f"{class_name} from its config: {error}") from error


def serialize_node(node, reindex):
    def tensor_config(t):
        history = t._keras_history
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(t.shape), "dtype": t.dtype,
                           "keras_history": [history.operation.name,
                                             reindex[(id(history.operation),
                                                      history.node_index)],
                                             history.tensor_index]}}

    args = node.call_args
    if node.positional:  # an operation: op(x, 3.0) -> args [tensor, 3.0]
        return {"args": [tensor_config(a) if isinstance(a, KerasTensor) else plain(a)
                         for a in args], "kwargs": {}}
    arg = ([tensor_config(t) for t in args] if isinstance(args, (list, tuple))
           else tensor_config(args))
    return {"args": [arg], "kwargs": plain(node.call_kwargs)}


def functional_from_config(cls, config):
    """Rebuild a functional model: make every layer, then replay its calls in order."""
    for key in ("layers", "input_layers", "output_layers"):
        if key not in config:
            raise ValueError(f"A functional model config needs a '{key}' entry.")
    created, pending = {}, {}
    for layer_data in config["layers"]:
        layer = deserialize_layer(layer_data)
        name = layer_data.get("name") or layer.name
        created[name] = layer
        pending[name] = list(layer_data.get("inbound_nodes") or [])

    def tensor(name, node_index, tensor_index):
        if name not in created:
            raise ValueError(f"The model config refers to a layer '{name}' it does not "
                             "define.")
        return created[name]._inbound_nodes[node_index].outputs[tensor_index]

    def resolve(arg, constants=False):
        if constants and isinstance(arg, (int, float)) and not isinstance(arg, bool):
            return arg  # a number an operation was called with (`x + 3.0`)
        if isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__":
            return tensor(*arg["config"]["keras_history"])
        if isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
            return tensor(*arg)  # older form: [name, node_index, tensor_index]
        if isinstance(arg, (list, tuple)):
            return [resolve(a) for a in arg]
        raise ValueError(f"Unsupported node argument in the model config: {str(arg)[:200]}")

    while any(pending.values()):
        progressed = False
        for name, nodes in pending.items():
            while nodes:
                node = nodes[0]
                is_operation = isinstance(created[name], operation.Operation)
                try:
                    args = [resolve(a, constants=is_operation)
                            for a in node.get("args", [])]
                except IndexError:
                    break  # an input comes from a call not replayed yet
                kwargs = {k: v for k, v in (node.get("kwargs") or {}).items()
                          if k == "training" and v is not None}
                if is_operation:
                    created[name](*args)
                    nodes.pop(0)
                    progressed = True
                    continue
                if len(args) != 1:
                    raise ValueError(f"Layer '{name}' is called with {len(args)} positional "
                                     "arguments in the model config; kerasmini layers take "
                                     "one (a tensor or a list of tensors).")
                created[name](args[0], **kwargs)
                nodes.pop(0)
                progressed = True
        if not progressed:
            raise ValueError("Invalid functional model config: its graph has loops or "
                             "disconnected nodes.")

    def structure(value):
        if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
            return tensor(*value)
        if isinstance(value, dict):
            return {k: structure(v) for k, v in value.items()}
        return [structure(v) for v in value]

    inputs = structure(config["input_layers"])
    outputs = structure(config["output_layers"])
    if not all(isinstance(t, KerasTensor) for t in flatten(inputs) + flatten(outputs)):
        raise ValueError("Invalid functional model config: inputs/outputs are not tensors.")
    return cls(inputs, outputs, name=config.get("name"),
               trainable=config.get("trainable", True))
