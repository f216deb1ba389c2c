"""Explanation: what `explain()` returns -- the derivation as text, plus the numbers.

Printing it (or leaving it at the prompt) shows the text; `output_shape` and `params` are
there for code, and `problem` says in words why no output exists when the configuration
is invalid (then `output_shape` is None).
"""


class Explanation:
    """One layer's derivation: `title`, `lines` of reasoning, and the result."""

    def __init__(self, title, input_shape, output_shape=None, lines=(), params=None,
                 summary="", problem=None):
        self.title = title
        self.input_shape = input_shape
        self.output_shape = output_shape
        self.lines = list(lines)
        self.params = params
        self.summary = summary  # one short line: the "why" column of a model's table
        self.problem = problem

    @property
    def ok(self):
        return self.problem is None

    @property
    def text(self):
        result = (f"output shape: {shape_as_tuple(self.input_shape)} -> "
                  f"{shape_as_tuple(self.output_shape)}" if self.ok
                  else f"no output: {self.problem}")
        return "\n".join([self.title, *("  " + line for line in self.lines), result])

    def __str__(self):
        return self.text

    __repr__ = __str__


def shape_as_tuple(shape):
    """(10, 3, 7, 5) in Python's tuple notation, so a 1-tuple is (5,) (model.summary
    prints (5) instead: models/summary.py's shape_as_summary); None stays None; a merge's
    list of shapes in [ ]."""
    if shape is None:
        return "None"
    if isinstance(shape, list) and all(isinstance(s, (list, tuple)) for s in shape):
        return "[" + ", ".join(map(shape_as_tuple, shape)) + "]"
    shape = tuple(shape)
    return f"({shape[0]},)" if len(shape) == 1 else "(" + ", ".join(map(str, shape)) + ")"


def format_number(value):
    """7.5 -> '7.5', 14.0 -> '14', 13/3 + 1 -> '~5.333' (a Fraction or a float)."""
    if value == int(value):
        return str(int(value))
    rounded = round(float(value), 3)
    return ("" if rounded == value else "~") + f"{rounded:g}"
