"""predict's graph walk before and after models/inference.py and ops/heap.py, side by side.

    python -m benchmarks.predict_walk [MODEL ...] [--batch 32]

Three kerasmini copies of each model and tf.keras, interleaved in one process (medians
of 7 rounds): "old" walks as before (every value kept to the end, no fold, no fused or
in-place ReLU, freed memory given back to the system at once), "heap" only keeps freed
memory, "new" is this version. Also counts the minor page faults of each predict.
"""
import argparse
import os
import tempfile
import time

import numpy as np

OLD_TRIM = 128 * 1024  # glibc's initial trim threshold: freed heap top goes back at once


def minor_faults():
    with open("/proc/self/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[7])


def old_walk(model):
    """The model walked as before models/inference.py: no rewrite, nothing released."""
    plan = model._plan
    plan.folds, plan.folded_convs, plan.fused_relus, plan.skipped = {}, {}, {}, set()
    plan.released = {node: [] for node in plan.nodes}
    return model


def trimmed(predict):
    """predict() with freed memory given back to the system, as before ops/heap.py."""
    from kerasmini.ops import heap

    def run():
        saved = heap.TRIM_DURING, heap.TRIM_AFTER
        heap.TRIM_DURING = heap.TRIM_AFTER = OLD_TRIM
        try:
            return predict()
        finally:
            heap.TRIM_DURING, heap.TRIM_AFTER = saved
    return run


def compare(case, batch, keras, kerasmini, folder, rounds=7):
    from benchmarks.models import build_pair
    new, tf_model = build_pair(case, keras, kerasmini, folder)
    old = old_walk(build_pair(case, keras, kerasmini, folder)[0])
    heap_only = old_walk(build_pair(case, keras, kerasmini, folder)[0])
    x = np.random.default_rng(0).standard_normal((batch, *case.input_shape),
                                                 dtype=np.float32)
    functions = {"old": trimmed(lambda: old.predict(x, verbose=0)),
                 "heap": lambda: heap_only.predict(x, verbose=0),
                 "new": lambda: new.predict(x, verbose=0),
                 "tf.keras": lambda: tf_model.predict(x, verbose=0)}
    functions["tf.keras"]()  # traces
    times = {name: [] for name in functions}
    faults = {name: [] for name in functions}
    for _ in range(rounds):
        for name, predict in functions.items():
            before, start = minor_faults(), time.perf_counter()
            predict()
            times[name].append(time.perf_counter() - start)
            faults[name].append(minor_faults() - before)
    tf_median = np.median(times["tf.keras"])
    return {name: {"ms": 1e3 * np.median(t), "ratio": np.median(t) / tf_median,
                   "spread": max(t) / min(t), "faults": int(np.median(faults[name]))}
            for name, t in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.predict_walk",
                                     description=__doc__)
    parser.add_argument("models", nargs="*",
                        default=["ResNet50", "DenseNet121", "MobileNetV2", "VGG16"])
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    import kerasmini
    from benchmarks.models import MODELS
    print("load average before:", " ".join(open("/proc/loadavg").read().split()[:3]))
    with tempfile.TemporaryDirectory() as folder:
        for case in [c for c in MODELS if c.name in args.models]:
            rows = compare(case, args.batch, keras, kerasmini, folder)
            print(f"{case.name} batch {args.batch}:")
            for name, row in rows.items():
                print(f"  {name:<9} {row['ms']:8.1f} ms  / tf.keras {row['ratio']:5.2f}  "
                      f"spread {row['spread']:5.2f}  page faults {row['faults']:7d}")
    print("load average after:", " ".join(open("/proc/loadavg").read().split()[:3]))


if __name__ == "__main__":
    main()
