"""model.summary(): the table Keras prints, drawn with plain strings.

Keras renders its summary with the `rich` package; this file reproduces rich's layout
for that one table (column widths, word wrapping, '…' for words that do not fit), so
that the text is character for character what tf.keras prints.
"""
import math
import re
import shutil

import numpy as np

_WORD = re.compile(r"\s*\S+\s*")


def print_summary(model, line_length=None, positions=None, print_fn=None):
    rows, sequential_like = model._summary_rows()
    if sequential_like:
        default_length, default_positions = 88, [0.45, 0.80, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
        align = ["left", "left", "right"]
    else:
        default_length, default_positions = 108, [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        align = ["left", "left", "right", "left"]
    line_length = line_length or min(default_length, shutil.get_terminal_size().columns - 4)
    positions = positions or default_positions
    widths, current = [], 0
    for position in positions:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width

    table = render_table(header, [r[:len(header)] for r in rows], widths, align,
                         line_length)
    console_width = shutil.get_terminal_size().columns  # rich crops lines to its console
    table = [line[:console_width] for line in table]
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    lines = [f'Model: "{model.name}"', *table,
             _count_line("Total params", trainable + non_trainable),
             _count_line("Trainable params", trainable),
             _count_line("Non-trainable params", non_trainable)]
    text = "\n".join(lines) + "\n"
    if print_fn is None:
        print(text, end="")
    else:
        print_fn(text)


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


def format_shape(shape):
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
        lines.append(piece.rjust(width) if align == "right" else piece.ljust(width))
    return lines
