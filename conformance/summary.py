"""Aggregate per-test records into the summary table, the divergence list and the report."""
import json
import math
import os
import platform

from kerasmini.check.divergences import REPRODUCERS

# The model-building layers (test_layers_*.py), in the order of the summary table.
MODEL_LAYERS = ("Conv1D", "MaxPooling1D", "AveragePooling2D", "GlobalAveragePooling2D",
                "GlobalMaxPooling2D", "BatchNormalization", "ZeroPadding2D", "Cropping2D",
                "Flatten", "Reshape", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax",
                "Rescaling", "Dropout", "Add", "Concatenate")
# The convolution, pooling and resizing layers of grids_conv_layers.py.
MODEL_LAYERS += ("DepthwiseConv2D", "DepthwiseConv1D", "SeparableConv2D", "SeparableConv1D",
                 "Conv2DTranspose", "Conv1DTranspose", "AveragePooling1D",
                 "GlobalAveragePooling1D", "GlobalMaxPooling1D", "UpSampling2D",
                 "UpSampling1D", "ZeroPadding1D", "Cropping1D", "Resizing", "CenterCrop")
# The merges, normalizations and small layers of grids_layers.py (issue 11, h11misc).
MODEL_LAYERS += ("Multiply", "Subtract", "Average", "Maximum", "Minimum", "Dot",
                 "LayerNormalization", "GroupNormalization", "UnitNormalization",
                 "Normalization", "PReLU", "Permute", "RepeatVector", "Identity",
                 "SpatialDropout1D", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
                 "ActivityRegularization")
# The 3D layers of grids_volume_layers.py.
MODEL_LAYERS += ("Conv3D", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D",
                 "GlobalAveragePooling3D", "GlobalMaxPooling3D", "UpSampling3D",
                 "ZeroPadding3D", "Cropping3D", "SpatialDropout3D")
LAYERS = ("Conv2D", "MaxPool2D", "Dense") + MODEL_LAYERS
ALIASES = {"maxpool1d": "MaxPooling1D", "avgpool2d": "AveragePooling2D",
           "avgpool1d": "AveragePooling1D",
           "globalavgpool2d": "GlobalAveragePooling2D",
           "globalmaxpool2d": "GlobalMaxPooling2D", "maxpool3d": "MaxPooling3D",
           "avgpool3d": "AveragePooling3D"}

def canonical_layer(name):
    name = str(name)
    low = name.lower()
    for layer in MODEL_LAYERS:
        if low == layer.lower():
            return layer
    if low in ALIASES:
        return ALIASES[low]
    if low.startswith("maxpool"):
        return "MaxPool2D"
    if low.startswith("conv") and "lstm" not in low:  # ConvLSTM2D is a layer of its own
        return "Conv2D"
    if low.startswith("dense"):
        return "Dense"
    return name


def layer_of_nodeid(nodeid):
    cls = nodeid.split("::")[1] if "::" in nodeid else ""
    for layer in sorted(LAYERS, key=len, reverse=True):  # longest first: ReLU vs LeakyReLU
        if cls.startswith("Test" + layer):
            return layer
    return "other"


def versions():
    out = {}
    try:
        from conformance.tfload import load
        tf, keras = load()
        out["tensorflow"], out["keras"] = tf.__version__, keras.__version__
    except Exception as e:  # noqa: BLE001  (reported, and test_environment fails)
        out["tensorflow"] = out["keras"] = f"unavailable ({type(e).__name__})"
    import numpy
    out["numpy"] = numpy.__version__
    try:
        import kerasmini
        out["kerasmini"] = f"{kerasmini.__version__} ({os.path.dirname(kerasmini.__file__)})"
    except Exception as e:  # noqa: BLE001
        out["kerasmini"] = f"import failed: {type(e).__name__}: {e}"
    out["python"] = platform.python_version()
    return out


def versions_line():
    return "versions: " + ", ".join(f"{k} {v}" for k, v in versions().items())


class Collector:
    def __init__(self):
        self.results = {}

    def add(self, report):
        nodeid = report.nodeid
        if not nodeid.replace("\\", "/").split("::")[0].startswith("conformance/"):
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            record = {}
            for key, value in report.user_properties:
                if key == "conformance":
                    record = json.loads(value)
            message = ""
            if report.failed:
                crash = getattr(report.longrepr, "reprcrash", None)
                message = crash.message if crash else str(report.longrepr).splitlines()[-1]
            self.results[nodeid] = dict(outcome=report.outcome, record=record,
                                        message=message)

    def rows(self):
        table = {}
        for nodeid, result in self.results.items():
            record = result["record"]
            layer = canonical_layer(record.get("layer") or layer_of_nodeid(nodeid))
            dtype = record.get("dtype") or "-"
            row = table.setdefault((layer, dtype), dict(cases=0, checks=0, passed=0,
                                                        failed=0, divergent=0, err=0.0,
                                                        ulps=0.0))
            row["cases"] += 1
            row["checks"] += record.get("cases", 0)
            row["passed" if result["outcome"] == "passed" else "failed"] += 1
            row["divergent"] += any(not d["kind"].startswith("deliberate-")
                                    for d in record.get("divergences", []))
            row["err"] = max(row["err"], record.get("max_abs_err", 0.0))
            row["ulps"] = max(row["ulps"], record.get("max_ulps", 0.0))
        order = {name: i for i, name in enumerate(LAYERS + ("other",))}
        return sorted(table.items(), key=lambda kv: (order.get(kv[0][0], 9), kv[0][1]))

    def divergences(self, deliberate=False):
        """TensorFlow divergences by kind; with deliberate=True, the documented deliberate
        differences (kerasmini rejects up front what tf.keras fails on inside TF, ...)."""
        kinds = {}
        for nodeid, result in self.results.items():
            for d in result["record"].get("divergences", []):
                if d["kind"].startswith("deliberate-") == deliberate:
                    kinds.setdefault(d["kind"], []).append((nodeid, d))
        return kinds

    def failures(self):
        return [(n, r["message"]) for n, r in self.results.items() if r["outcome"] == "failed"]

    def _table(self):
        head = ["layer", "dtype", "cases", "outputs compared", "passed", "failed",
                "TF divergences", "max abs err", "max ulps (dtype)"]
        lines = [head]
        totals = [0, 0, 0, 0, 0]
        for (layer, dtype), row in self.rows():
            lines.append([layer, dtype, row["cases"], row["checks"], row["passed"],
                          row["failed"], row["divergent"],
                          f"{row['err']:.3g}" if row["checks"] else "-",
                          f"{row['ulps']:.2f}" if row["checks"] else "-"])
            for i, key in enumerate(("cases", "checks", "passed", "failed", "divergent")):
                totals[i] += row[key]
        lines.append(["total", "", *totals, "", ""])
        return lines

    def counts(self, seconds):
        """The run in numbers, for conformance/readme_counts.py."""
        return {"tier": os.environ.get("KM_CONFORMANCE_TIER", "full"),
                "seed": os.environ.get("KM_CONFORMANCE_SEED"), "seconds": round(seconds),
                "versions": versions(), "table": self._table(),
                "divergences": {kind: len(cases)
                                for kind, cases in sorted(self.divergences().items())}}

    def text_lines(self):
        out = ["", "=" * 30 + " kerasmini vs tf.keras conformance " + "=" * 30,
               versions_line()]
        table = self._table()
        widths = [max(len(str(r[i])) for r in table) for i in range(len(table[0]))]
        for r in table:
            out.append("  ".join(str(c).rjust(w) if i > 1 else str(c).ljust(w)
                                 for i, (c, w) in enumerate(zip(r, widths))))
        kinds = self.divergences()
        out.append("")
        out.append(f"TensorFlow divergences (kerasmini agrees with the float64 reference, "
                   f"tf.keras does not): {sum(len(v) for v in kinds.values())} outputs in "
                   f"{len(kinds)} kinds")
        for kind, cases in sorted(kinds.items()):
            out.append(f"  {kind}: {len(cases)} case(s), e.g. {cases[0][1]['case']}: "
                       f"{cases[0][1]['detail']}")
            if kind in REPRODUCERS:
                out.append(f"      reproduce: {REPRODUCERS[kind]}")
        deliberate = self.divergences(deliberate=True)
        if deliberate:
            out.append("Deliberate differences (documented in conformance/test_errors.py): "
                       + ", ".join(k[len("deliberate-"):] for k in sorted(deliberate)))
        fails = self.failures()
        if fails:
            out.append("")
            out.append(f"kerasmini FAILURES: {len(fails)}")
            for nodeid, message in fails:
                out.append(f"  FAIL {nodeid}: {message.splitlines()[0] if message else ''}")
        return out

    def markdown(self):
        v = versions()
        md = ["# kerasmini vs tf.keras: conformance report", "",
              "Versions: " + ", ".join(f"{k} `{val}`" for k, val in v.items()), "",
              f"Tier: `{os.environ.get('KM_CONFORMANCE_TIER', 'full')}`, random-tier base "
              f"seed `{os.environ.get('KM_CONFORMANCE_SEED')}`", ""]
        table = self._table()
        md.append("| " + " | ".join(str(c) for c in table[0]) + " |")
        md.append("|" + "---|" * len(table[0]))
        for r in table[1:]:
            md.append("| " + " | ".join(str(c) for c in r) + " |")
        md += ["", "## TensorFlow divergences", "",
               "Cases where kerasmini agrees with the independent float64 reference and "
               "tf.keras does not (or where tf.keras raises a TensorFlow-internal error on a "
               "valid configuration). They are not counted as tf.keras passes.", ""]
        kinds = self.divergences()
        if not kinds:
            md.append("None found in this run.")
        for kind, cases in sorted(kinds.items()):
            md.append(f"### `{kind}` ({len(cases)} cases)")
            md.append("")
            if kind in REPRODUCERS:
                md += ["```", REPRODUCERS[kind], "```", ""]
            for nodeid, d in cases[:20]:
                md.append(f"- `{d['case']}`: {d['detail']}")
            if len(cases) > 20:
                md.append(f"- ... and {len(cases) - 20} more")
            md.append("")
        deliberate = self.divergences(deliberate=True)
        md += ["## Deliberate differences", "",
               "Errors where kerasmini deliberately differs from tf.keras (see "
               "conformance/test_errors.py, DELIBERATE).", ""]
        for kind, cases in sorted(deliberate.items()):
            for nodeid, d in cases:
                md.append(f"- `{kind[len('deliberate-'):]}`: `{d['case']}`: {d['detail']}")
        md.append("")
        fails = self.failures()
        md += ["## kerasmini failures", ""]
        if not fails:
            md.append("None.")
        for nodeid, message in fails:
            md.append(f"- `{nodeid}`: {message.splitlines()[0] if message else ''}")
        return "\n".join(md) + "\n"


def fmt_float(x):
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3g}"
