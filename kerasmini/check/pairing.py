"""Which call of tf.keras's graph is kerasmini's node: found by graph position.

Layer names come from the file and are the same in both libraries, but the tensor
operations Keras creates while a model is rebuilt (the `not_equal` and `any` of a mask,
recomputed by Embedding(mask_zero=True) and Masking) are numbered per process:
kerasmini's `not_equal` is tf.keras's `not_equal_4`. So a node is paired with the
other graph's call that reads the same tensors (the ones paired before it) in the same
positional order: of those, the one of the same name, else the one of the same class.
Each pairing pairs the two calls' outputs too, in order, for the nodes after it. A node
kerasmini's graph has twice (the same mask computed for two readers) and the other's
once is paired twice with that one call, when it reads the same tensors and values.
"""
from kerasmini.layers.keras_tensor import flatten, map_structure


class GraphDifference(Exception):
    """The two graphs differ at a node: no call to compare it with, or a call reading a
    tensor the other graph does not compute."""


def is_tensor(value):
    return hasattr(value, "_keras_history")  # a KerasTensor of either library


class OtherCall:
    """One call of the other library's graph: Keras 3's Node (`arguments`), or a
    kerasmini Node when a kerasmini model stands in for tf.keras (tests/)."""

    def __init__(self, node):
        self.operation, self.outputs = node.operation, list(node.outputs)
        if hasattr(node, "arguments"):
            self.args, self.kwargs = list(node.arguments.args), dict(node.arguments.kwargs)
        else:
            self.args = list(node.call_args) if node.positional else [node.call_args]
            self.kwargs = dict(node.call_kwargs)
        self.positional_tensors = [t for t in flatten(self.args) if is_tensor(t)]

    def filled(self, value_of):
        """(args, kwargs) with every tensor replaced by value_of(tensor)."""
        def fill(v):
            return value_of(v) if is_tensor(v) else v
        return map_structure(fill, self.args), map_structure(fill, self.kwargs)


def graph_of(model):
    """The functional graph of a model of either library (a Sequential's own)."""
    return (getattr(model, "_functional", None) or getattr(model, "_graph", None)
            or model)


class Pairing:
    """kerasmini's tensors and the other graph's, paired as the nodes are."""

    def __init__(self, km_inputs, other_model):
        graph = graph_of(other_model)
        self.free = [OtherCall(node) for depth in sorted(graph._nodes_by_depth, reverse=True)
                     for node in graph._nodes_by_depth[depth] if not node.is_input]
        self.other_of, self.km_of, self.used = {}, {}, []
        others = {_name(t): t for t in graph.inputs}
        for index, tensor in enumerate(km_inputs):  # by Input name; else in order
            self._pair(tensor, others.get(_name(tensor), graph.inputs[index]))

    def _pair(self, km_tensor, other_tensor):
        self.other_of[id(km_tensor)] = other_tensor
        self.km_of.setdefault(id(other_tensor), km_tensor)

    def find(self, node):
        """The other graph's call of kerasmini's `node`, or None when it has none."""
        wanted = [id(self.other_of.get(id(t))) for t in flatten(node.call_args)
                  if is_tensor(t)]
        name, kind = node.operation.name, type(node.operation).__name__
        reading = [c for c in self.free
                   if [id(t) for t in c.positional_tensors] == wanted]
        same = ([c for c in reading if c.operation.name == name]
                or [c for c in reading if type(c.operation).__name__ == kind])
        if same:
            call = same[0]
            self.free.remove(call)
            self.used.append(call)
        else:  # the same computation twice in kerasmini's graph (a mask), once in the other's
            call = next((c for c in self.used if type(c.operation).__name__ == kind
                         and [id(t) for t in c.positional_tensors] == wanted
                         and _same_constants(c.args, _positional(node))), None)
            if call is None:
                return None
        for km_tensor, other_tensor in zip(node.outputs, call.outputs):
            self._pair(km_tensor, other_tensor)
        return call

    def km_tensor(self, other_tensor, call):
        """kerasmini's tensor for one the other graph's `call` reads (GraphDifference
        when kerasmini's graph computes no such tensor)."""
        km_tensor = self.km_of.get(id(other_tensor))
        if km_tensor is None:
            raise GraphDifference(
                f"tf.keras's call reads a tensor of '{_name(other_tensor)}' "
                f"({type(other_tensor._keras_history.operation).__name__}) that "
                f"kerasmini's graph does not compute for its '{call.operation.name}'")
        return km_tensor


def _positional(node):
    return list(node.call_args) if node.positional else [node.call_args]


def _same_constants(args, others):
    """Whether two calls' positional arguments hold the same non-tensor values (the `0`
    of not_equal(x, 0))."""
    mine = [v for v in flatten(args) if not is_tensor(v)]
    theirs = [v for v in flatten(others) if not is_tensor(v)]
    try:
        return len(mine) == len(theirs) and all(bool(a == b) for a, b in zip(mine, theirs))
    except (TypeError, ValueError):  # arrays: not compared, not paired
        return False


def _name(tensor):
    return tensor._keras_history.operation.name
