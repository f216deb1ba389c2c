"""Pictures of what the shapes mean (needs matplotlib: pip install "kerasmini[plots]").

- draw_sliding_window: a kernel (or pooling window) sliding over a small input, one
  panel per output position (PNG) or one frame per position (GIF), with 'same' padding
  drawn as grey cells and the stride visible as the jump between panels.
- draw_feature_maps: what each filter of a Conv2D layer makes of an image.
- draw_model: a model's (or a list of layers') shapes as a stack of boxes, one per
  layer call, with arrows from the boxes feeding each one (branches and merges too).

matplotlib is imported only inside these functions, so `import kerasmini` never needs it.
Figures are drawn with matplotlib's Agg canvas directly (no pyplot, no GUI backend).
"""
from pathlib import Path

import numpy as np

from kerasmini.explain.explanation import shape_as_tuple
from kerasmini.explain.model_table import explain_model
from kerasmini.ops.layout import split_channels
from kerasmini.ops.shapes import effective_kernel_size, output_length, pair, same_padding

INSTALL_HINT = 'pictures need matplotlib: pip install "kerasmini[plots]"'
LEGEND = ("blue: input (outlined), grey hatched: zero padding, orange: the window, "
          "green: outputs done")
COLORS = {"input": "#dbe9f6", "pad": "#d9d9d9", "window": "#f39c34", "done": "#b7e1b0",
          "current": "#f39c34", "box": "#dbe9f6", "bad": "#f4c7c3"}


def require_matplotlib():
    """matplotlib's Figure and Agg canvas, or ImportError naming the extra to install."""
    try:
        # lazy: matplotlib is optional (see the module docstring)
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(INSTALL_HINT) from error
    return Figure, FigureCanvasAgg


# ----- the sliding window -----------------------------------------------------------------
class WindowGeometry:
    """Where each window sits on the padded input, from ops.shapes (as the layers use)."""

    def __init__(self, input_size, kernel_size, strides=1, padding="valid", dilation_rate=1):
        self.input_size = pair(input_size)
        self.kernel_size = pair(kernel_size)
        self.strides = pair(strides)
        self.dilation = pair(dilation_rate)
        self.padding = padding
        self.output_size = tuple(
            output_length(n, k, s, padding, d) for n, k, s, d in
            zip(self.input_size, self.kernel_size, self.strides, self.dilation))
        self.pads = (tuple(same_padding(n, k, s, d) for n, k, s, d in
                           zip(self.input_size, self.kernel_size, self.strides,
                               self.dilation))
                     if padding == "same" else ((0, 0), (0, 0)))
        self.padded_size = tuple(n + before + after
                                 for n, (before, after) in zip(self.input_size, self.pads))
        self.note = ""  # what the picture leaves out, if anything

    @property
    def steps(self):
        """Output positions in reading order: (row, col)."""
        rows, cols = self.output_size
        return [(i, j) for i in range(max(rows, 0)) for j in range(max(cols, 0))]

    def taps(self, i, j):
        """Padded-input cells the window at output (i, j) reads."""
        (kh, kw), (sh, sw), (dh, dw) = self.kernel_size, self.strides, self.dilation
        return [(i * sh + a * dh, j * sw + b * dw) for a in range(kh) for b in range(kw)]

    def describe(self):
        k = "x".join(map(str, self.kernel_size))
        n = "x".join(map(str, self.input_size))
        o = "x".join(map(str, self.output_size))
        extra = "" if self.dilation == (1, 1) else f", dilation {self.dilation}"
        note = f"\n({self.note})" if self.note else ""
        return (f"input {n}, kernel {k}, stride {self.strides}, padding '{self.padding}'"
                f"{extra} -> output {o}{note}")


# A picture's cost is one patch per drawn cell (~1 ms each): at most MAX_DRAWN_CELLS a
# side of padded input per panel, and CELL_BUDGET cells over all panels or frames (the
# default 5x5 example draws ~1,200).
MAX_DRAWN_CELLS = 12
CELL_BUDGET = 2500


def drawn_input_size(input_size, kernel_size, strides=1, padding="valid", dilation_rate=1):
    """The input size a picture draws: the real one when its padded side fits in
    MAX_DRAWN_CELLS, else a crop with the same remainder modulo the stride, so that its
    'same' padding (which depends only on that remainder) and the windows in its
    top-left corner are exactly the real ones. ValueError if even the window is too big.
    """
    full = WindowGeometry(input_size, kernel_size, strides, padding, dilation_rate)
    sizes = []
    for n, k, s, d, (before, after) in zip(full.input_size, full.kernel_size, full.strides,
                                           full.dilation, full.pads):
        room = MAX_DRAWN_CELLS - before - after
        smallest = effective_kernel_size(k, d) if padding == "valid" else 1
        if n <= room:
            sizes.append(n)
            continue
        crop = room - (room - n) % s
        if crop < smallest:
            raise ValueError(
                f"too large to draw: a window of {effective_kernel_size(k, d)} pixels "
                f"with padding {(before, after)} needs more than {MAX_DRAWN_CELLS} cells a "
                f"side ({full.describe()}); the text derivation above still holds.")
        sizes.append(crop)
    return tuple(sizes)


def draw_sliding_window(path, input_size=5, kernel_size=3, strides=1, padding="valid",
                        dilation_rate=1, max_steps=36, what="kernel"):
    """The 5x5 / 3x3 / stride 1 example by default; .png = grid of steps, .gif = animation.

    The PNG lays its panels out like the output grid (panel (i, j) makes output (i, j));
    the GIF has one frame per output position, at most `max_steps` of them. An input
    too large to draw is drawn as a representative crop (`drawn_input_size`), and the
    title says so. Returns the path written.
    """
    shown = drawn_input_size(input_size, kernel_size, strides, padding, dilation_rate)
    geometry = WindowGeometry(shown, kernel_size, strides, padding, dilation_rate)
    if not geometry.steps:
        raise ValueError(f"no output position fits: {geometry.describe()}")
    if shown != pair(input_size):
        geometry.note = (f"drawn on a {shown[0]}x{shown[1]} crop of the "
                         f"{'x'.join(map(str, pair(input_size)))} input: same padding, "
                         "same windows in its top-left corner")
    cells = (np.prod(geometry.padded_size) + np.prod(geometry.output_size))
    max_steps = int(max(1, min(max_steps, CELL_BUDGET // cells)))
    path = Path(path)
    if path.suffix.lower() == ".gif":
        return _save_gif(geometry, path, what, max_steps)
    return _save_step_grid(geometry, path, max_steps, what)


def draw_layer_windows(layer, input_shape, path, max_steps=36):
    """draw_sliding_window for a Conv2D or pooling layer on `input_shape` (batch included)."""
    spatial, _ = split_channels(input_shape, getattr(layer, "data_format", "channels_last"))
    if len(spatial) != 2 or None in spatial:
        raise ValueError(f"pictures need two known spatial sizes; got {spatial}")
    kernel = getattr(layer, "kernel_size", None) or layer.pool_size
    what = "kernel" if hasattr(layer, "kernel_size") else "window"
    return draw_sliding_window(path, spatial, kernel, layer.strides, layer.padding,
                               getattr(layer, "dilation_rate", 1), max_steps, what)


def _save_step_grid(geometry, path, max_steps, what):
    Figure, Canvas = require_matplotlib()
    rows, cols = geometry.output_size
    steps = geometry.steps[:max_steps]
    cols = min(cols, max_steps)
    rows = -(-len(steps) // cols)
    panel_w = (geometry.padded_size[1] + geometry.output_size[1] + 2) * 0.32
    panel_h = max(geometry.padded_size[0], geometry.output_size[0]) * 0.32 + 0.5
    figure = Figure(figsize=(cols * panel_w, rows * panel_h + 0.6))
    Canvas(figure)
    for n, step in enumerate(steps):
        _draw_step(figure.add_subplot(rows, cols, n + 1), geometry, step, n, what)
    shown = "" if len(steps) == len(geometry.steps) else (
        f" (first {len(steps)} of {len(geometry.steps)} steps)")
    figure.suptitle(geometry.describe() + shown + "\n" + LEGEND, fontsize=10)
    figure.tight_layout(rect=(0, 0, 1, 0.95))
    figure.savefig(path, dpi=80, facecolor="white")
    return path


def _save_gif(geometry, path, what, max_steps, milliseconds=700):
    from PIL import Image  # comes with matplotlib

    Figure, Canvas = require_matplotlib()
    width = (geometry.padded_size[1] + geometry.output_size[1] + 2) * 0.45
    height = max(geometry.padded_size[0], geometry.output_size[0]) * 0.45 + 0.9
    frames = []
    for n, step in enumerate(geometry.steps[:max_steps]):
        figure = Figure(figsize=(width, height))
        canvas = Canvas(figure)
        _draw_step(figure.add_subplot(1, 1, 1), geometry, step, n, what)
        figure.suptitle(geometry.describe(), fontsize=8)
        figure.tight_layout()
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        frames.append(Image.fromarray(rgba[..., :3].copy()))
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=milliseconds,
                   loop=0)
    return path


def _draw_step(ax, geometry, step, n, what):
    """Padded input (left) with the window at `step`, output grid (right) filled so far."""
    # lazy: matplotlib is optional (see the module docstring)
    from matplotlib.patches import FancyArrowPatch, Rectangle

    (top, _), (left, _) = geometry.pads
    in_h, in_w = geometry.input_size
    pad_h, pad_w = geometry.padded_size
    out_h, out_w = geometry.output_size
    taps = set(geometry.taps(*step))
    for r in range(pad_h):
        for c in range(pad_w):
            inside = top <= r < top + in_h and left <= c < left + in_w
            color = COLORS["window"] if (r, c) in taps else (
                COLORS["input"] if inside else COLORS["pad"])
            ax.add_patch(Rectangle((c, -r - 1), 1, 1, facecolor=color, edgecolor="#555555",
                                   linewidth=0.6, hatch=None if inside else "//"))
    ax.add_patch(Rectangle((left, -top - in_h), in_w, in_h, fill=False,
                           edgecolor="#1f4e79", linewidth=1.8))  # the real input's edge
    rows = [r for r, _ in taps]
    cols = [c for _, c in taps]
    ax.add_patch(Rectangle((min(cols), -max(rows) - 1), max(cols) - min(cols) + 1,
                           max(rows) - min(rows) + 1, fill=False, edgecolor="#c0392b",
                           linewidth=2.2))
    x0 = pad_w + 1.5
    done = n  # steps run in reading order
    for i in range(out_h):
        for j in range(out_w):
            k = i * out_w + j
            color = (COLORS["current"] if (i, j) == step else
                     COLORS["done"] if k < done else "white")
            ax.add_patch(Rectangle((x0 + j, -i - 1), 1, 1, facecolor=color,
                                   edgecolor="#555555", linewidth=0.6))
    i, j = step
    ax.add_patch(FancyArrowPatch((max(cols) + 1, -(min(rows) + max(rows) + 1) / 2),
                                 (x0 + j, -i - 0.5), arrowstyle="->", mutation_scale=8,
                                 color="#c0392b", linewidth=1))
    ax.set_xlim(-0.2, x0 + out_w + 0.2)
    ax.set_ylim(-max(pad_h, out_h) - 0.2, 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"step {n + 1}: output ({i}, {j})", fontsize=8)


# ----- feature maps -------------------------------------------------------------------------
def sample_image(size=32):
    """A grey test image: a bright square, a disk and a diagonal bar, shape (size, size, 1)."""
    y, x = np.mgrid[0:size, 0:size] / size
    image = np.zeros((size, size), np.float32)
    image[(0.12 < y) & (y < 0.45) & (0.1 < x) & (x < 0.42)] = 1.0
    image[(y - 0.7) ** 2 + (x - 0.28) ** 2 < 0.035] = 0.7
    image[np.abs((x - 0.55) - (y - 0.1)) < 0.07] = 0.45
    return image[..., None]


def draw_feature_maps(layer, image, path, max_maps=16):
    """The input image, then each output channel of `layer(image)`; kernels shown too
    when the image has one channel. `image` is (H, W, C) in the layer's data_format order
    without the batch axis. Returns the path written."""
    Figure, Canvas = require_matplotlib()
    image = np.asarray(image, dtype=np.float32)
    maps = np.asarray(layer(image[None]))[0]
    channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
    if channels_first:
        image, maps = np.moveaxis(image, 0, -1), np.moveaxis(maps, 0, -1)
    count = min(maps.shape[-1], max_maps)
    kernels = _grey_kernels(layer, image.shape[-1], count)
    rows = 2 if kernels is not None else 1
    figure = Figure(figsize=(2.1 * (count + 1), 2.5 * rows + 0.4))
    Canvas(figure)
    ax = figure.add_subplot(rows, count + 1, 1)
    ax.imshow(image[..., 0] if image.shape[-1] == 1 else _unit_range(image[..., :3]),
              cmap="gray")
    ax.set_title(f"input {image.shape[0]}x{image.shape[1]}", fontsize=9)
    ax.axis("off")
    for f in range(count):
        ax = figure.add_subplot(rows, count + 1, f + 2)
        ax.imshow(maps[..., f], cmap="magma")
        ax.set_title(f"filter {f}: {maps.shape[0]}x{maps.shape[1]}", fontsize=9)
        ax.axis("off")
        if kernels is not None:
            ax = figure.add_subplot(rows, count + 1, count + 1 + f + 2)
            limit = float(np.abs(kernels[..., f]).max()) or 1.0
            ax.imshow(kernels[..., f], cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"kernel {f}", fontsize=9)
            ax.axis("off")
    figure.suptitle(f"{type(layer).__name__}: {maps.shape[-1]} filters -> "
                    f"{maps.shape[-1]} feature maps", fontsize=11)
    figure.tight_layout(rect=(0, 0, 1, 0.93), h_pad=1.5)
    figure.savefig(path, dpi=80, facecolor="white")
    return Path(path)


def _grey_kernels(layer, channels, count):
    kernel = getattr(layer, "kernel", None)
    if channels != 1 or kernel is None or getattr(layer, "groups", 1) != 1:
        return None
    return np.asarray(kernel.numpy())[:, :, 0, :count]


def _unit_range(image):
    low, high = float(image.min()), float(image.max())
    return (image - low) / (high - low) if high > low else np.zeros_like(image)


# ----- the model diagram --------------------------------------------------------------------
def draw_model(model, input_shape=None, path="model.png"):
    """One box per layer call with its output shape and parameters, top to bottom, and an
    arrow from each box that feeds it: straight down from the box just above, curved round
    the left from one further up (a branch or a skip). A chain starts with an input box; a
    layer with no output is drawn red with the reason. Returns the path written."""
    Figure, Canvas = require_matplotlib()
    table = explain_model(model, input_shape)
    boxes, sources = _model_boxes(table)
    figure = Figure(figsize=(9.5, 1.05 * len(boxes) + 0.5))
    Canvas(figure)
    ax = figure.add_subplot(1, 1, 1)
    skips = 0
    for n, (box, inbound) in enumerate(zip(boxes, sources)):
        _draw_box(ax, -n * 1.3, *box)
        for m in inbound:
            skips += m != n - 1
            _draw_arrow(ax, m, n, skips)
    total = "" if table.params is None else f", {table.params:,} parameters"
    ax.set_title(f"{table.title}: {_shape(table.input_shape)} -> "
                 f"{_shape(table.output_shape)}{total}", fontsize=10)
    ax.set_xlim(0 if skips else 1, 8)  # room on the left for the arcs
    ax.set_ylim(-1.3 * (len(boxes) - 1) - 0.6, 0.6)
    ax.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=80, facecolor="white")
    return Path(path)


def _model_boxes(table):
    """[(label, shape text, params text, ok, why)] and, for each box, the boxes feeding it."""
    boxes = [] if table.sources else [("input", _shape(table.input_shape), "", True, "")]
    inbound = [""] * len(table.layers) if table.is_chain else [
        "  <- " + ", ".join(source) if source else "" for source in table.sources]
    for (name, explanation), came_from in zip(table.layers, inbound):
        if explanation is None:
            boxes.append((name + came_from, "not reached", "", False, ""))
            continue
        kind = explanation.title.split("(")[0] + came_from
        params = "" if explanation.params is None else f"{explanation.params:,} params"
        shape = (_shape(explanation.output_shape) if explanation.ok
                 else "no output: " + explanation.problem)
        why = explanation.summary if explanation.ok else ""
        boxes.append((f"{name}: {kind}", shape, params, explanation.ok, why))
    if not table.sources:  # a chain: each box feeds the next
        return boxes, [[]] + [[n] for n in range(len(boxes) - 1)]
    index = {name: n for n, (name, _) in enumerate(table.layers)}
    return boxes, [[index[name] for name in source] for source in table.sources]


def _draw_box(ax, y, label, shape, params, ok, why):
    # lazy: matplotlib is optional (see the module docstring)
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((1.5, y - 0.4), 6.0, 0.8, boxstyle="round,pad=0.05",
                                facecolor=COLORS["box"] if ok else COLORS["bad"],
                                edgecolor="#1f4e79"))
    ax.text(1.7, y + 0.12, label, fontsize=10, fontweight="bold", va="center")
    ax.text(1.7, y - 0.2, _wrap(shape, 70), fontsize=9, va="center", family="monospace")
    ax.text(7.3, y + 0.12, params, fontsize=9, va="center", ha="right")
    ax.text(7.3, y - 0.2, _wrap(why, 60), fontsize=7, va="center", ha="right",
            color="#555555")


def _draw_arrow(ax, source, target, skips):
    """Box `source` -> box `target`: straight when adjacent, else an arc left of the boxes
    (bulging further for each skip, so that arcs over the same boxes stay apart)."""
    # lazy: matplotlib is optional (see the module docstring)
    from matplotlib.patches import FancyArrowPatch

    y_source, y_target = -source * 1.3, -target * 1.3
    if source == target - 1:
        ax.add_patch(FancyArrowPatch((4.5, y_source - 0.4), (4.5, y_target + 0.47),
                                     arrowstyle="-|>", mutation_scale=12, color="#1f4e79"))
        return
    bulge = 0.35 + 0.25 * ((skips - 1) % 4)  # how far left of the boxes the arc reaches
    rad = 2 * bulge / (y_source - y_target)  # arc3 puts its control point rad * length out
    ax.add_patch(FancyArrowPatch((1.45, y_source - 0.1), (1.45, y_target + 0.1),
                                 connectionstyle=f"arc3,rad={rad:.3f}", arrowstyle="-|>",
                                 mutation_scale=12, color="#7a4e1f"))


def _shape(shape):
    return shape_as_tuple(shape)


def _wrap(text, width):
    return text if len(text) <= width else text[:width - 3] + "..."
