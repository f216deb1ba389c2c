"""What a model config read from a file (or a JSON string) may cost, checked around the
one call that builds it.

A few bytes of config can ask for anything: Dense(units=10**12), 200,000 layers,
RepeatVector(n=2**31) after a small input. Three bounds, each checked before the cost
is paid:

  * layers: at most MAX_LAYERS layer configs, counted in the JSON before any is built
    (the largest Keras application has about 800; building costs ~0.3 ms a layer);
  * weights: the bytes of weights the layers create may not exceed the bytes of
    weights the file holds (Keras stores them uncompressed), counted by
    variables.reserve() as each weight is declared, before it is allocated;
  * activations: no tensor of the built graph may hold more than MAX_SAMPLE_VALUES
    values per sample (1 GiB of float32; the largest Keras application's largest
    holds about 7 million), checked from the graph's symbolic shapes before the model
    is returned, so that predict on one sample cannot be asked for terabytes.
"""
import math

from kerasmini.saving.safe_reading import UnsafeFileError
from kerasmini.variables import allocation_limit

MAX_LAYERS = 20_000
MAX_SAMPLE_VALUES = 1 << 28


def build_bounded(config, max_weight_bytes, where):
    """The model `config` describes, refused (UnsafeFileError, a ValueError) when it
    breaks one of the bounds above."""
    from kerasmini.models.layer_configs import deserialize_layer  # models import saving
    count_layers(config, where)
    with allocation_limit(max_weight_bytes, where):
        model = deserialize_layer(config)
    check_tensor_sizes(model, where)
    return model


def count_layers(config, where):
    """Refuse a config listing more than MAX_LAYERS layers, nested models included."""
    count, stack = 0, [config]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            layers = value.get("layers")
            if isinstance(layers, list):
                count += len(layers)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    if count > MAX_LAYERS:
        raise UnsafeFileError(f"Not allowed: {where} describes {count} layers, more than "
                              f"the limit of {MAX_LAYERS} (the largest Keras application "
                              "has about 800).")


def check_tensor_sizes(model, where):
    """Refuse a built model one of whose symbolic tensors holds more than
    MAX_SAMPLE_VALUES values per sample (nested models included)."""
    stack, seen = [model], set()
    while stack:
        layer = stack.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        graph = getattr(layer, "_graph", None) or layer
        for node in getattr(graph, "_nodes", ()):
            for tensor in node.outputs:
                _check_tensor(tensor, node.operation, where)
            stack.append(node.operation)


def _check_tensor(tensor, operation, where):
    shape = getattr(tensor, "shape", None)
    if not isinstance(shape, tuple) or len(shape) < 2:
        return
    values = math.prod(int(n) for n in shape[1:] if n is not None)
    if values > MAX_SAMPLE_VALUES:
        raise UnsafeFileError(f"Not allowed: in the model of {where}, the output of layer "
                              f"'{operation.name}' has the shape {shape}: {values} values "
                              f"per sample, more than the limit of {MAX_SAMPLE_VALUES} "
                              "(1 GiB of float32).")
