"""Render a `python -m benchmarks --json FILE` result as the tables of docs/performance.md.

    python -m benchmarks.markdown results.json
"""
import json
import sys


def case_table(cases):
    lines = ["| case | kerasmini | tf eager | tf.function | km GFLOP/s | km / eager "
             "| km / tf.function | % of GEMM peak |", "|---|" + "---:|" * 7]
    for c in cases:
        s = c["seconds"]
        named = c["dtype"] == "float32" or c["name"].endswith(c["dtype"])  # not twice
        dtype = "" if named else f" {c['dtype']}"
        dtype += f" [{c['kernel']}]" if c.get("kernel") else ""  # which conv kernel ran
        lines.append(
            f"| {c['group']}: {c['name']}{dtype} | {s['kerasmini'] * 1e3:.3f} ms "
            f"| {s['tf_eager'] * 1e3:.3f} ms | {s['tf_function'] * 1e3:.3f} ms "
            f"| {c['gflops']['kerasmini']:.1f} | {c['ratio_vs_eager']:.3f} "
            f"| {c['ratio_vs_function']:.2f} | {c['peak_fraction']:.0%} |")
    return lines


def memory_lines(memory):
    lines = ["| | peak RSS | added by the forward | output |", "|---|---:|---:|---:|"]
    for name in ("kerasmini", "tf_keras"):
        m = memory[name]
        lines.append(f"| {name.replace('_', '.')} | {m['peak_rss_mib']:.0f} MiB "
                     f"| {m['forward_mib']:.0f} MiB | {m['output_mib']:.1f} MiB |")
    workspace = ", ".join(f"batch {b}: {v:.1f} MiB"
                          for b, v in memory["kerasmini"]["workspace_mib"].items())
    return lines + ["", f"kerasmini's temporaries during that forward, all at once: {workspace}."]


def target_table(targets):
    lines = ["| target | measured | |", "|---|---|---|"]
    lines += [f"| {t['target']} | {t['measured']} | {'met' if t['met'] else 'missed'} |"
              for t in targets]
    return lines


def model_table(rows):
    caller = all("caller" in r for r in rows)  # older JSON files have no caller readings
    lines = ["| model, input, batch | kerasmini | tf.keras predict | km / tf.keras "
             "| spread km (max/min of 7) | spread tf |"
             + (" km on-CPU spread | km waiting for a CPU |" if caller else ""),
             "|---|---:|---:|---:|---:|---:|" + ("---:|---:|" if caller else "")]
    for r in rows:
        s = r["seconds"]
        lines.append(f"| {r['name']} | {s['kerasmini'] * 1e3:.1f} ms "
                     f"| {s['tf_keras'] * 1e3:.1f} ms | {r['ratio']:.3f} "
                     f"| {r['spread']['kerasmini']:.2f} | {r['spread']['tf_keras']:.2f} |"
                     + (f" {r['caller']['on_cpu_spread']:.2f} "
                        f"| {r['caller']['waiting_share']:.0%} |" if caller else ""))
    return lines


def model_lines(models):
    lines = []
    if models.get("quiet"):
        lines += ["### Whole models, `predict`, the machine as it was", ""]
        lines += model_table(models["quiet"])
    if models.get("busy"):
        lines += ["", "### The same with a second process keeping one core busy", ""]
        lines += model_table(models["busy"])
    lines += [""] + [f"Skipped: {reason}." for reason in models.get("skipped", [])]
    for p in models.get("profiles", []):
        lines += ["", f"### Where kerasmini's predict spends its time: {p['model']}, "
                  f"batch {p['batch']}", "", "| layers | count | ms per predict | share |",
                  "|---|---:|---:|---:|"]
        lines += [f"| {r['kind']} | {r['layers']} | {r['seconds'] * 1e3:.1f} | "
                  f"{r['share']:.0%} |" for r in p["rows"]]
    return lines + [""]


def render(result):
    m = result["machine"]
    blas = m["blas"][0] if m.get("blas") else {}
    head = [f"{m['cpu']}, {m['cores']} cores; Python {m['python']}, NumPy {m['numpy']}, "
            f"TensorFlow {m['tensorflow']}, Keras {m['keras']}; BLAS "
            f"{blas.get('internal_api', '?')} {blas.get('version', '')} "
            f"`{blas.get('architecture', '?')}`, {blas.get('num_threads', '?')} threads; "
            f"OPENBLAS_* variables: {m['OPENBLAS_env'] or 'none'}; load average before the "
            f"run {m['load_average_1min']:.2f}. NumPy float32 GEMM peak in this run: "
            f"{result['gemm_peak_gflops']:.0f} GFLOP/s. The run took "
            f"{result['seconds']:.0f} s.", ""]
    if "load_average_after" in result:
        head[0] += f" Load average after the run: {result['load_average_after']:.2f}."
    imports = result["import_seconds"]
    body = case_table(result["cases"]) + [""] if result["cases"] else []
    if "memory" in result:
        body += memory_lines(result["memory"]) + [""]
    if "models" in result:
        body += model_lines(result["models"])
    return "\n".join(head + body + [import_line(imports), ""]
                     + target_table(result["targets"]))


def import_line(imports):
    line = (f"`import kerasmini`: numpy {imports['numpy']:.3f} s + "
            f"kerasmini {imports['kerasmini_after_numpy']:.3f} s")
    if "first_use" in imports:  # runs before kerasmini imported its packages on first use
        line += (f" + first use of README's convnet layers {imports['first_use']:.3f} s "
                 "(packages import on first use; Python's module cache warm, as on a "
                 "user's second run)")
    return line + "."


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(render(json.load(f)))
