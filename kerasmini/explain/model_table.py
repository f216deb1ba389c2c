"""A model's shapes: one row per layer, each layer's output feeding the next.

Written against a duck-typed model: anything with `.layers` (a Sequential, a chain-shaped
functional Model) or a plain list of layers. Each row comes from the layer's own
derivation (`explain_layer`), so a model's table agrees with its layers' words.
"""
from kerasmini.explain.derivations import explain_layer
from kerasmini.explain.explanation import format_shape


class ModelExplanation:
    """Rows of (name, class, input shape, output shape, params, why); `layers` has details."""

    def __init__(self, title, input_shape, layers):
        self.title = title
        self.input_shape = input_shape
        self.layers = layers  # [(layer name, Explanation or None if not reached)]

    @property
    def ok(self):
        return all(e is not None and e.ok for _, e in self.layers)

    @property
    def problem(self):
        return next((f"{name}: {e.problem}" for name, e in self.layers
                     if e is not None and not e.ok), None)

    @property
    def output_shape(self):
        return self.layers[-1][1].output_shape if self.ok and self.layers else (
            self.input_shape if not self.layers else None)

    @property
    def params(self):
        counts = [e.params for _, e in self.layers if e is not None]
        return None if None in counts or not self.ok else sum(counts)

    def rows(self):
        rows = []
        for name, e in self.layers:
            if e is None:
                rows.append((name, "", "", "not reached", "", ""))
                continue
            rows.append((name, e.title.split("(")[0], format_shape(e.input_shape),
                         format_shape(e.output_shape) if e.ok else "no output",
                         "?" if e.params is None else str(e.params), e.summary))
        return rows

    @property
    def text(self):
        header = ("layer", "class", "input shape", "output shape", "params", "why")
        rows = [header] + self.rows()
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines = [self.title]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths)]
            lines.append("  " + "  ".join(cells + [row[5]]).rstrip())
        total = "?" if self.params is None else self.params
        result = (f"output shape: {format_shape(self.input_shape)} -> "
                  f"{format_shape(self.output_shape)}, {total} parameters" if self.ok
                  else f"no output: {self.problem}")
        return "\n".join(lines + [result])

    def details(self):
        """The table followed by every layer's full derivation."""
        return "\n\n".join([self.text] + [str(e) for _, e in self.layers if e is not None])

    def __str__(self):
        return self.text

    __repr__ = __str__


def explain_model(model, input_shape=None):
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
