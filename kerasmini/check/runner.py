"""Every layer of a model, kerasmini and tf.keras side by side, a float64 run deciding.

Each layer call is checked on its own, on identical inputs: the float64 run's outputs of
the layers before it, rounded to the layer's dtype. kerasmini's layer, tf.keras's layer
and a float64 twin of the layer (kerasmini's code, tf.keras's weights, every constant in
float64) run on that input; each float result is compared with the float64 one under the
tolerance policy of tolerance.py. Since no layer sees another library's error, a
verdict belongs to its own layer: the first diverging layer is where the blame stops.

The float64 twin runs kerasmini's code, so on its own it cannot clear kerasmini of a
mistake in the math (it would make the same one). When tf.keras disagrees, TensorFlow
is blamed only if the cause is a known TensorFlow divergence (divergences.py) or if
tf.keras's own float64 twin agrees with kerasmini's (two independent float64 runs
agree, so tf.keras's rounding or kernel is what is off). Otherwise the verdict is
"libraries differ": the two float64 runs disagree, and check does not guess which
library is right.
"""
import math
from dataclasses import dataclass

import numpy as np

from kerasmini.check import divergences
from kerasmini.check.tolerance import ARBITER_RTOL, compare
from kerasmini.check.twins import run_tf, tf_float64_output
from kerasmini.layers.keras_tensor import flatten, is_symbolic, map_structure
from kerasmini.layers.operation import Operation
from kerasmini.object_registration import CustomObjectScope

OK, KM_DIFFERS, TF_DIVERGES, BOTH_DIFFER, LIBRARIES_DIFFER = (
    "ok", "kerasmini differs", "TensorFlow diverges", "both differ", "libraries differ")


@dataclass
class Row:
    """One layer call, its errors against the float64 run over every batch, its verdict."""
    index: int
    name: str
    class_name: str
    output_shape: tuple = ()
    km_err: float = 0.0
    km_ulps: float = 0.0
    tf_err: float = 0.0
    tf_ulps: float = 0.0
    km_why: str = ""
    tf_why: str = ""
    kind: str = ""           # the divergence kind when tf.keras is the one that differs
    weights_why: str = ""    # kerasmini's weights differ from tf.keras's
    arbiter_why: str = ""    # the two float64 twins disagree (the cause is not known)

    @property
    def verdict(self):
        km_wrong = bool(self.km_why or self.weights_why)
        if km_wrong:
            return BOTH_DIFFER if self.tf_why else KM_DIFFERS
        if not self.tf_why:
            return OK
        return LIBRARIES_DIFFER if self.arbiter_why else TF_DIVERGES

    def explanation(self):
        parts = {KM_DIFFERS: "kerasmini disagrees with float64, tf.keras agrees",
                 TF_DIVERGES: f"tf.keras disagrees with float64 ({self.kind}), kerasmini "
                              "agrees",
                 LIBRARIES_DIFFER: "kerasmini and tf.keras disagree and so do their "
                                   "float64 twins: the libraries compute different math "
                                   "here, and check cannot tell which is right",
                 BOTH_DIFFER: "neither agrees with float64", OK: "agree"}[self.verdict]
        details = [w for w in (self.weights_why, self.km_why and f"kerasmini: {self.km_why}",
                               self.tf_why and f"tf.keras: {self.tf_why}",
                               self.arbiter_why and f"float64 twins: {self.arbiter_why}")
                   if w]
        return "; ".join([parts] + details)


def graph_nodes(model):
    """The model's layer calls in an order where every input is computed first."""
    graph = getattr(model, "_graph", None) or model
    nodes = [node for depth in sorted(graph._nodes_by_depth, reverse=True)
             for node in graph._nodes_by_depth[depth] if not node.is_input]
    for node in nodes:  # each layer runs here on its one positional input alone
        if node.call_kwargs.get("mask") is not None:
            raise NotImplementedError(
                f"check does not compare masked layer calls yet: layer "
                f"'{node.operation.name}' reads a mask (Embedding(mask_zero=True) or "
                "Masking before it).")
        if isinstance(node.operation, Operation):  # tf.keras's model has no such layer
            raise NotImplementedError(
                f"check does not compare tensor operations yet: '{node.operation.name}' "
                f"({type(node.operation).__name__}, a keras.ops call on symbolic tensors "
                "in the graph) is not a layer of the model.")
        if len({tuple(t.shape) for t in node.outputs}) > 1:  # compared as one array
            raise NotImplementedError(
                f"check does not compare calls with outputs of different shapes yet: "
                f"layer '{node.operation.name}' ({type(node.operation).__name__}) returns "
                f"{len(node.outputs)} tensors.")
        keywords = sorted(k for k, v in node.call_kwargs.items() if is_symbolic(v))
        if keywords or getattr(node.operation, "POSITIONAL_CALL", False):
            raise NotImplementedError(
                f"check does not compare calls with several tensor arguments yet: layer "
                f"'{node.operation.name}' ({type(node.operation).__name__}) is called "
                f"with {len(node.input_tensors)} tensors"
                + (f" (keywords {keywords})." if keywords else "."))
    return graph.inputs, nodes


def float64_twin(layer, weights):
    """The layer rebuilt from its config with every dtype float64, holding `weights`."""
    config = as_float64(layer.get_config())
    with CustomObjectScope(_own_function(layer, config)):
        twin = type(layer).from_config(config)
    return twin, [np.asarray(w, np.float64) for w in weights]


def _own_function(layer, config):
    """{saved name: function} of a Lambda's named function (the user's, given to
    load_model as a custom object: the twin rebuilt from the config needs it too)."""
    saved = config.get("function")
    if isinstance(saved, dict) and saved.get("class_name") == "function":
        return {saved["config"]: layer.function}
    return {}


def as_float64(config):
    """A layer config (either library's) with every dtype set to float64."""
    if isinstance(config, dict):
        return {k: ("float64" if k == "dtype" else as_float64(v)) for k, v in config.items()}
    if isinstance(config, list):
        return [as_float64(v) for v in config]
    return config


class LayerCheck:
    """One layer call's three runs, its twin built on first use."""

    def __init__(self, index, node, tf_layer, rtol, atol):
        self.node, self.layer, self.tf_layer = node, node.operation, tf_layer
        self.rtol, self.atol = rtol, atol
        self.row = Row(index, self.layer.name, type(self.layer).__name__,
                       tuple(node.outputs[0].shape))
        self.twin = None
        self.row.weights_why = _weights_difference(self.layer, tf_layer)

    def run(self, x64):
        """Check one batch; return the float64 output that feeds the next layers."""
        dtype = self.layer.compute_dtype  # a mixed_float16 layer's: float16
        # integer ids stay integers (HashedCrossing refuses floats, as tf.keras does)
        x = map_structure(lambda a: a.astype(dtype) if a.dtype.kind == "f" else a, x64)
        ref_in = map_structure(lambda a: a.astype(np.float64) if a.dtype.kind == "f" else a,
                               x)
        ref = self._ref(ref_in)
        km_out = self.layer(x, training=False)
        tf_out = run_tf(self.tf_layer, x)
        self._record(km_out, tf_out, ref, ref_in, x, dtype)
        return ref

    def _ref(self, x64):
        if self.twin is None:
            self.twin, weights = float64_twin(self.layer, self.tf_layer.get_weights())
            if not self.twin.built:
                self.twin.build(map_structure(lambda a: (None, *a.shape[1:]), x64))
            if len(self.twin.weights) != len(weights):  # sublayers a user's build()
                self.twin(x64, training=False)         # made, built at the first call
            self.twin.set_weights(weights)
        with np.errstate(all="ignore"):
            return self.twin(x64, training=False)

    def _record(self, km_out, tf_out, ref, ref_in, x, dtype):
        row = self.row
        km_ok, km_err, km_ulps, km_why = compare(km_out, ref, dtype, self.rtol, self.atol)
        row.km_err, row.km_ulps = _max(row.km_err, km_err), _max(row.km_ulps, km_ulps)
        row.km_why = row.km_why or km_why
        if isinstance(tf_out, BaseException):
            tf_ok, tf_err, tf_ulps = False, math.inf, math.inf
            tf_why = f"raised {type(tf_out).__name__}: {str(tf_out).splitlines()[0][:200]}"
        else:
            tf_ok, tf_err, tf_ulps, tf_why = compare(tf_out, ref, dtype, self.rtol, self.atol)
        row.tf_err, row.tf_ulps = _max(row.tf_err, tf_err), _max(row.tf_ulps, tf_ulps)
        if not tf_ok and not row.tf_why:
            row.tf_why = tf_why
            row.kind = divergences.classify(self.layer, tf_out, ref_in, ref,
                                            lambda: run_tf(self.tf_layer, x))
            if row.kind == divergences.WRONG_VALUES:
                row.arbiter_why = self._twins_disagree(ref_in, ref, dtype)

    def _twins_disagree(self, ref_in, ref, dtype):
        """'' if tf.keras's float64 twin agrees with kerasmini's, else how they differ."""
        tf64 = tf_float64_output(self.tf_layer, ref_in, as_float64)
        if isinstance(tf64, BaseException):
            return f"tf.keras's float64 twin raised {type(tf64).__name__}"
        ok, _, _, why = compare(tf64, ref, "float64", ARBITER_RTOL[dtype])
        return "" if ok else why


def _max(a, b):
    return b if math.isnan(a) or b > a else a


def _weights_difference(layer, tf_layer):
    """'' if kerasmini's weights are tf.keras's, bit for bit; else what differs."""
    mine = layer.get_weights()
    theirs = [np.asarray(w) for w in tf_layer.get_weights()]
    if len(mine) != len(theirs):
        return f"kerasmini has {len(mine)} weights, tf.keras {len(theirs)}"
    names = [w.name for w in layer.weights]
    for name, a, b in zip(names, mine, theirs):
        if a.shape != b.shape:
            return f"weight '{name}': shape {a.shape} in kerasmini, {b.shape} in tf.keras"
        if not np.array_equal(a, b, equal_nan=True):
            count = int(np.sum(~((a == b) | (np.isnan(a) & np.isnan(b)))))
            return (f"weight '{name}' differs from tf.keras's in {count} of {a.size} "
                    f"entries (max abs diff {float(np.nanmax(np.abs(a - b))):.3g})")
    return ""


def check_layers(km_model, tf_model, batches, rtol=None, atol=None, progress=None):
    """[Row] for every layer call, over every batch (each a list of input arrays)."""
    inputs, nodes = graph_nodes(km_model)
    checks = [LayerCheck(i + 1, node, tf_model.get_layer(node.operation.name), rtol, atol)
              for i, node in enumerate(nodes)]
    for b, batch in enumerate(batches):
        values = {id(t): np.asarray(a) if np.asarray(a).dtype.kind in "biu" else
                  np.asarray(a, np.float64) for t, a in zip(inputs, batch)}  # ids stay ints
        for check in checks:
            x64 = map_structure(lambda t: values[id(t)], check.node.call_args)
            out = check.run(x64)
            for tensor, value in zip(check.node.outputs, flatten(out)):
                values[id(tensor)] = value
            if progress:
                progress(b, check.row, len(checks))
    return [check.row for check in checks]
