"""Training speed and memory, kerasmini against tf.keras on the same machine in one run:

    python -m benchmarks.training                 # fit: 60,000 images; train_on_batch
    python -m benchmarks.training --images 6000   # a shorter fit
    python -m benchmarks --training-only          # the same, as a section of the benchmark

* fit, one epoch of the README's MNIST convnet (Dropout included: both libraries draw
  masks) on synthetic 28x28x1 images, batch 128, verbose=0, Adam; kerasmini and
  tf.keras alternate, `--fit-rounds` times each (median);
* train_on_batch at batch 1, 8 and 32: kerasmini and tf.keras alternate in rounds of
  repeated calls, after warm-up (median of the rounds);
* peak memory of that fit, each library in a fresh process: the high-water mark of the
  process (VmHWM) and what the fit added to the process once its data existed; and the
  same fit on a tenth of the images, to show whether a temporary grows with the data set.
tf.keras runs its own compiled train function (tf.function), as `fit` does by default.
The ratio is kerasmini's time / tf.keras's (below 1: kerasmini is faster).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from benchmarks.memory import current_rss_mib, peak_rss_mib

TRAIN_ON_BATCH_SIZES = (1, 8, 32)


def convnet(lib):
    L = lib.layers
    return lib.Sequential([
        lib.Input((28, 28, 1)), L.Conv2D(32, (3, 3), activation="relu"),
        L.MaxPooling2D((2, 2)), L.Conv2D(64, (3, 3), activation="relu"),
        L.MaxPooling2D((2, 2)), L.Flatten(), L.Dropout(0.5),
        L.Dense(10, activation="softmax")])


def compiled(lib):
    model = convnet(lib)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def synthetic_data(images):
    rng = np.random.default_rng(0)
    x = rng.random((images, 28, 28, 1), dtype=np.float32)
    return x, rng.integers(0, 10, size=images)


def fit_epoch(model, x, y):
    """Seconds of one epoch of `fit` (after a short fit that builds and traces)."""
    model.fit(x[:256], y[:256], batch_size=128, epochs=1, verbose=0)
    start = time.perf_counter()
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    return time.perf_counter() - start


def time_fits(libraries, x, y, rounds):
    """{name: median seconds of one fit epoch}, the libraries alternating."""
    seconds = {name: [] for name in libraries}
    for _ in range(rounds):
        for name, lib in libraries.items():
            seconds[name].append(fit_epoch(compiled(lib), x, y))
    return {name: statistics.median(values) for name, values in seconds.items()}


def time_train_on_batch(libraries, x, y, batch, rounds):
    """{name: median seconds of one train_on_batch call}: each round times every library's
    model in turn over enough calls to take ~50 ms, so both see the same noise."""
    xb, yb = x[:batch], y[:batch]
    models = {name: compiled(lib) for name, lib in libraries.items()}
    calls = {}
    for name, model in models.items():
        for _ in range(3):
            model.train_on_batch(xb, yb)
        start = time.perf_counter()
        model.train_on_batch(xb, yb)
        calls[name] = max(1, int(0.05 / max(time.perf_counter() - start, 1e-6)))
    seconds = {name: [] for name in models}
    for _ in range(rounds):
        for name, model in models.items():
            start = time.perf_counter()
            for _ in range(calls[name]):
                model.train_on_batch(xb, yb)
            seconds[name].append((time.perf_counter() - start) / calls[name])
    return {name: statistics.median(values) for name, values in seconds.items()}


def fit_memory(library, images):
    """Peak memory of one fit epoch in this (fresh) process: {peak_rss_mib, data_mib,
    fit_adds_mib}. fit_adds is the high-water mark less the resident size just before the
    fit, with the model built and the data made (the data are the same for both)."""
    if library == "kerasmini":
        import kerasmini as lib
    else:
        from conformance.tfload import load
        _, lib = load()
    model = compiled(lib)
    x, y = synthetic_data(images)
    model.fit(x[:256], y[:256], batch_size=128, epochs=1, verbose=0)  # build / trace
    before = current_rss_mib()
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    peak = peak_rss_mib()
    return {"library": library, "images": images, "peak_rss_mib": peak,
            "data_mib": (x.nbytes + y.nbytes) / 2**20, "fit_adds_mib": peak - before}


def fit_memory_in_fresh_process(library, images):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    out = subprocess.run([sys.executable, "-m", "benchmarks.training", "--fit-memory",
                          library, "--images", str(images)], capture_output=True, text=True,
                         check=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(keras, kerasmini, images=60000, rounds=7, fit_rounds=1, memory=True,
        report_row=print):
    """Every training measurement; returns {"rows": [...], "memory": {...}}."""
    libraries = {"kerasmini": kerasmini, "tf_keras": keras}
    x, y = synthetic_data(images)
    rows = []

    def add(name, seconds):
        row = {"name": name, "seconds": seconds,
               "ratio": seconds["kerasmini"] / seconds["tf_keras"]}
        rows.append(row)
        report_row(row)

    add(f"fit 1 epoch, {images} images, batch 128", time_fits(libraries, x, y, fit_rounds))
    for batch in TRAIN_ON_BATCH_SIZES:
        add(f"train_on_batch, batch {batch}",
            time_train_on_batch(libraries, x, y, batch, rounds))
    result = {"images": images, "rows": rows, "load_average": os.getloadavg()[0]}
    if memory:
        result["memory"] = {lib: [fit_memory_in_fresh_process(lib, n)
                                  for n in (images // 10, images)]
                            for lib in libraries}
    return result


def targets(training):
    """The issue's training targets: (target, measured, met)."""
    checks = []
    for row in training["rows"]:
        if row["name"].startswith("fit"):
            checks.append((f"{row['name']}: <= 1.0x tf.keras", f"{row['ratio']:.2f}",
                           row["ratio"] <= 1.0))
        else:
            checks.append((f"{row['name']}: >= 3x faster than tf.keras",
                           f"{1 / row['ratio']:.2f}x", row["ratio"] <= 1 / 3))
    memory = training.get("memory")
    if memory:
        km, tfk = memory["kerasmini"][-1], memory["tf_keras"][-1]
        checks.append(("peak RSS of the fit below tf.keras's",
                       f"{km['peak_rss_mib']:.0f} vs {tfk['peak_rss_mib']:.0f} MiB",
                       km["peak_rss_mib"] < tfk["peak_rss_mib"]))
        small, large = memory["kerasmini"]
        growth = large["fit_adds_mib"] - small["fit_adds_mib"]
        checks.append(("no temporary grows with the data set (fit adds at 10x the images "
                       "<= 16 MiB more)", f"{growth:+.0f} MiB", growth <= 16))
    return checks


def print_row(row):
    t = row["seconds"]
    print(f"{row['name']:44} {t['kerasmini'] * 1e3:9.1f}ms {t['tf_keras'] * 1e3:9.1f}ms "
          f"{row['ratio']:7.2f}", flush=True)


def print_header():
    print(f"{'case':44} {'kerasmini':>11} {'tf.keras':>11} {'ratio':>7}")


def print_memory(memory):
    print("\nmemory of the fit, fresh process each (MiB): peak RSS; added by the fit")
    for library, runs in memory.items():
        text = "; ".join(f"{m['images']} images: {m['peak_rss_mib']:.0f}, "
                         f"+{m['fit_adds_mib']:.0f}" for m in runs)
        print(f"  {library:<10} {text} (data {runs[-1]['data_mib']:.0f})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=60000)
    parser.add_argument("--rounds", type=int, default=7,
                        help="interleaved rounds of train_on_batch (median)")
    parser.add_argument("--fit-rounds", type=int, default=1)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--fit-memory", choices=["kerasmini", "tf_keras"],
                        help=argparse.SUPPRESS)  # the fresh process of one measurement
    args = parser.parse_args(argv)
    if args.fit_memory:
        print(json.dumps(fit_memory(args.fit_memory, args.images)))
        return
    from conformance.tfload import load
    _, keras = load()
    import kerasmini
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print_header()
    result = run(keras, kerasmini, args.images, args.rounds, args.fit_rounds,
                 memory=not args.no_memory, report_row=print_row)
    if "memory" in result:
        print_memory(result["memory"])
    for target, measured, met in targets(result):
        print(f"  [{'met' if met else 'MISSED'}] {target}: {measured}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
