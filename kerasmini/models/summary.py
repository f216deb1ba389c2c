"""model.summary(): the table Keras prints, drawn with plain strings.

Keras renders its summary with the `rich` package; this file reproduces rich's layout
for that one table (column widths, word wrapping, '…' for words that do not fit), so
that the text is character for character what tf.keras prints.
"""
import math
import re
import shutil

import numpy as np

from kerasmini.utils import io_utils

_WORD = re.compile(r"\s*\S+\s*")


def print_summary(model, line_length=None, positions=None, print_fn=None,
                  expand_nested=False, show_trainable=False, layer_range=None):
    """Keras's summary table. `show_trainable` adds a "Trainable" column (Y, N, or - for
    a layer without weights); `layer_range` (two regular expressions) keeps the rows
    from the first layer whose name matches the first to the last matching the second.
    """
    _check_expand_nested(model, expand_nested)
    rows, sequential_like = model._summary_rows()
    # One row per layer, as Keras lists them: a functional model's `_operations` when it
    # keeps them apart from `layers` (tensor operations such as `x + y`), else `layers`.
    layers = getattr(model, "_operations", None) or model.layers
    header, align, default_length, default_positions = _columns(sequential_like)
    positions = positions or default_positions
    rows = [row[:len(header)] for row in rows]
    if show_trainable:  # as Keras: 12 more characters, the other columns take 90%
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header, align = header + ["Trainable"], align + ["center"]
        rows = [row + [_trainable_mark(layer)] for row, layer in zip(rows, layers)]
    first, stop = layer_index_range(layers, layer_range)
    line_length = line_length or min(default_length, shutil.get_terminal_size().columns - 4)
    table = render_table(header, rows[first:stop], _column_widths(positions, line_length),
                         align, line_length)
    console_width = shutil.get_terminal_size().columns  # rich crops lines to its console
    table = [line[:console_width] for line in table]
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    optimizer = getattr(model, "optimizer", None) if getattr(model, "compiled", False) \
        else None
    state = optimizer.variables if optimizer is not None and optimizer.built else None
    lines = [f'Model: "{model.name}"', *table,
             _count_line("Total params", trainable + non_trainable + (state or [])),
             _count_line("Trainable params", trainable),
             _count_line("Non-trainable params", non_trainable)]
    if state is not None:  # once the optimizer has made its state, as Keras
        lines.append(_count_line("Optimizer params", state))
    text = "\n".join(lines) + "\n"
    if print_fn is None:
        io_utils.print_msg(text, line_break=False)
    else:
        print_fn(text)


def _columns(sequential_like):
    """(header, alignment, default line length, default column end positions)."""
    if sequential_like:
        return (["Layer (type)", "Output Shape", "Param #"], ["left", "left", "right"],
                88, [0.45, 0.80, 1.0])
    return (["Layer (type)", "Output Shape", "Param #", "Connected to"],
            ["left", "left", "right", "left"], 108, [0.3, 0.56, 0.74, 1.0])


def _column_widths(positions, line_length):
    """Each column's width from where it ends, as a fraction of the line."""
    widths, current = [], 0
    for position in positions:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    return widths


def _check_expand_nested(model, expand_nested):
    """expand_nested changes nothing without a nested model; with one, it is not drawn."""
    nested = [layer.name for layer in model.layers if hasattr(layer, "layers")]
    if expand_nested and nested:
        raise ValueError("summary(expand_nested=True) is not supported by kerasmini for a "
                         f"model holding nested models (here: {nested}). Call summary() "
                         "on each nested model instead.")


def _trainable_mark(layer):
    if not getattr(layer, "weights", None):
        return "-"
    return "Y" if layer.trainable else "N"


def layer_index_range(layers, layer_range):
    """(first, stop) of the rows `layer_range` keeps: from the first layer whose name
    matches layer_range[0] to the last matching layer_range[1] (re.match), as Keras."""
    if layer_range is None:
        return 0, len(layers)
    if len(layer_range) != 2:
        raise ValueError("layer_range must be a list or tuple of length 2. Received: "
                         f"layer_range = {layer_range} of length {len(layer_range)}")
    if not all(isinstance(pattern, str) for pattern in layer_range):
        raise ValueError(f"layer_range should contain string type only. Received: "
                         f"{layer_range}")
    lower = [i for i, layer in enumerate(layers) if re.match(layer_range[0], layer.name)]
    upper = [i for i, layer in enumerate(layers) if re.match(layer_range[1], layer.name)]
    if not lower or not upper:
        raise ValueError("Passed layer_names do not match the layer names in the model. "
                         f"Received: {layer_range}")
    if min(lower) > max(upper):
        return min(upper), max(lower) + 1
    return min(lower), max(upper) + 1


def _count_line(label, weights):
    unique = {id(w): w for w in weights}.values()
    count = sum(math.prod(w.shape) for w in unique)
    size = sum(math.prod(w.shape) * _itemsize(w.dtype) for w in unique)
    return f" {label}: {count:,} ({readable_size(size)})"


def _itemsize(dtype):
    return np.dtype(dtype).itemsize


def readable_size(size):
    for unit in ["B", "KB", "MB", "GB", "TB"]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def shape_as_summary(shape):
    """(None, 5) as Keras's summary prints it: a 1-tuple is (5), without Python's comma."""
    return "(" + ", ".join(str(d) for d in shape) + ")"


# ---------------------------------------------------------------------------------------
# A heavy-head box table with lines between rows, laid out as rich lays it out.

def render_table(header, rows, widths, align, line_length):
    """Lines of a table: `widths` are the requested column widths, padding included
    in none of them; when the columns plus padding and borders exceed `line_length`,
    the excess is taken from the columns evenly (rich's `ratio_reduce`)."""
    n = len(header)
    max_width = line_length - (n + 1)  # the borders
    cells = [min(w + 2, max_width) for w in widths]  # + 1 space of padding per side
    if sum(cells) > max_width:
        cells = _ratio_reduce(sum(cells) - max_width, cells)
    content = [c - 2 for c in cells]

    def rule(left, fill, cross, right):
        return left + cross.join(fill * c for c in cells) + right

    def row_lines(texts, edge):
        wrapped = [wrap_cell(t, w, a) for t, w, a in zip(texts, content, align)]
        height = max(len(w) for w in wrapped)
        out = []
        for i in range(height):
            parts = [f" {w[i] if i < len(w) else ' ' * width} "
                     for w, width in zip(wrapped, content)]
            out.append(edge + edge.join(parts) + edge)
        return out

    lines = [rule("┏", "━", "┳", "┓"), *row_lines(header, "┃"), rule("┡", "━", "╇", "┩")]
    for i, row in enumerate(rows):
        if i:
            lines.append(rule("├", "─", "┼", "┤"))
        lines.extend(row_lines(row, "│"))
    lines.append(rule("└", "─", "┴", "┘"))
    return lines


def _ratio_reduce(excess, widths):
    remaining, ratio_left, out = excess, len(widths), []
    for width in widths:
        taken = min(width, round(remaining / ratio_left))
        out.append(width - taken)
        remaining -= taken
        ratio_left -= 1
    return out


def wrap_cell(text, width, align):
    """Word-wrap `text` to `width`; a word longer than a line is cut with '…'."""
    breaks, offset = [], 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group()
        length = len(word.rstrip())
        if width - offset >= length:
            offset += len(word)
        elif length > width:
            if start:
                breaks.append(start)
            offset = len(word)
        elif offset and start:
            breaks.append(start)
            offset = len(word)
    pieces = [text[a:b] for a, b in zip([0, *breaks], [*breaks, len(text)])] or [""]
    lines = []
    for piece in pieces:
        piece = piece.rstrip()
        if len(piece) > width:
            piece = piece[:width - 1] + "…"
        lines.append(_align(piece, width, align))
    return lines


def _align(text, width, align):
    """rich's justification: 'center' puts the odd space on the right."""
    if align == "right":
        return text.rjust(width)
    if align == "center":
        left = (width - len(text)) // 2
        return " " * left + text.ljust(width - left)
    return text.ljust(width)
