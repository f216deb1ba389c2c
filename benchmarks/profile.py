"""Where a kerasmini model's `predict` spends its time, by kind of layer.

    python -m benchmarks.profile [MODEL ...] [--batch 32]

Each layer's `call` is timed (wall clock) over a few predicts; kinds are the layer class,
and for Conv2D its kernel size and strides (a 1x1 and a 3x3 convolution cost differently).
A layer with a `forward` (the computation `call` runs, which predict also runs directly
with a BatchNormalization folded in: models/inference.py) is timed there instead; a folded
BatchNormalization then costs nothing of its own, and a relu done in place by the graph
walk counts as the walk's.
"""
import argparse
import collections
import os
import tempfile
import time


def layer_kind(layer):
    kind = type(layer).__name__
    if hasattr(layer, "kernel_size") and hasattr(layer, "strides"):
        size, strides = layer.kernel_size, layer.strides
        kind += f" {'x'.join(map(str, size))}/{strides[0]}"
    return kind


def layer_profile(model, x, repeats=3):
    """[{kind, calls, seconds per predict, share of the predict}], most expensive first."""
    totals, calls = collections.Counter(), collections.Counter()

    def timed(layer, call):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            result = call(*args, **kwargs)
            totals[layer_kind(layer)] += time.perf_counter() - start
            return result
        return wrapper

    model.predict(x, verbose=0)
    def timed_method(layer):
        return "forward" if hasattr(layer, "forward") else "call"

    for layer in model.layers:
        method = timed_method(layer)  # an instance attribute shadows the method
        setattr(layer, method, timed(layer, getattr(layer, method)))
        calls[layer_kind(layer)] += 1
    try:
        start = time.perf_counter()
        for _ in range(repeats):
            model.predict(x, verbose=0)
        whole = (time.perf_counter() - start) / repeats
    finally:
        for layer in model.layers:
            delattr(layer, timed_method(layer))
    rows = [{"kind": kind, "layers": calls[kind], "seconds": seconds / repeats,
             "share": seconds / repeats / whole} for kind, seconds in totals.most_common()]
    outside = whole - sum(r["seconds"] for r in rows)
    return rows + [{"kind": "(model: graph walk, relu in place, predict)", "layers": 0, "seconds": outside,
                    "share": outside / whole}]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("models", nargs="*", default=["ResNet50", "DenseNet121"])
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import numpy as np

    import kerasmini
    from benchmarks.models import MODELS, build_pair
    with tempfile.TemporaryDirectory() as folder:
        for case in [c for c in MODELS if c.name in args.models]:
            km_model, _ = build_pair(case, keras, kerasmini, folder)
            x = np.random.default_rng(0).standard_normal((args.batch, *case.input_shape),
                                                         dtype=np.float32)
            print(f"{case.name}, batch {args.batch}:")
            for row in layer_profile(km_model, x):
                print(f"  {row['kind']:<30} {row['layers']:4d} layers "
                      f"{row['seconds'] * 1e3:8.1f} ms {row['share']:5.0%}")


if __name__ == "__main__":
    main()
