"""A model's shapes: one row per layer call.

A Sequential, a plain list of layers, or anything else with `.layers` is a chain: each
layer's output feeds the next. A functional Model is walked as the graph it is
(graph.py): one row per layer call, and a "from" column when it is not a chain. Each row
comes from the layer's own derivation (`explain_layer`), so a model's table agrees with
its layers' words.
"""
from kerasmini.explain.derivations import explain_layer
from kerasmini.explain.explanation import shape_as_tuple
from kerasmini.explain.graph import (given_input_shapes, graph_rows, is_chain, is_graph,
                                     repeated_calls)


class ModelExplanation:
    """Rows of (name, class, [from,] input shape, output shape, params, why); `layers` has
    the details. `sources` (a graph) names each row's inbound rows: the "from" column."""

    def __init__(self, title, input_shape, layers, sources=None, graph_output=None,
                 repeats=None):
        self.title = title
        self.input_shape = input_shape  # a list of shapes for a model with several inputs
        self.layers = layers  # [(layer name, Explanation or None if not reached)]
        self.sources = sources  # [[inbound row names]] for a graph, None for a chain
        self.graph_output = graph_output  # a graph's output shape(s), as the model returns
        self.repeats = repeats or {}  # {a shared layer's later call: its first call}

    @property
    def is_chain(self):
        """Each row fed by the row before it (a graph may be one too): no "from" column."""
        return self.sources is None or is_chain(self.sources, [name for name, _ in
                                                               self.layers])

    @property
    def ok(self):
        return all(e is not None and e.ok for _, e in self.layers)

    @property
    def problem(self):
        return next((f"{name}: {e.problem}" for name, e in self.layers
                     if e is not None and not e.ok), None)

    @property
    def output_shape(self):
        if not self.ok:
            return None
        if self.graph_output is not None:
            return self.graph_output
        return self.layers[-1][1].output_shape if self.layers else self.input_shape

    @property
    def params(self):
        counts = [e.params for name, e in self.layers
                  if e is not None and name not in self.repeats]
        return None if None in counts or not self.ok else sum(counts)

    def header(self):
        columns = ("layer", "class", "input shape", "output shape", "params", "why")
        return columns if self.is_chain else columns[:2] + ("from",) + columns[2:]

    def rows(self):
        rows = []
        for name, e in self.layers:
            if e is None:
                rows.append((name, "", "", "not reached", "", ""))
                continue
            shared = (f"weights of {self.repeats[name]}, counted there; "
                      if name in self.repeats else "")
            rows.append((name, e.title.split("(")[0], shape_as_tuple(e.input_shape),
                         shape_as_tuple(e.output_shape) if e.ok else "no output",
                         "?" if e.params is None else str(e.params), shared + e.summary))
        if not self.is_chain:
            rows = [row[:2] + (", ".join(source) or "-",) + row[2:]
                    for row, source in zip(rows, self.sources)]
        return rows

    @property
    def text(self):
        rows = [self.header()] + self.rows()
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        lines = [self.title]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths)]
            lines.append("  " + "  ".join(cells + [row[-1]]).rstrip())
        total = "?" if self.params is None else self.params
        result = (f"output shape: {shape_as_tuple(self.input_shape)} -> "
                  f"{shape_as_tuple(self.output_shape)}, {total} parameters" if self.ok
                  else f"no output: {self.problem}")
        return "\n".join(lines + [result])

    def details(self):
        """The table followed by every layer's full derivation."""
        return "\n\n".join([self.text] + [str(e) for _, e in self.layers if e is not None])

    def __str__(self):
        return self.text

    __repr__ = __str__


def explain_model(model, input_shape=None):
    """A functional model's graph (explain_graph), else a chain of layers (explain_chain)."""
    if is_graph(model):
        return explain_graph(model, input_shape)
    return explain_chain(model, input_shape)


def explain_graph(model, input_shape=None):
    """One row per layer call, each fed its inbound calls' shapes; input_shape is a list
    of shapes for a model with several inputs (None: the model's Input shapes)."""
    input_shapes = given_input_shapes(model, input_shape)
    rows, sources, output_shape = graph_rows(model, input_shapes)
    shown = input_shapes[0] if len(input_shapes) == 1 else input_shapes
    return ModelExplanation(f"{type(model).__name__} '{model.name}'", shown, rows, sources,
                            output_shape, repeated_calls(model))


def explain_chain(model, input_shape=None):
    """Feed `input_shape` through `model.layers` (or a list of layers) one layer at a time."""
    layers = list(model) if isinstance(model, (list, tuple)) else list(model.layers)
    if input_shape is None:
        input_shape = model_input_shape(model, layers)
    if input_shape is None:
        raise ValueError("explain needs an input shape: the model does not declare one. "
                         "Pass input_shape, e.g. explain(model, (None, 28, 28, 1)).")
    title = (f"{type(model).__name__} '{model.name}'" if hasattr(model, "name")
             else f"{len(layers)} layers")
    shape, rows = tuple(input_shape), []
    for layer in layers:
        name = getattr(layer, "name", type(layer).__name__)
        if rows and (rows[-1][1] is None or not rows[-1][1].ok):
            rows.append((name, None))
            continue
        explanation = explain_layer(layer, shape)
        rows.append((name, explanation))
        shape = explanation.output_shape
    return ModelExplanation(title, tuple(input_shape), rows)


def model_input_shape(model, layers):
    """The input shape a model declares: its own, an InputLayer's, or the first layer's."""
    for source in (model, *(layers[:1])):
        for attribute in ("input_shape", "batch_shape"):
            try:
                shape = getattr(source, attribute, None)
            except Exception:  # Keras raises on input_shape of an unbuilt model
                shape = None
            if isinstance(shape, (tuple, list)) and not callable(shape):
                return tuple(shape)
    declared = getattr(layers[0], "_input_shape_arg", None) if layers else None
    return None if declared is None else (None, *declared)


def is_model(obj):
    """Anything with a list of layers, or a list of layers itself."""
    return isinstance(obj, (list, tuple)) or isinstance(getattr(obj, "layers", None),
                                                        (list, tuple))
