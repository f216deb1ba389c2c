"""A functional model's rows: one per layer call, in the graph's order.

The model already knows its nodes (layer calls) by depth, 0 being the output end, so
walking them deepest first meets every call after the calls that feed it. Each call is
explained on the shapes its inbound calls produced -- a merge layer gets a list of
shapes -- starting from the given input shapes, or the model's own Inputs.
"""
from collections import defaultdict

from kerasmini.explain.derivations import explain_layer, is_shape_list
from kerasmini.layers.keras_tensor import KerasTensor, map_structure


def is_graph(model):
    """A functional model: it has nodes by depth (a Sequential or a list of layers has not)."""
    return isinstance(getattr(model, "_nodes_by_depth", None), dict)


def given_input_shapes(model, input_shape):
    """One shape per model input: the ones given (a list for several inputs) or declared."""
    if input_shape is None:
        return [tuple(t.shape) for t in model.inputs]
    shapes = ([tuple(s) for s in input_shape] if is_shape_list(input_shape)
              else [tuple(input_shape)])
    if len(shapes) != len(model.inputs):
        names = ", ".join(t.name for t in model.inputs)
        raise ValueError(f"model '{model.name}' has {len(model.inputs)} inputs ({names}): "
                         f"explain needs one shape for each, in a list; got {len(shapes)}")
    return shapes


def graph_rows(model, input_shapes):
    """[(call label, Explanation or None if not reached)], [[inbound labels]] and the
    model's output shape(s)."""
    nodes = ordered_nodes(model)
    labels = call_labels(nodes)
    shapes = {id(t): shape for t, shape in zip(model.inputs, input_shapes)}
    rows, sources = [], []
    for node in nodes:
        sources.append([labels[_producer(t)] for t in node.input_tensors])
        explanation = explain_call(node, shapes)
        rows.append((labels[node], explanation))
        ok = explanation is not None and explanation.ok
        for tensor in node.outputs:
            shapes[id(tensor)] = explanation.output_shape if ok else None
    output_shape = map_structure(lambda t: shapes.get(id(t)), model._outputs_struct)
    return rows, sources, output_shape


def explain_call(node, shapes):
    """One call on the shapes its inputs were given; None when an input has no shape."""
    if node.is_input:
        return explain_layer(node.operation, shapes[id(node.outputs[0])])
    if any(shapes.get(id(t)) is None for t in node.input_tensors):
        return None
    # an operation's plain-number arguments (x + 3.0) have the shape ()
    return explain_layer(node.operation, map_structure(
        lambda t: shapes[id(t)] if isinstance(t, KerasTensor) else (), node.call_args))


def ordered_nodes(model):
    """Every layer call of the model, deepest first; ties in the order of its operations
    (`model.layers` and the tensor operations such as `x + y`)."""
    operations = getattr(model, "_operations", None) or model.layers
    position = {id(layer): n for n, layer in enumerate(operations)}

    def key(node):
        return position[id(node.operation)], node.operation._inbound_nodes.index(node)

    return [node for depth in sorted(model._nodes_by_depth, reverse=True)
            for node in sorted(model._nodes_by_depth[depth], key=key)]


def call_labels(nodes):
    """'conv' for a layer called once; 'conv[0]', 'conv[1]' for each call of a shared one."""
    calls = defaultdict(list)
    for node in nodes:
        calls[node.operation].append(node)
    labels = {}
    for layer, own in calls.items():
        own.sort(key=layer._inbound_nodes.index)
        for n, node in enumerate(own):
            labels[node] = layer.name if len(own) == 1 else f"{layer.name}[{n}]"
    return labels


def repeated_calls(model):
    """{label of a shared layer's later call: label of its first call} (weights counted once)."""
    labels = call_labels(ordered_nodes(model))
    first = {}
    for node in sorted(labels, key=lambda n: n.operation._inbound_nodes.index(n)):
        first.setdefault(node.operation, labels[node])
    return {label: first[node.operation] for node, label in labels.items()
            if first[node.operation] != label}


def is_chain(sources, labels):
    """One input, and each call fed by the call just before it: no 'from' column needed."""
    return sources[:1] == [[]] and all(
        source == [previous] for previous, source in zip(labels, sources[1:]))


def _producer(tensor):
    layer, node_index, _ = tensor._keras_history
    return layer._inbound_nodes[node_index]
