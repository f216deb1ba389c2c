"""Symbolic tensors for the functional API: a shape, a dtype and where they came from.

`kerasmini.Input((28, 28, 1))` returns a KerasTensor. Calling a layer on KerasTensors
computes no values: the layer checks and builds for the shapes, records a Node
(layer, inputs, outputs) and returns new KerasTensors. `kerasmini.Model(inputs,
outputs)` later walks these Nodes back from the outputs.
"""
from collections import namedtuple

from kerasmini import tree
from kerasmini.layers import masks
from kerasmini.layers.input_spec import assert_input_compatibility

KerasHistory = namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])


class KerasTensor:
    """A placeholder with a shape (None for unknown sizes) and a dtype; holds no data."""

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.name = name
        self._keras_history = history
        self._keras_mask = None  # a boolean KerasTensor when the value carries a mask

    @property
    def ndim(self):
        return len(self.shape)

    # `x + y`, `x * 0.5`, ... record Keras 3's tensor operations (keras.ops's Add, ...)
    def _operation(self, name, x1, x2):
        from kerasmini import ops  # ops record graph nodes through layers/operation.py
        return getattr(ops, name)(x1, x2)

    def __add__(self, other):
        return self._operation("add", self, other)

    def __radd__(self, other):
        return self._operation("add", other, self)

    def __sub__(self, other):
        return self._operation("subtract", self, other)

    def __rsub__(self, other):
        return self._operation("subtract", other, self)

    def __mul__(self, other):
        return self._operation("multiply", self, other)

    def __rmul__(self, other):
        return self._operation("multiply", other, self)

    def __getitem__(self, key):
        from kerasmini import ops
        return ops.get_item(self, key)

    def __truediv__(self, other):
        return self._operation("true_divide", self, other)

    def __rtruediv__(self, other):
        return self._operation("true_divide", other, self)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


class Node:
    """One call of `operation` on symbolic inputs.

    `call_args` is the one argument of a layer call (a tensor or a list of tensors), or,
    when `positional`, the positional arguments of an operation (`op(x, 3.0)`: tensors
    and plain numbers) or of a layer called with several (`mha(query, value)`).
    `call_kwargs` may hold tensors too (`key=`, `attention_mask=`).
    """

    def __init__(self, operation, call_args=None, outputs=(), call_kwargs=None,
                 positional=False, implicit=()):
        self.operation = operation
        self.call_args = call_args
        self.call_kwargs = dict(call_kwargs or {})
        self.positional = positional
        # keywords the call takes from its inputs' masks (MultiHeadAttention's query_mask
        # from the query's mask): Keras neither saves nor shows them, it finds them again
        self.implicit = frozenset(implicit)
        # tensors among the keyword arguments too (MultiHeadAttention's key=, masks), by
        # keyword in sorted order as Keras lists them (summary's "Connected to")
        self.input_tensors = self._tensors(sorted(self.call_kwargs))
        self.shown_tensors = self._tensors(sorted(set(self.call_kwargs) - self.implicit))
        self.outputs = list(outputs)
        self.output_tensors = self.outputs

    def _tensors(self, keywords):
        return [t for t in flatten([self.call_args, [self.call_kwargs[k] for k in keywords]])
                if isinstance(t, KerasTensor)]

    @property
    def is_input(self):
        return not self.input_tensors

    @property
    def parent_nodes(self):
        return [t._keras_history.operation._inbound_nodes[t._keras_history.node_index]
                for t in self.input_tensors]


def flatten(structure):
    """The leaves in Keras's order: a dict's by sorted key (keras.tree's rule), so that a
    model with dict outputs lists its layers, weights and outputs as Keras does."""
    return tree.flatten(structure)


def is_symbolic(inputs):
    if isinstance(inputs, KerasTensor):
        return True
    if not isinstance(inputs, (list, tuple, dict)):  # an array: every eager call
        return False
    return any(isinstance(t, KerasTensor) for t in flatten(inputs))


def map_structure(fn, structure):
    if isinstance(structure, dict):  # a model's dict of inputs or outputs
        return {key: map_structure(fn, value) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, item) for item in structure)
    return fn(structure)


def symbolic_call(layer, inputs, **call_kwargs):
    """Check and build `layer` for the inputs' shapes; record a Node; return outputs."""
    if not all(isinstance(t, KerasTensor) for t in flatten(inputs)):
        raise ValueError(f"Layer '{layer.name}' was called on a mix of symbolic (Input) "
                         f"tensors and arrays: {inputs}")
    shapes = map_structure(lambda t: t.shape, inputs)
    # one spec per input tensor, as in an eager call
    assert_input_compatibility(layer.input_spec, shapes, layer.name,
                               inputs.dtype if isinstance(inputs, KerasTensor) else None)
    # the mask: given, or the one the (first) input carries, as Keras takes it; call()
    # reads the carried one only when the input is its one tensor argument
    mask = call_kwargs.pop("mask", None)
    given = mask is not None
    if mask is None:
        mask = map_structure(lambda t: t._keras_mask, inputs)
    if all(m is None for m in flatten(mask)):
        mask = None
    call_mask = masks.for_call(layer, mask if given else None, mask, call_kwargs,
                               lambda t: isinstance(t, KerasTensor))
    # None unless call() reads it; a nested model's node keeps its inputs' masks, as
    # Keras's records them (its inner layers read them from the tensors when it runs)
    call_kwargs["mask"] = call_mask if layer.keras_call_takes_mask else \
        layer._mask_argument(call_mask)
    if call_kwargs.get("training") is None:  # Keras records call()'s default (Dropout's
        call_kwargs["training"] = layer._call_default("training")  # False), if not None
    out_shape = layer.compute_output_shape(shapes)  # raises before any change
    if not layer.built:
        layer._build_or_undo(shapes)
    nodes = list(getattr(layer, "_inbound_nodes", []))
    outputs = _symbolic_outputs(layer, out_shape, len(nodes))
    # Keras keeps `mask: None` in the node of a call on one tensor argument whose
    # call() takes a mask; other None arguments it leaves out
    one_tensor = not any(isinstance(t, KerasTensor)
                         for t in flatten([v for k, v in call_kwargs.items() if k != "mask"]))
    # (a merge reads its inputs' masks from the tensors, as Keras's do: the node keeps
    # them as an implicit argument, neither saved nor shown)
    keep_mask = one_tensor and layer._records_mask() and not layer.masks_from_inputs
    call_kwargs = {k: v for k, v in call_kwargs.items()
                   if v is not None or (k == "mask" and keep_mask)}
    implicit = ("mask",) if layer.masks_from_inputs and "mask" in call_kwargs else ()
    layer._inbound_nodes = nodes + [Node(layer, inputs, flatten(outputs), call_kwargs,
                                         implicit=implicit)]
    # after the node, as in Keras: a mask computed from the inputs (Embedding's
    # `inputs != 0`) is a NotEqual node of the graph that follows the layer's
    output_masks = layer._output_mask(inputs, mask)
    if output_masks is not None:
        flat = flatten(output_masks) if isinstance(output_masks, (list, tuple)) else \
            [output_masks] * len(flatten(outputs))
        for tensor, tensor_mask in zip(flatten(outputs), flat):
            tensor._keras_mask = tensor_mask
    return outputs


def _symbolic_outputs(layer, out_shape, node_index):
    """The call's output tensor; for a nested model with a list or dict of outputs, one
    tensor per output in that structure (tensor_index counts them in flatten order)."""
    structure = getattr(layer, "_outputs_struct", None)  # a functional model's outputs
    if structure is None and isinstance(out_shape, list):  # several outputs: a list of
        return [KerasTensor(tuple(shape), dtype=layer.compute_dtype, name=layer.name,  # shapes
                            history=KerasHistory(layer, node_index, index))
                for index, shape in enumerate(out_shape)]
    if structure is None or isinstance(structure, KerasTensor):
        return KerasTensor(tuple(out_shape), dtype=layer.compute_dtype, name=layer.name,
                           history=KerasHistory(layer, node_index, 0))
    index = iter(range(len(flatten(structure))))
    return map_structure(lambda t: KerasTensor(t.shape, dtype=t.dtype, name=layer.name,
                                               history=KerasHistory(layer, node_index,
                                                                    next(index))),
                         structure)


def record_call(layer, call_args, shapes, call_kwargs, positional=False, implicit=(),
                output_mask=None):
    """Record a call of `layer` with one output per shape in `shapes`; returns the
    output tensor, or a tuple of them (MultiHeadAttention's output and scores). The
    first output carries `output_mask` (a boolean tensor) as its mask."""
    nodes = list(getattr(layer, "_inbound_nodes", []))
    outputs = [KerasTensor(shape, dtype=layer.compute_dtype, name=layer.name,
                           history=KerasHistory(layer, len(nodes), index))
               for index, shape in enumerate(shapes)]
    outputs[0]._keras_mask = output_mask
    layer._inbound_nodes = nodes + [Node(layer, call_args, outputs, call_kwargs, positional,
                                         implicit)]
    return tuple(outputs) if len(outputs) > 1 else outputs[0]


def keras_mask(tensor):
    """The mask a symbolic tensor carries (None: none)."""
    return getattr(tensor, "_keras_mask", None)
