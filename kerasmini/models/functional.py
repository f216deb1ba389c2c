"""Functional: a model whose layers form a graph, from `Model(inputs, outputs)`."""
import inspect
from collections import Counter, defaultdict

import numpy as np

from kerasmini import autodiff

from kerasmini.layers.keras_tensor import KerasTensor, flatten, map_structure
from kerasmini.layers.layer import names_reserved
from kerasmini.layers.operation import Operation
from kerasmini.models.layer_configs import (deserialize_layer, serialize_layer,
                                            serialize_sublayer)
from kerasmini.models.inference import Plan
from kerasmini.models.model import Model, layer_row
from kerasmini.object_configs import plain
from kerasmini.ops.dtypes import standardize_dtype


class Functional(Model):
    """A graph of layers from Input tensors to output tensors (branches and merges).

    Running it evaluates each recorded layer call once, deepest first, on arrays.
    """
    keras_call_takes_mask = True  # Keras's call(inputs, training, mask): see Layer

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        kwargs.pop("dtype", None)
        if isinstance(inputs, dict):
            inputs = dict(inputs)
        for t in flatten(inputs) + flatten(outputs):
            if not isinstance(t, KerasTensor):
                raise ValueError("All `inputs` and `outputs` of a functional model must be "
                                 f"symbolic tensors (from `kerasmini.Input` and layer "
                                 f"calls). Received: {t!r}")
        for t in flatten(inputs):
            if not t._keras_history.operation._inbound_nodes[
                    t._keras_history.node_index].is_input:
                raise ValueError("Model inputs must come from `kerasmini.Input()`. "
                                 f"Received: {t!r}")
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self.inputs, self.outputs = flatten(inputs), flatten(outputs)
        self._nodes, self._nodes_by_depth, self._operations = map_graph(self.inputs,
                                                                        self.outputs)
        self._plan = Plan(self._nodes_by_depth, self.outputs)  # how call() walks the graph
        # as in Keras, `layers` leaves out tensor operations (`x + y`): they have no
        # weights; summary() and the config list every operation
        self._layers = [op for op in self._operations if not isinstance(op, Operation)]
        super().__init__(name=name, trainable=trainable, **kwargs)
        self.built = True

    # ----- Keras's Functional: its inputs and outputs, one tensor unwrapped -------------
    @property
    def input(self):
        return _single(self._inputs_struct)

    @property
    def output(self):
        return _single(self._outputs_struct)

    @property
    def input_shape(self):
        return _single(map_structure(lambda t: t.shape, self._inputs_struct))

    @property
    def output_shape(self):
        return _single(map_structure(lambda t: t.shape, self._outputs_struct))

    def call(self, inputs, training=None):
        values = {}
        given = self._inputs_struct
        if isinstance(given, dict):
            if not isinstance(inputs, dict):
                raise ValueError(f"Model '{self.name}' expects a dict of inputs with keys "
                                 f"{sorted(given)}.")
            pairs = [(given[k], inputs[k]) for k in given]
        elif isinstance(inputs, dict):  # keyed by the names of the Input layers
            names = [t._keras_history.operation.name for t in self.inputs]
            if sorted(inputs) != sorted(names):
                raise ValueError(f"Model '{self.name}' expects inputs named {names}. "
                                 f"Received a dict with keys {sorted(inputs)}.")
            pairs = [(t, inputs[name]) for t, name in zip(self.inputs, names)]
        else:
            arrays = flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
            if len(arrays) != len(self.inputs):
                raise ValueError(f"Model '{self.name}' expects {len(self.inputs)} "
                                 f"input(s), but it received {len(arrays)} input tensors.")
            pairs = list(zip(self.inputs, arrays))
        for tensor, array in pairs:
            array = np.asanyarray(array)
            if tensor.dtype == "string":  # category names: the StringLookup checks them
                values[id(tensor)] = array
                continue
            if array.dtype.kind not in "biuf":  # '1' must not quietly become 1.0
                raise ValueError(f"Input {tensor.name!r} of model '{self.name}' expects "
                                 f"numeric input. Received: inputs with dtype={array.dtype}")
            array = autodiff.track(array)  # recorded inputs stay recorded
            expected = tensor.shape
            if array.ndim != len(expected) or any(
                    e is not None and e != a for e, a in zip(expected[1:], array.shape[1:])):
                raise ValueError(f"Input {tensor.name!r} of model '{self.name}' expects "
                                 f"shape {expected}, but it received an input with shape "
                                 f"{array.shape}.")
            values[id(tensor)] = array.astype(tensor.dtype, copy=False)
        self._plan.run(values, training)
        outputs = map_structure(lambda t: values[id(t)], self._outputs_struct)
        # as Keras: Model(x, [y]) called on arrays returns y's array, not a list of one
        single = isinstance(outputs, (list, tuple)) and len(outputs) == 1
        return outputs[0] if single else outputs

    def output_masks(self, inputs):
        """[mask or None] per output (self.outputs' order) for these inputs: the masks
        Keras's outputs carry (Embedding(mask_zero=True), Masking), which fit's loss
        reads; None when no output carries one. The mask subgraph runs on its own."""
        masks = [t._keras_mask for t in self.outputs]
        if all(m is None for m in masks):
            return None
        if getattr(self, "_mask_model", None) is None:
            self._mask_model = Functional(self._inputs_struct,  # named: no auto-name used
                                          [m for m in masks if m is not None],
                                          name=f"{self.name}_masks")
        values = iter(flatten(self._mask_model.call(inputs, training=False)))
        return [None if m is None else np.asarray(next(values), bool) for m in masks]

    def compute_output_shape(self, input_shape):
        return map_structure(lambda t: t.shape, self._outputs_struct)

    def build(self, input_shape):
        self.built = True

    # ----- summary -----------------------------------------------------------------
    def _summary_rows(self):
        sequential_like = True
        nodes = []
        for depth_nodes in self._nodes_by_depth.values():
            if len(depth_nodes) > 1 or (len(depth_nodes) == 1
                                        and len(depth_nodes[0].input_tensors) > 1):
                sequential_like = False
                break
            nodes += depth_nodes
        if sequential_like:  # a layer called twice makes a graph too
            for layer in self._operations:
                if sum(node in nodes for node in layer._inbound_nodes) > 1:
                    sequential_like = False
        rows = []
        for layer in self._operations:
            own = [n for n in layer._inbound_nodes if n in self._nodes]
            shape = None
            if own:
                shapes = [t.shape for t in own[-1].outputs]
                shape = shapes[0] if len(shapes) == 1 else shapes
            row = layer_row(layer, shape)
            connections = []
            for node in own:
                for t in node.shown_tensors:
                    history = t._keras_history
                    connections.append(f"{history.operation.name}[{history.node_index}]"
                                       f"[{history.tensor_index}]")
            rows.append(row + [", ".join(connections) or "-"])
        return rows, sequential_like

    # ----- config ------------------------------------------------------------------
    def get_config(self):
        reindex = {}
        for layer in self._operations:
            kept = 0
            for index, node in enumerate(layer._inbound_nodes):
                if node in self._nodes:
                    reindex[(id(layer), index)] = kept
                    kept += 1
        layer_configs = []
        for layer in self._operations:
            # a built layer's entry holds its input shape (build_config), as in Keras;
            # a tensor operation's (x + y) does not
            config = (serialize_layer(layer) if isinstance(layer, Operation)
                      else serialize_sublayer(layer))
            config["name"] = layer.name
            config["inbound_nodes"] = [serialize_node(node, reindex)
                                       for node in layer._inbound_nodes
                                       if node in self._nodes and not node.is_input]
            layer_configs.append(config)

        def tensor_config(t):
            history = t._keras_history
            return [history.operation.name,
                    reindex[(id(history.operation), history.node_index)]
                    + _builtin_nodes(history.operation), history.tensor_index]

        return {"name": self.name, "trainable": self.trainable, "layers": layer_configs,
                "input_layers": _map_config(tensor_config, self._inputs_struct),
                "output_layers": _map_config(tensor_config, self._outputs_struct)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return functional_from_config(cls, config)


def serialize_node(node, reindex):
    def tensor_config(t):
        history = t._keras_history
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(t.shape), "dtype": t.dtype,
                           "keras_history": [history.operation.name,
                                             reindex[(id(history.operation),
                                                      history.node_index)],
                                             history.tensor_index]}}

    def config_of(a):
        if isinstance(a, KerasTensor):
            return tensor_config(a)
        return INDEX_CONFIGS[type(a)](a) if type(a) in INDEX_CONFIGS else plain(a)

    kwargs = {key: map_structure(config_of, value) for key, value in node.call_kwargs.items()
              if key not in node.implicit}  # found again from the inputs' masks
    args = node.call_args
    if node.positional:  # op(x, 3.0) -> args [tensor, 3.0]; mha(q, v, key=k); op([a, b])
        return {"args": [map_structure(config_of, a) for a in args], "kwargs": kwargs}
    arg = ([tensor_config(t) for t in args] if isinstance(args, (list, tuple))
           else tensor_config(args))
    return {"args": [arg], "kwargs": kwargs}


# the parts of an index (x[:, ::2, ...]) as Keras serializes them
INDEX_CONFIGS = {
    slice: lambda s: {"class_name": "__slice__",
                      "config": {"start": s.start, "stop": s.stop, "step": s.step}},
    type(Ellipsis): lambda _: {"class_name": "__ellipsis__", "config": {}},
}


def _index_part(arg):
    """A saved slice or Ellipsis back, or None when `arg` is neither (ints only)."""
    if not (isinstance(arg, dict) and arg.get("class_name") in ("__slice__",
                                                                 "__ellipsis__")):
        return None
    if arg["class_name"] == "__ellipsis__":
        return Ellipsis
    bounds = arg.get("config") or {}
    values = [bounds.get(k) for k in ("start", "stop", "step")]
    if set(bounds) - {"start", "stop", "step"} or not all(
            v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in values):
        raise ValueError(f"A saved slice takes int or null start, stop, step. Received: "
                         f"{str(arg)[:200]}")
    return slice(*values)


def functional_from_config(cls, config, make_layer=None):
    """Rebuild a functional model: make every layer (from its config, or by
    `make_layer(layer_config)` when given: clone_model's hook), then replay its calls."""
    for key in ("layers", "input_layers", "output_layers"):
        if key not in config:
            raise ValueError(f"A functional model config needs a '{key}' entry.")
    names = [entry.get("name") for entry in config["layers"] if isinstance(entry, dict)] \
        if isinstance(config["layers"], list) else []
    with names_reserved(name for name in names if isinstance(name, str)):
        created, pending = _make_layers(config["layers"], make_layer or deserialize_layer)
        _replay_calls(created, pending)
    inputs = _config_tensors(created, config["input_layers"])
    outputs = _config_tensors(created, config["output_layers"])
    if not all(isinstance(t, KerasTensor) for t in flatten(inputs) + flatten(outputs)):
        raise ValueError("Invalid functional model config: inputs/outputs are not tensors.")
    return cls(inputs, outputs, name=config.get("name"),
               trainable=config.get("trainable", True))


def _make_layers(layer_configs, make_layer):
    """{name: layer} and {name: [the calls of it still to replay]}, from the configs."""
    if not isinstance(layer_configs, list):
        raise ValueError("The 'layers' of a functional model config must be a list. "
                         f"Received: layers={str(layer_configs)[:200]}")
    created, pending = {}, {}
    for layer_data in layer_configs:
        layer = make_layer(layer_data)
        name = layer_data.get("name") or layer.name
        if not isinstance(name, str) or name in created:
            raise ValueError(f"Each layer of a functional model config needs its own name "
                             f"(a string). Received: name={name!r} twice or of type "
                             f"{type(name).__name__}.")
        created[name] = layer
        pending[name] = _saved_nodes(name, layer, layer_data.get("inbound_nodes"))
    return created, pending


def _saved_nodes(name, layer, nodes):
    """A layer's saved calls: a list of {'args': [...], 'kwargs': {...}}, whose keyword
    arguments the layer's call takes (a value that would be dropped is refused)."""
    nodes = [] if nodes is None else nodes
    if not isinstance(nodes, list) or not all(
            isinstance(n, dict) and isinstance(n.get("args", []), list)
            and isinstance(n.get("kwargs") or {}, dict) for n in nodes):
        raise ValueError(f"The inbound_nodes of layer '{name}' must be a list of "
                         "{'args': [...], 'kwargs': {...}}. Received: "
                         f"inbound_nodes={str(nodes)[:200]}")
    takes = {"training", "mask", *getattr(layer, "CALL_KEYWORDS", ())}
    for node in nodes:
        for key, value in (node.get("kwargs") or {}).items():
            known = key in takes or _call_takes(layer, key)  # a name Keras's call takes
            if known and (value is None or (_holds_tensor(value) and _call_takes(layer, key))):
                continue  # a tensor the call takes by name (an RNN's initial_state)
            if (key not in takes and not _takes_keyword(layer, key, value)
                    or key == "training" and not isinstance(value, bool)):
                raise ValueError(f"Layer '{name}' is called in the model config with "
                                 f"{key}={str(value)[:100]}, which kerasmini's "
                                 f"{type(layer).__name__} does not take.")
    return list(nodes)


def _takes_keyword(layer, key, value):
    """Whether a layer whose call takes **keywords takes this one (an operation such as
    rearrange, whose axis sizes come by name: numbers only)."""
    return getattr(layer, "takes_keyword", lambda key, value: False)(key, value)


def _tensor(created, name, node_index, tensor_index):
    """The output `tensor_index` of call `node_index` of layer `name` (IndexError: that
    call has not been replayed yet)."""
    if not isinstance(name, str) or name not in created:
        raise ValueError(f"The model config refers to a layer {name!r} it does not define.")
    for index in (node_index, tensor_index):
        if not (isinstance(index, int) and not isinstance(index, bool) and index >= 0):
            where = [name, node_index, tensor_index]
            raise ValueError(f"The model config refers to the tensor {where}: node and "
                             "tensor indices must be "
                             f"non-negative ints. Received: {index!r}")
    nodes = getattr(created[name], "_inbound_nodes", [])  # none yet: not called yet
    outputs = nodes[node_index].outputs
    if tensor_index >= len(outputs):
        raise ValueError(f"The model config refers to output {tensor_index} of call "
                         f"{node_index} of layer '{name}', which has {len(outputs)} "
                         "outputs.")
    return outputs[tensor_index]


def _history(arg):
    """[name, node index, tensor index] of a saved tensor."""
    config = arg.get("config") or {}
    history = config.get("keras_history")
    if not (isinstance(history, list) and len(history) == 3):
        raise ValueError("A saved tensor needs 'keras_history': [layer name, node index, "
                         f"tensor index]. Received: {str(arg)[:200]}")
    _check_saved_tensor(config)
    return history


def _check_saved_tensor(config):
    """Keras rebuilds a saved tensor (its shape and dtype) before following its history,
    so a shape or dtype no tensor can have is an error there; kerasmini does not use
    them, but refuses them too rather than accept and ignore them."""
    shape, dtype = config.get("shape", []), config.get("dtype")
    if not (isinstance(shape, (list, tuple)) and all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0)
            for d in shape)):
        raise ValueError("A saved tensor's shape must be a list of sizes (ints or null). "
                         f"Received: shape={str(shape)[:200]}")
    if dtype is not None and dtype != "string":
        try:
            standardize_dtype(dtype)
        except (TypeError, ValueError):
            raise ValueError("A saved tensor's dtype must be a dtype name. Received: "
                             f"dtype={str(dtype)[:200]}") from None


def _replay_calls(created, pending):
    """Call each layer on its recorded inputs, each call once its inputs exist."""
    while any(pending.values()):
        progressed = False
        for name, nodes in pending.items():
            while nodes:
                is_operation = isinstance(created[name], Operation)
                saved_kwargs = nodes[0].get("kwargs") or {}
                try:
                    args = [_node_argument(created, a, constants=is_operation)
                            for a in nodes[0].get("args", [])]
                    # tensors given by keyword: a mask, an RNN's initial_state
                    kwargs = {key: _node_argument(created, value)
                              for key, value in saved_kwargs.items() if _holds_tensor(value)}
                except IndexError:
                    break  # an input comes from a call not replayed yet
                if saved_kwargs.get("training") is not None:
                    kwargs["training"] = saved_kwargs["training"]
                kwargs.update(_plain_keywords(created[name], saved_kwargs))
                if is_operation or _takes_several(created[name]) or len(args) > 1 or \
                        _shapes_need_keywords(created[name], kwargs):  # op(x, 3.0), mha(q, v)
                    created[name](*args, **kwargs)
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
            waiting = sorted(name for name, nodes in pending.items() if nodes)
            raise ValueError("Invalid functional model config: its graph has loops or "
                             "refers to calls that never happen (layers waiting: "
                             f"{waiting[:10]}).")


def _call_takes(layer, key):
    """Whether layer.call() has a parameter `key` (or **kwargs); not `training`."""
    parameters = inspect.signature(layer.call).parameters
    return key != "training" and (key in parameters or any(
        p.kind is p.VAR_KEYWORD for p in parameters.values()))


def _shapes_need_keywords(layer, kwargs):
    """A user's layer(x, other=y): called as saved, its keywords' tensors included."""
    return getattr(layer, "_shapes_need_keywords", lambda kwargs: False)(kwargs)


def _takes_several(layer):
    """A layer called with several positional tensors (MultiHeadAttention)."""
    return getattr(layer, "POSITIONAL_CALL", False)


def _plain_keywords(layer, saved_kwargs):
    """The non-tensor keywords of a layer's call that it lists (CALL_KEYWORDS:
    MultiHeadAttention's use_causal_mask, return_attention_scores)."""
    return {key: value for key, value in saved_kwargs.items()
            if (key in getattr(layer, "CALL_KEYWORDS", ())
                or _takes_keyword(layer, key, value))
            and value is not None and not _holds_tensor(value)}


def _holds_tensor(value):
    if isinstance(value, dict):
        return value.get("class_name") == "__keras_tensor__"
    return isinstance(value, (list, tuple)) and any(_holds_tensor(v) for v in value)


def _node_argument(created, arg, constants=False):
    if constants and isinstance(arg, (int, float)) and not isinstance(arg, bool):
        return arg  # a number an operation was called with (`x + 3.0`)
    if constants and isinstance(arg, str):
        return arg  # a text an operation was called with (rearrange's pattern): data
    if constants and _index_part(arg) is not None:
        return _index_part(arg)  # x[1:, ...]
    if isinstance(arg, dict) and arg.get("class_name") == "__keras_tensor__":
        return _tensor(created, *_history(arg))
    if isinstance(arg, list) and len(arg) == 3 and isinstance(arg[0], str):
        return _tensor(created, *arg)  # older form: [name, node_index, tensor_index]
    if isinstance(arg, (list, tuple)):  # tensors (concatenate's), an index (x[:, 0])
        return [_node_argument(created, a, constants) for a in arg]
    if arg is None:  # a layer of several inputs, some without a mask; x[:, None]
        return None
    raise ValueError(f"Unsupported node argument in the model config: {str(arg)[:200]}")


def _builtin_nodes(layer):
    """Keras counts a built-in first call for every functional model in the node indices
    of `input_layers` / `output_layers` (not in those of the layers' inbound nodes):
    an output of a nested model's first call is ['inner', 1, i]."""
    return 1 if isinstance(layer, Functional) else 0


def _config_tensors(created, value):
    """The model's inputs or outputs: [name, node, tensor] triples in lists or dicts."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        name, node_index, tensor_index = value
        if name in created and isinstance(node_index, int):
            node_index -= _builtin_nodes(created[name])
        try:
            return _tensor(created, name, node_index, tensor_index)
        except IndexError:
            raise ValueError(f"The model config's inputs or outputs refer to call "
                             f"{value[1]} of layer '{name}', which is never called.") from None
    if isinstance(value, dict):
        return {k: _config_tensors(created, v) for k, v in value.items()}
    if not isinstance(value, list):
        raise ValueError("A functional model's input_layers / output_layers must be "
                         "[layer name, node index, tensor index] entries in lists or "
                         f"dicts. Received: {str(value)[:200]}")
    return [_config_tensors(created, v) for v in value]


def _map_config(fn, structure):
    if isinstance(structure, dict):
        return {k: _map_config(fn, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_map_config(fn, v) for v in structure]
    return fn(structure)


def map_graph(inputs, outputs):
    """The model's nodes, its nodes by depth (0 = output end) and its layers in order.

    Layers are ordered as Keras orders them (deepest first, ties in the order a
    depth-first walk back from the outputs meets them), which is also the order of
    `model.layers`, of `get_weights()` and of the layers in a saved file.
    """
    ordered, first_seen = _walk_back(outputs)
    node_depth, layer_depth = _depths(ordered, inputs, first_seen)
    nodes_by_depth = defaultdict(list)
    for node, depth in node_depth.items():
        nodes_by_depth[depth].append(node)
    layers = _layers_deepest_first(layer_depth, first_seen)
    _check_connected(inputs, nodes_by_depth)
    _check_unique_names(layers)
    return set(node_depth), dict(nodes_by_depth), layers


def _walk_back(outputs):
    """Nodes from the outputs back, parents before children; each layer's first visit.

    A depth-first walk with its own stack (a chain of 1,000 layers would exhaust
    Python's recursion), meeting nodes in the order the recursive walk would.
    """
    finished, in_progress, ordered, first_seen = set(), set(), [], {}

    def enter(tensor):
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        if node in finished:
            return None
        if node in in_progress:
            raise ValueError(f"Tensor {tensor} from layer '{layer.name}' is part of a cycle.")
        first_seen.setdefault(layer, len(first_seen))
        in_progress.add(node)
        return node, iter(node.input_tensors)

    for tensor in outputs:
        entry = enter(tensor)
        stack = [entry] if entry is not None else []
        while stack:
            node, parents = stack[-1]
            parent = next(parents, _NO_MORE)
            if parent is _NO_MORE:
                stack.pop()
                finished.add(node)
                in_progress.discard(node)
                ordered.append(node)
            elif (entry := enter(parent)) is not None:
                stack.append(entry)
    return ordered, first_seen


_NO_MORE = object()


def _depths(ordered, inputs, first_seen):
    """Each node's and each layer's distance from the outputs (a layer: its deepest call).

    Inputs that no output needs still belong to the model, at depth 0.
    """
    node_depth, layer_depth = {}, {}
    nodes = set(ordered)
    for node in reversed(ordered):
        depth = max(node_depth.setdefault(node, 0), layer_depth.get(node.operation, 0))
        layer_depth[node.operation] = node_depth[node] = depth
        for parent in node.parent_nodes:
            if parent in nodes:
                node_depth[parent] = max(depth + 1, node_depth.get(parent, 0))
    for tensor in inputs:
        layer = tensor._keras_history.operation
        if layer not in layer_depth:
            node = layer._inbound_nodes[tensor._keras_history.node_index]
            layer_depth[layer], first_seen[layer], node_depth[node] = 0, -1, 0
    return node_depth, layer_depth


def _layers_deepest_first(layer_depth, first_seen):
    layers_by_depth = defaultdict(list)
    for layer, depth in layer_depth.items():
        layers_by_depth[depth].append(layer)
    layers = []
    for depth in sorted(layers_by_depth, reverse=True):
        layers.extend(sorted(layers_by_depth[depth], key=lambda lay: first_seen[lay]))
    return layers


def _check_connected(inputs, nodes_by_depth):
    """Every tensor a node reads must come from the model's inputs or an earlier node."""
    known = {id(t) for t in inputs}
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            for t in node.input_tensors:
                if id(t) not in known:
                    raise ValueError(f"Graph disconnected: cannot find parent for tensor "
                                     f"{t} at layer '{node.operation.name}'.")
            if not node.is_input:  # an Input that is not a model input feeds nothing
                known.update(id(t) for t in node.outputs)


def _check_unique_names(layers):
    counts = Counter(layer.name for layer in layers)  # names.count per name: quadratic
    for name, count in counts.items():
        if count != 1:
            raise ValueError(f'The name "{name}" is used {count} times in the '
                             "model. All layer names should be unique.")


def _single(structure):
    return structure[0] if isinstance(structure, list) and len(structure) == 1 else structure
