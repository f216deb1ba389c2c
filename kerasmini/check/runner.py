"""Every layer of a model, kerasmini and tf.keras side by side, a float64 run deciding.

Each node of the graph (a layer call, or a keras.ops operation on symbolic tensors) is
checked on its own, on identical inputs: the float64 run's values of every tensor it
reads (positional and keyword arguments, nested, masks included), floats rounded to the
node's dtype. kerasmini's node, tf.keras's node (found by graph position, pairing.py)
and a float64 twin of the node (kerasmini's code, tf.keras's weights, every constant in
float64) run on those values; each output is compared with the float64 one under the
tolerance policy of tolerance.py (boolean and integer outputs, such as masks, exactly).
Since no node sees another library's error, a verdict belongs to its own node: the
first diverging node is where the blame stops.

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
from kerasmini.check.pairing import GraphDifference, Pairing
from kerasmini.check.twins import run_tf, tf_float64_output, with_mask
from kerasmini.layers.keras_tensor import (KerasTensor, flatten, is_symbolic, keras_mask,
                                          map_structure)
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
    """The model's calls (layers and keras.ops operations) in an order where every
    input is computed first."""
    graph = getattr(model, "_graph", None) or model
    nodes = [node for depth in sorted(graph._nodes_by_depth, reverse=True)
             for node in graph._nodes_by_depth[depth] if not node.is_input]
    return graph.inputs, nodes


def float64_twin(layer, weights):
    """The layer rebuilt from its config with every dtype float64, holding `weights`;
    an operation rebuilt as it is (its `dtype`, as in ops.cast, is its result's)."""
    if isinstance(layer, Operation):
        return type(layer).from_config(layer.get_config()), []
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


def call(operation, positional, args, kwargs, is_layer):
    """One call as the graph makes it: a layer with training=False, an operation
    without; several positional arguments spread (`mha(q, v)`, `op(x, 3.0)`), else
    the one argument (a tensor or a list of them)."""
    kwargs = {k: v for k, v in kwargs.items() if k != "training"}
    if is_layer:
        kwargs["training"] = False
    return operation(*args, **kwargs) if positional else operation(args, **kwargs)


def _is_float(array):
    return np.asarray(array).dtype.kind == "f"


class NodeCheck:
    """One node's three runs (a layer call or a keras.ops operation), its twin built on
    first use. Every tensor argument (positional, keyword, nested, masks) is fed to
    both libraries with the same values: the float64 run's, rounded to the node's dtype."""

    def __init__(self, index, node, other, pairing, rtol, atol):
        self.node, self.layer, self.other, self.pairing = node, node.operation, other, pairing
        self.is_layer = not isinstance(self.layer, Operation)
        self.tf_layer = other and other.operation
        self.rtol, self.atol = rtol, atol
        self.row = Row(index, self.layer.name, type(self.layer).__name__,
                       tuple(node.outputs[0].shape))
        self.twin = None
        if self.is_layer and other is not None:
            self.row.weights_why = _weights_difference(self.layer, self.tf_layer)

    def dtype(self, tensor):
        """The dtype a float input is fed in and an output compared in: a layer's
        compute dtype (an integer or boolean output's own, compared exactly), an
        operation's tensor's own."""
        own = np.dtype(tensor.dtype) if tensor.dtype != "string" else np.dtype(object)
        if self.is_layer and own.kind in "fO":
            return self.layer.compute_dtype
        return own.name

    def run(self, values):
        """Check one batch (`values`: id(tensor) -> its float64 run's value); return the
        float64 outputs, a flat list, that feed the next nodes."""
        fed = {id(t): self._fed(t, values) for t in self.node.input_tensors}
        wide = {k: (v.astype(np.float64) if _is_float(v) else v) for k, v in fed.items()}
        ref = self._ref(*self._arguments(wide))
        km_out = flatten(call(self.layer, self.node.positional, *self._arguments(fed),
                              self.is_layer))
        tf_out = self._tf_run(fed, values)
        self._record(km_out, tf_out, ref, wide, fed, values)
        return ref

    def _arguments(self, fed):
        def value(t):
            return fed[id(t)] if isinstance(t, KerasTensor) else t
        return (map_structure(value, self.node.call_args),
                map_structure(value, self.node.call_kwargs))

    def _tf_run(self, fed, values):
        """tf.keras's outputs on the same values, the exception TensorFlow raised, or a
        GraphDifference: it has no such call, or reads what kerasmini's graph does not
        compute. (An error in building the arguments is check's own and propagates.)"""
        if self.other is None:
            return GraphDifference(f"tf.keras's graph has no call of "
                                   f"{type(self.layer).__name__} on these inputs")
        try:
            args, kwargs = self._tf_arguments(fed, values)
        except GraphDifference as difference:
            return difference
        return run_tf(lambda: call(self.tf_layer, True, args, kwargs, self.is_layer))

    def _tf_arguments(self, fed, values):
        """tf.keras's (args, kwargs) holding the values kerasmini's node is fed (a tensor
        it does not read: the float64 run's, likewise rounded), its input tensors
        carrying the masks the graph's do (a merge reads them there)."""
        mine = {id(self.pairing.other_of.get(id(t))): t for t in self.node.input_tensors}

        def value(tf_tensor):
            tensor = mine.get(id(tf_tensor)) or self.pairing.km_tensor(tf_tensor, self.other)
            array = fed[id(tensor)] if id(tensor) in fed else self._fed(tensor, values)
            mask = keras_mask(tensor)
            if mask is None or id(mask) not in values:
                return array
            return with_mask(self.tf_layer, array, values[id(mask)])
        return self.other.filled(value)

    def _fed(self, tensor, values):
        """The float64 run's value of `tensor`, a float rounded to the node's dtype."""
        value = values[id(tensor)]
        return value.astype(self.dtype(tensor)) if _is_float(value) else value

    def _ref(self, args, kwargs):
        if self.twin is None:
            source = self.tf_layer if self.other is not None else self.layer
            self.twin, weights = float64_twin(self.layer, source.get_weights()
                                              if self.is_layer else [])
            self._build_twin(args, kwargs, len(weights))
            self.twin.set_weights(weights)
        with np.errstate(all="ignore"):
            return flatten(call(self.twin, self.node.positional, args, kwargs,
                                self.is_layer))

    def _build_twin(self, args, kwargs, weight_count):
        """Build for one tensor's shapes as the graph did; a call of several tensors, or
        a layer of the user's that makes its sublayers' weights when first called, by
        calling it once (Keras's build(query_shape, value_shape, ...))."""
        several = self.node.positional or any(is_symbolic(v) for v in
                                              self.node.call_kwargs.values())
        if not self.twin.built and not several:
            self.twin.build(map_structure(lambda a: (None, *np.shape(a)[1:]), args))
        if len(self.twin.weights) != weight_count:
            with np.errstate(all="ignore"):
                call(self.twin, self.node.positional, args, kwargs, self.is_layer)

    def _record(self, km_out, tf_out, ref, wide, fed, values):
        row = self.row
        dtypes = [self.dtype(t) for t in self.node.outputs]
        _, km_err, km_ulps, km_why, _ = _compare_all(km_out, ref, dtypes, self.rtol,
                                                     self.atol)
        row.km_err, row.km_ulps = _max(row.km_err, km_err), _max(row.km_ulps, km_ulps)
        row.km_why = row.km_why or km_why
        if isinstance(tf_out, BaseException):
            tf_ok, tf_err, tf_ulps, failed = False, math.inf, math.inf, 0
            tf_why = f"raised {type(tf_out).__name__}: {str(tf_out).splitlines()[0][:200]}"
        else:
            tf_ok, tf_err, tf_ulps, tf_why, failed = _compare_all(
                tf_out, ref, dtypes, self.rtol, self.atol)
        row.tf_err, row.tf_ulps = _max(row.tf_err, tf_err), _max(row.tf_ulps, tf_ulps)
        if tf_ok or row.tf_why:
            return
        row.tf_why = tf_why
        if isinstance(tf_out, GraphDifference):
            row.tf_why, row.arbiter_why = str(tf_out), "the two graphs differ here"
            return
        args = self._arguments(wide)[0]
        row.kind = divergences.classify(
            self.layer, _output(tf_out, failed), args, ref[failed],
            lambda: _output(self._tf_run(fed, values), failed))
        if row.kind == divergences.WRONG_VALUES:
            row.arbiter_why = self._twins_disagree(wide, values, ref, dtypes)

    def _twins_disagree(self, wide, values, ref, dtypes):
        """'' if tf.keras's float64 twin agrees with kerasmini's, else how they differ."""
        def arguments():
            args, kwargs = self._tf_arguments(wide, values)
            return args, ({**kwargs, "training": False} if self.is_layer else kwargs)
        tf64 = tf_float64_output(self.tf_layer, arguments, as_float64, self.is_layer)
        if isinstance(tf64, BaseException):
            return f"tf.keras's float64 twin raised {type(tf64).__name__}"
        rtols = [ARBITER_RTOL.get(np.dtype(d).name, 0) for d in dtypes]
        ok, _, _, why, _ = _compare_all(tf64, ref, ["float64" if np.dtype(d).kind == "f"
                                                    else d for d in dtypes], rtols)
        return "" if ok else why


def _output(out, index):
    return out if isinstance(out, BaseException) else out[index]


def _compare_all(outs, refs, dtypes, rtol, atol=None):
    """compare() output by output (rtol: one, or one per output): (ok, max err, max
    ulps, why of the first that differs, numbered when there are several, its index)."""
    if len(outs) != len(refs):
        return False, math.inf, math.inf, f"{len(outs)} outputs, the reference has " \
                                          f"{len(refs)}", 0
    err = ulps = 0.0
    why, failed = "", 0
    for i, (out, ref, dtype) in enumerate(zip(outs, refs, dtypes)):
        ok, e, u, w = compare(out, ref, np.dtype(dtype).name,
                              rtol[i] if isinstance(rtol, list) else rtol, atol)
        err, ulps = _max(err, e), _max(ulps, u)
        if not ok and not why:
            why = f"output {i} of {len(outs)}: {w}" if len(outs) > 1 else w
            failed = i
    return not why, err, ulps, why, failed


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
    """[Row] for every node (layer call or operation), over every batch (each a list
    of input arrays); tf.keras's node of each found by its place in the graph."""
    inputs, nodes = graph_nodes(km_model)
    pairing = Pairing(inputs, tf_model)
    checks = [NodeCheck(i + 1, node, pairing.find(node), pairing, rtol, atol)
              for i, node in enumerate(nodes)]
    for b, batch in enumerate(batches):
        values = {id(t): (np.asarray(a, np.float64) if _is_float(a) else np.asarray(a))
                  for t, a in zip(inputs, batch)}
        for check in checks:
            for tensor, value in zip(check.node.outputs, check.run(values)):
                values[id(tensor)] = value
            if progress:
                progress(b, check.row, len(checks))
    return [check.row for check in checks]
