"""How a functional model walks its graph, and what inference does cheaper.

Every walk runs the nodes deepest first and lets go of each intermediate value once its
last reader has run (keeping every layer's output to the end held ~160 MB in a ResNet50
predict at batch 32, and a working set that large leaves the caches cold).

At inference (training falsy, no GradientTape recording) three rewrites save passes over
memory and output-sized allocations, without changing any layer, weight or what
layer-by-layer tools (`check`, summary, get_weights) see:

* ReLU in place: an Activation('relu') or ReLU layer whose input array nobody else holds
  (the fresh output of the layer before, of which it is the last reader) overwrites it.
* BatchNormalization then ReLU (the BN's output read by the ReLU alone): one pass, the
  ReLU applied to each block of the BN's output while it is in cache.
* BatchNormalization folded into the Conv2D, DepthwiseConv2D or Dense before it, when
  that layer has no activation, its dtype and its output feeds nothing but the BN. With
  inv = gamma / sqrt(moving_variance + epsilon) per output channel,
      BN(conv(x, K) + b) = conv(x, K * inv) + ((b - moving_mean) * inv + beta).
  The folded kernel and bias are computed in float64, rounded once to the layer's dtype
  and kept until one of the six arrays they come from is replaced (Variable.assign
  replaces its array: set_weights, load_weights and training all assign).
"""
import sys

import numpy as np

from kerasmini import activations, autodiff
from kerasmini.layers.activations.relu import ReLU
from kerasmini.layers.convolutional.conv2d import Conv2D
from kerasmini.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from kerasmini.layers.core.activation import Activation
from kerasmini.layers.core.dense import Dense
from kerasmini.layers.keras_tensor import KerasTensor, flatten, map_structure
from kerasmini.layers.normalization.batch_normalization import BatchNormalization
from kerasmini.ops.bias_activation import relu_into

FOLDS_INTO = (Conv2D, DepthwiseConv2D, Dense)  # exact classes: a subclass may change call


class Plan:
    """A model's nodes in run order, with what each one is the last reader of."""

    def __init__(self, nodes_by_depth, outputs):
        self.nodes = [node for depth in sorted(nodes_by_depth, reverse=True)
                      for node in nodes_by_depth[depth] if not node.is_input]
        kept = {id(t) for t in outputs}
        readers, last_reader = {}, {}  # per tensor: how many nodes read it, the last one
        for node in self.nodes:
            for t in node.input_tensors:
                readers[id(t)] = readers.get(id(t), 0) + 1
                last_reader[id(t)] = node
        self.released = {node: [] for node in self.nodes}  # let go of after the node
        for node in self.nodes:
            for t in node.outputs:  # read by nobody: let go of at once
                if id(t) not in last_reader and id(t) not in kept:
                    self.released[node].append(id(t))
        for tensor_id, node in last_reader.items():
            if tensor_id not in kept:
                self.released[node].append(tensor_id)
        self.folds = _folds(self.nodes, readers, kept)  # {BN node: conv node}
        self.folded_convs = {conv: bn for bn, conv in self.folds.items()}
        self.fused_relus = _fused_relus(self.nodes, readers, kept, self.folds)  # {BN: ReLU}
        self.skipped = set(self.folds) | set(self.fused_relus.values())
        self._weights = {}  # conv node -> (source arrays, folded kernel, folded bias)

    def run(self, values, training=None):
        """Evaluate every node; `values` maps id(tensor) -> array (the inputs given)."""
        # no array is held in a local here between nodes: relu in place counts holders
        inference = not training and not autodiff.is_recording()
        for node in self.nodes:
            if inference and node in self.skipped:
                pass  # computed with the node before it
            elif inference and node in self.folded_convs:
                self._run_folded(node, self.folded_convs[node], values)
            elif inference and node in self.fused_relus:
                _run_fused_relu(node, self.fused_relus[node], values)
            elif not (inference and _relu_in_place(node, values, self.released[node])):
                _run(node, values, training)
            for tensor_id in self.released[node]:
                values.pop(tensor_id, None)

    def _run_folded(self, conv_node, bn_node, values):
        """The BN node's output, from the conv node's input, in one convolution."""
        conv, bn = conv_node.operation, bn_node.operation
        x = values[id(conv_node.input_tensors[0])]
        sources = (conv.kernel.value, conv.bias.value if conv.use_bias else None,
                   bn.gamma.value if bn.scale else None, bn.beta.value if bn.center else None,
                   bn.moving_mean.value, bn.moving_variance.value)
        cached = self._weights.get(conv_node)
        if cached is None or any(a is not b for a, b in zip(cached[0], sources)):
            cached = (sources, *fold_batch_normalization(conv, bn, *sources))
            self._weights[conv_node] = cached
        values[id(bn_node.outputs[0])] = conv.forward(conv._convert_input(x), cached[1],
                                                      cached[2])


def fold_batch_normalization(conv, bn, kernel, bias, gamma, beta, mean, variance):
    """(kernel, bias) of `conv` with the inference-mode `bn` after it folded in."""
    inv = 1 / np.sqrt(_wide(variance) + bn.epsilon)
    if gamma is not None:
        inv = inv * _wide(gamma)
    shift = (0 if bias is None else _wide(bias)) - _wide(mean)
    shift = shift * inv + (0 if beta is None else _wide(beta))
    per_output = inv.reshape(kernel.shape[-2:]) if isinstance(conv, DepthwiseConv2D) else inv
    dtype = kernel.dtype
    return (_wide(kernel) * per_output).astype(dtype), shift.astype(dtype)


def _wide(array):
    return np.asarray(array, np.float64)


def _folds(nodes, readers, kept):
    """{BN node: the conv node whose output only it reads}, for every BN that folds."""
    folds = {}
    for node in nodes:
        bn = node.operation
        if type(bn) is not BatchNormalization or len(node.input_tensors) != 1:
            continue
        source = node.input_tensors[0]
        history = source._keras_history
        conv_node = history.operation._inbound_nodes[history.node_index]
        conv = conv_node.operation
        if (type(conv) in FOLDS_INTO and conv_node in nodes and readers[id(source)] == 1
                and id(source) not in kept and conv.activation is activations.linear
                and conv.activity_regularizer is None and bn.activity_regularizer is None
                and conv.built and bn.built and len(node.outputs) == 1
                and conv.compute_dtype == bn.compute_dtype  # else the rounding moves
                and not (_mixed(conv) or _mixed(bn))  # their calls cast the weights
                and bn.axis % len(source.shape) == _channel_axis(conv, len(source.shape))):
            folds[node] = conv_node
    return folds


def _mixed(layer):
    """Whether `layer` computes in another dtype than its weights' (mixed_float16): its
    own call casts them; the rewrites here call its kernels directly."""
    return layer.compute_dtype != layer.variable_dtype


def _fused_relus(nodes, readers, kept, folds):
    """{BN node: the ReLU node that alone reads its output}, for BNs not folded."""
    fused = {}
    by_input = {id(node.input_tensors[0]): node for node in nodes
                if len(node.input_tensors) == 1 and not node.positional}
    for node in nodes:
        if type(node.operation) is not BatchNormalization or node in folds:
            continue
        output = node.outputs[0]
        reader = by_input.get(id(output))
        if (reader is not None and len(node.outputs) == 1 and readers.get(id(output)) == 1
                and id(output) not in kept and node.operation.activity_regularizer is None
                and _relu_bounds(reader.operation) is not None
                and reader.operation.compute_dtype == node.operation.compute_dtype
                and not _mixed(node.operation)):
            fused[node] = reader
    return fused


def _run_fused_relu(bn_node, relu_node, values):
    bn = bn_node.operation
    x = bn._convert_input(values[id(bn_node.input_tensors[0])])
    values[id(relu_node.outputs[0])] = bn.forward(x, _relu_bounds(relu_node.operation))


def _relu_bounds(layer):
    """(low, high) of an Activation('relu') or plain ReLU layer (high may be None);
    None for any other layer."""
    if layer.activity_regularizer is not None:
        return None
    if type(layer) is Activation and layer.activation is activations.relu:
        return 0, None
    if type(layer) is ReLU and layer.negative_slope == 0 and layer.threshold == 0:
        return 0, layer.max_value
    return None


def _channel_axis(conv, ndim):
    return ndim - 1 if isinstance(conv, Dense) else conv.channel_axis % ndim


def _run(node, values, training):
    """Call the node's layer or operation on its inputs' values; store its outputs."""
    def value(t):
        return values[id(t)] if isinstance(t, KerasTensor) else t

    args = map_structure(value, node.call_args)
    kwargs = map_structure(value, node.call_kwargs)  # a mask is a tensor of the graph
    if training is not None:
        kwargs["training"] = training
    outputs = (node.operation(*args, **kwargs) if node.positional
               else node.operation(args, **kwargs))
    for tensor, value in zip(node.outputs, flatten(outputs)):
        values[id(tensor)] = value


def _references(array):
    """(references to `array`, to its base or None), for `array` a local of the caller.

    What sys.getrefcount reports depends on the interpreter, so the counts of an array
    no one else holds are measured the same way, once (_calibrate); tests/
    test_inference.py checks that an array held elsewhere, or viewed, is not written to.
    """
    base = array.base
    return sys.getrefcount(array), None if base is None else sys.getrefcount(base)


def _calibrate():
    owner = np.empty(2)
    sole, _ = _references(owner)
    view = owner.reshape(2)
    del owner
    _, view_only = _references(view)
    return sole, view_only


SOLE_HOLDER, VIEW_ONLY = _calibrate()


def _plain(array):
    """A writeable ndarray that owns its memory or views an ndarray that does (NumPy
    points a view of a view at the owner): then _references tells who else holds it."""
    base = array.base
    return (type(array) is np.ndarray and array.flags.writeable
            and (base is None or (type(base) is np.ndarray and base.base is None)))


def _relu_in_place(node, values, released):
    """Run an Activation('relu') / ReLU node by overwriting its input, if nobody else
    holds that array; False (nothing done) otherwise."""
    layer = node.operation
    bounds = _relu_bounds(layer)
    if bounds is None:
        return False
    source = node.input_tensors[0]
    if id(source) not in released or node.positional or len(node.outputs) != 1:
        return False
    array = values[id(source)]
    del values[id(source)]
    nobody_else = (SOLE_HOLDER, None if array.base is None else VIEW_ONLY)
    if (array.dtype != layer.compute_dtype or not _plain(array)
            or _references(array) != nobody_else):  # called from here: see _calibrate
        values[id(source)] = array
        return False
    relu_into(array, bounds, array)
    values[id(node.outputs[0])] = array
    return True
