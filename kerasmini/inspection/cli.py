"""python -m kerasmini inspect MODEL: print what the file holds and whether kerasmini
loads it. Exit 0 when it loads, 1 when it does not, 2 when the file is refused."""
import sys

from kerasmini.inspection.reader import inspect_file

USAGE = "usage: python -m kerasmini inspect MODEL  (.keras, .weights.h5 or legacy .h5)"


def _table(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def render(report):
    lines = [f"{report.path}: {report.kind}"]
    if report.metadata:
        lines.append("metadata: " + ", ".join(f"{k} {v}" for k, v in report.metadata.items()))
    if report.members:
        lines.append("archive members:")
        lines += [f"  {name}  {size:,} bytes ({stored:,} stored)"
                  for name, size, stored in report.members]
    if report.model:
        lines.append(f"model: {report.model}")
    rows = [("layer", "class", "shape settings", "weights", "params")]
    for layer in report.layers:
        weights = ", ".join(f"{w.name} {w.shape} {w.dtype}" for w in layer.weights) or "-"
        rows.append((layer.path, layer.class_name, layer.settings or "-", weights,
                     f"{layer.params:,}"))
    lines += _table(rows)
    total = sum(layer.params for layer in report.layers)
    lines.append(f"total params: {total:,}")
    if report.inputs:
        lines.append("inputs: " + "; ".join(report.inputs))
    if report.outputs:
        lines.append("outputs: " + "; ".join(report.outputs))
    lines.append(f"optimizer state: {report.optimizer or 'none stored'}")
    if report.problems:
        lines.append(f"verdict: does NOT load in kerasmini ({len(report.problems)} "
                     "problem(s)):")
        lines += [f"  - {p}" for p in report.problems]
    elif report.model:
        lines.append("verdict: loads in kerasmini")
    else:
        lines.append("verdict: weights only; they load with model.load_weights into a "
                     "kerasmini model of the same architecture")
    return "\n".join(lines)


def main(argv):
    if len(argv) != 1 or argv[0].startswith("-"):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        report = inspect_file(argv[0])
    except (OSError, ValueError) as error:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print(render(report))
    return 1 if report.problems else 0
