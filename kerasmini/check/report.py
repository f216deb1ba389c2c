"""A check's result: the layer table, the first divergence, JUnit XML and JSON."""
import json
import math
from xml.etree import ElementTree

from kerasmini.check.runner import LIBRARIES_DIFFER, OK, TF_DIVERGES

HEAD = ("#", "layer (class)", "output shape", "kerasmini err", "ulps", "tf.keras err",
        "ulps", "verdict")


class CheckResult:
    def __init__(self, description, rows, samples, batch_size, rtol, atol):
        self.description, self.rows = description, rows
        self.samples, self.batch_size, self.rtol, self.atol = samples, batch_size, rtol, atol

    @property
    def passed(self):
        return all(row.verdict == OK for row in self.rows)

    @property
    def first_divergence(self):
        return next((row for row in self.rows if row.verdict != OK), None)

    def row_cells(self, row):
        verdict = row.verdict + (f" ({row.kind})" if row.verdict == TF_DIVERGES else "")
        return (str(row.index), f"{row.name} ({row.class_name})", _shape(row.output_shape),
                _num(row.km_err), _num(row.km_ulps, ".1f"), _num(row.tf_err),
                _num(row.tf_ulps, ".1f"), verdict)

    def summary(self):
        tol = ("rtol by dtype (float32 1e-5, float64 1e-12, float16 1e-2)"
               if self.rtol is None else f"rtol={self.rtol:g}")
        tol += ", atol = rtol * output scale" if self.atol is None else f", atol={self.atol:g}"
        lines = [f"{len(self.rows)} layer calls, {self.samples} samples in batches of "
                 f"{self.batch_size}; errors against the float64 run; {tol}"]
        first = self.first_divergence
        if first is None:
            lines.append("PASS: every layer of kerasmini and tf.keras agrees with float64.")
            return lines
        bad = [row for row in self.rows if row.verdict != OK]
        lines.append(f"FAIL: first diverging layer: '{first.name}' ({first.class_name}): "
                     f"{first.explanation()}.")
        if first.verdict == TF_DIVERGES:
            lines.append("Blame: TensorFlow (kerasmini's output is the float64 one, "
                         "rounded).")
        elif first.verdict == LIBRARIES_DIFFER:
            lines.append(f"Blame: undetermined, at layer '{first.name}' (the two float64 "
                         "runs disagree; please report it).")
        else:
            lines.append(f"Blame: kerasmini, at layer '{first.name}'.")
        if len(bad) > 1:
            lines.append(f"{len(bad) - 1} later layer(s) differ on their own inputs too: "
                         + ", ".join(f"'{r.name}' ({r.verdict})" for r in bad[1:]))
        return lines

    def table(self):
        rows = [HEAD] + [self.row_cells(row) for row in self.rows]
        widths = [max(len(r[i]) for r in rows) for i in range(len(HEAD))]
        text = ["  ".join(c.ljust(w) if i in (1, 2, 7) else c.rjust(w)
                          for i, (c, w) in enumerate(zip(r, widths))).rstrip()
                for r in rows]
        return "\n".join([f"kerasmini check {self.description}"] + text + self.summary())

    def to_dict(self):
        first = self.first_divergence
        return {"model": self.description, "passed": self.passed,
                "samples": self.samples, "batch_size": self.batch_size,
                "rtol": self.rtol, "atol": self.atol,
                "first_divergence": first and first.name,
                "layers": [{"index": r.index, "name": r.name, "class": r.class_name,
                            "output_shape": list(r.output_shape),
                            "kerasmini_max_abs_err": _json_float(r.km_err),
                            "kerasmini_ulps": _json_float(r.km_ulps),
                            "tf_keras_max_abs_err": _json_float(r.tf_err),
                            "tf_keras_ulps": _json_float(r.tf_ulps),
                            "verdict": r.verdict, "divergence": r.kind or None,
                            "detail": r.explanation()} for r in self.rows]}

    def to_json(self):
        return json.dumps(self.to_dict(), indent=1)

    def to_junit(self):
        """One test case per layer call; a layer that differs is a failure."""
        suite = ElementTree.Element(
            "testsuite", name=f"kerasmini check {self.description}",
            tests=str(len(self.rows)),
            failures=str(sum(r.verdict != OK for r in self.rows)))
        for row in self.rows:
            case = ElementTree.SubElement(suite, "testcase", classname=row.class_name,
                                          name=f"{row.index:03d} {row.name}")
            if row.verdict != OK:
                failure = ElementTree.SubElement(case, "failure", message=row.verdict)
                failure.text = row.explanation()
        return ElementTree.tostring(suite, encoding="unicode")


def _shape(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _num(x, fmt=".3g"):
    return "-" if x is None else ("inf" if math.isinf(x) else format(x, fmt))


def _json_float(x):
    return None if x is None or not math.isfinite(x) else x
