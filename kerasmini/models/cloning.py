"""keras.models.clone_model: the same architecture with new layers and new weights.

A Sequential or functional model is rebuilt from its config (so every layer is made anew
and initialized afresh, as Keras does); `clone_function(layer)` may make each layer
instead (input layers are always remade from their config, as in Keras). A Lambda is
remade around the same function (its config holds that function's bytecode or name,
which no loader runs or resolves; tf.keras's clone_model refuses such a model). A
subclassed model is rebuilt through its own get_config / from_config.
"""
from kerasmini.layers.core.input_layer import InputLayer
from kerasmini.layers.core.lambda_layer import Lambda
from kerasmini.models.functional import Functional, functional_from_config
from kerasmini.models.layer_configs import deserialize_layer
from kerasmini.models.model import Model
from kerasmini.models.sequential import Sequential


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    if kwargs:
        raise ValueError(f"Unexpected keyword argument(s): {tuple(kwargs.keys())}")
    if not isinstance(model, Model):
        raise ValueError("Expected `model` argument to be a `Model` instance. "
                         f"Received: model={model}")
    _refuse("input_tensors", input_tensors, None)
    _refuse("call_function", call_function, None)
    _refuse("recursive", recursive, False)
    if clone_function is not None and not callable(clone_function):
        raise ValueError("Expected `clone_function` to be a callable. "
                         f"Received: clone_function={clone_function}")
    config = model.get_config()
    if isinstance(model, Sequential):
        return Sequential.from_config(config, make_layer=_layer_maker(model, clone_function))
    if isinstance(model, Functional):
        return functional_from_config(type(model), config,
                                      _layer_maker(model, clone_function))
    if clone_function is not None:
        raise ValueError("Arguments `clone_function` and `input_tensors` are only "
                         "supported for Sequential models or Functional models. Received "
                         f"model of type '{type(model).__name__}', with clone_function="
                         f"{clone_function} and input_tensors={input_tensors}")
    return type(model).from_config(config)


def _refuse(name, value, default):
    if value is not default and value != default:
        raise ValueError(f"kerasmini's clone_model does not support `{name}` (only "
                         f"{name}={default!r}: clone the model, then call it on your "
                         f"tensors). Received: {name}={value!r}")


def _layer_maker(model, clone_function):
    """layer config -> the new layer: from the config (a Lambda: around the same
    function), or clone_function(the original) for every layer but the inputs."""
    originals = {layer.name: layer for layer in _all_layers(model)}

    def make(layer_config):
        name = layer_config.get("config", {}).get("name")
        original = originals.get(name)
        if original is None or isinstance(original, InputLayer):
            return deserialize_layer(layer_config)
        if clone_function is None:
            return (original.clone() if type(original) is Lambda
                    else deserialize_layer(layer_config))
        clone = clone_function(original)
        if clone is original:
            raise ValueError(f"clone_function returned the layer '{name}' itself; it must "
                             "return a new layer (a layer cannot be in two models here).")
        return clone
    return make


def _all_layers(model):
    return list(getattr(model, "_operations", None) or model._layers)
