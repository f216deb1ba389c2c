"""Walking a model config from a file, as plain data: the layers it lists, the values
that set their shapes, and what in it kerasmini cannot load."""
from kerasmini import layers

MAX_DEPTH = 64  # nested models deeper than this are refused, not recursed into

SHAPE_KEYS = ("batch_shape", "batch_input_shape", "units", "filters", "kernel_size",
              "strides", "padding", "dilation_rate", "groups", "pool_size", "data_format",
              "target_shape", "cropping", "axis", "keepdims", "rate", "activation")

# Weight names of Keras's layers in their saving order (the .keras format stores only
# numbers 0, 1, ...), by class, from the config switches that add or drop a weight.
def weight_names(class_name, config):
    if class_name in ("Dense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose",
                      "Conv2DTranspose", "EinsumDense"):
        return ["kernel"] + (["bias"] if config.get("use_bias", True) else [])
    if class_name in ("SimpleRNN", "LSTM", "GRU"):
        return ["kernel", "recurrent_kernel"] + (["bias"] if config.get("use_bias", True)
                                                 else [])
    if class_name == "Embedding":
        return ["embeddings"]
    if class_name == "BatchNormalization":
        return ([*(["gamma"] if config.get("scale", True) else []),
                 *(["beta"] if config.get("center", True) else []),
                 "moving_mean", "moving_variance"])
    return []


KERAS_MODULE_PREFIXES = ("keras", "tf_keras", "tensorflow.keras", "tensorflow.python.keras")
MODEL_CLASSES = ("Sequential", "Functional", "Model")


class ConfigError(ValueError):
    """A model config that is not the shape Keras writes."""


def known_classes():
    from kerasmini.models.layer_configs import MODULE_CLASSES  # lazy: models import layers
    from kerasmini.ops.symbolic import declared_operations
    return (set(layers.__all__) - {"Layer", "InputSpec", "Input"} | set(MODEL_CLASSES)
            | {class_name for _, class_name in [*MODULE_CLASSES, *declared_operations()]})


def walk_layers(config, depth=0, prefix=""):
    """[(path, class_name, layer config dict)] for every layer, nested models included."""
    if depth > MAX_DEPTH:
        raise ConfigError(f"The model config nests models more than {MAX_DEPTH} deep.")
    if not isinstance(config, dict):
        raise ConfigError(f"A layer config must be a JSON object, got {type(config).__name__}.")
    class_name = config.get("class_name")
    inner = config.get("config")
    if not isinstance(class_name, str) or not isinstance(inner, dict):
        raise ConfigError(f"A layer config needs 'class_name' (a string) and 'config' (an "
                          f"object); got {str(config)[:120]}")
    name = str(inner.get("name", "?"))
    rows = [(prefix + name, class_name, config)]
    children = inner.get("layers")
    if isinstance(children, list):
        for child in children:
            rows += walk_layers(child, depth + 1, prefix + name + "/")
    return rows


DEFAULTS = {"strides": [1, 1], "dilation_rate": [1, 1], "groups": 1, "padding": "valid",
            "data_format": "channels_last", "activation": "linear", "keepdims": False}


def shape_settings(inner):
    """'filters=4, kernel_size=[3, 3]' from a layer's config: the shape-setting keys that
    differ from Keras's defaults."""
    parts = []
    for key in SHAPE_KEYS:
        if key in inner and inner[key] is not None:
            value = inner[key]
            if DEFAULTS.get(key) == value or (key in ("strides", "dilation_rate")
                                              and value in (1, [1])):
                continue
            if isinstance(value, dict):  # e.g. a serialized activation object
                value = value.get("class_name", "?")
            parts.append(f"{key}={value}")
    return ", ".join(parts)


def problems(config):
    """What would stop kerasmini loading this config, one line each, in order."""
    out = []
    for path, class_name, layer in walk_layers(config):
        path = path.split("/", 1)[-1]  # below the model itself
        inner = layer["config"]
        registered = layer.get("registered_name")
        module = layer.get("module")
        if class_name == "Lambda":
            out += [f"'{path}': {what}" for what in _lambda_problems(inner)]
        elif class_name == "TFSMLayer":
            out.append(f"'{path}': TFSMLayer (a TensorFlow SavedModel, not Keras layers)")
        elif class_name not in known_classes() or registered not in (None, class_name):
            out.append(f"'{path}': custom class '{registered or class_name}' (module "
                       f"{module!r}): kerasmini has no such layer; pass it as "
                       "custom_objects")
        elif module is not None and not str(module).startswith(KERAS_MODULE_PREFIXES):
            out.append(f"'{path}': class {class_name} from module {module!r}, outside Keras")
        if class_name == "Lambda":  # its function is looked at above
            inner = {key: value for key, value in inner.items() if key != "function"}
        out += [f"'{path}': {what}" for what in _foreign_objects(inner)]
    return out


def _lambda_problems(inner):
    """A Lambda's function: bytecode never loads; a function named in the file loads
    when the loader is given it (registered, or custom_objects), unless it is one of
    Keras's built-in activations."""
    function = inner.get("function")
    if not isinstance(function, dict):
        return ["Lambda layer"]
    if function.get("class_name") == "__lambda__" or inner.get("function_type") == "lambda":
        return ["Lambda layer with serialized Python code (never run by kerasmini)"]
    name = function.get("config")
    if function.get("class_name") == "function" and isinstance(name, str):
        from kerasmini import activations
        if name in activations.ALL_OBJECTS_DICT:
            return []
        return [f"Lambda layer calling function '{name}': loads when that function is "
                "passed as custom_objects or registered"]
    return []


def _foreign_objects(value, depth=0):
    """Serialized objects inside a layer's config (initializers, activations, ...) whose
    module is not Keras's: a user's own functions or classes."""
    if depth > MAX_DEPTH:
        raise ConfigError(f"A layer config nests objects more than {MAX_DEPTH} deep.")
    found = []
    if isinstance(value, dict):
        module = value.get("module")
        if "class_name" in value and "config" in value and value.get("class_name") not in \
                ("__lambda__",) and module is not None and \
                not str(module).startswith(KERAS_MODULE_PREFIXES) and "layers" not in value:
            found.append(f"object '{value.get('registered_name') or value['class_name']}' "
                         f"from module {module!r}, outside Keras")
        for key, item in value.items():
            if key != "layers":  # nested layers are walked by walk_layers
                found += _foreign_objects(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            found += _foreign_objects(item, depth + 1)
    return found
