"""Training speed, kerasmini against tf.keras on the same machine in one run:

    python -m benchmarks.training                 # fit: 60,000 images; train_on_batch
    python -m benchmarks.training --images 6000   # a shorter fit

* fit, one epoch of the README's MNIST convnet (Dropout included: both libraries draw
  masks) on synthetic 28x28x1 images, batch 128, verbose=0, Adam;
* train_on_batch at batch 1, 8 and 32 (median of repeated calls, after warm-up).
tf.keras runs its own compiled train function (tf.function), as `fit` does by default.
The ratio is kerasmini's time / tf.keras's (below 1: kerasmini is faster).
"""
import argparse
import statistics
import time

import numpy as np


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


def time_fit(lib, x, y):
    model = compiled(lib)
    model.fit(x[:256], y[:256], batch_size=128, epochs=1, verbose=0)  # build / trace
    start = time.perf_counter()
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    return time.perf_counter() - start


def time_train_on_batch(lib, x, y, batch, repeats):
    model = compiled(lib)
    xb, yb = x[:batch], y[:batch]
    for _ in range(3):
        model.train_on_batch(xb, yb)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.train_on_batch(xb, yb)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=60000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)
    from conformance.tfload import load
    _, keras = load()
    import kerasmini
    rng = np.random.default_rng(0)
    x = rng.random((args.images, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, size=args.images)
    rows = []
    km, tf = time_fit(kerasmini, x, y), time_fit(keras, x, y)
    rows.append((f"fit 1 epoch, {args.images} images, batch 128", km, tf))
    for batch in (1, 8, 32):
        km = time_train_on_batch(kerasmini, x, y, batch, args.repeats)
        tf = time_train_on_batch(keras, x, y, batch, args.repeats)
        rows.append((f"train_on_batch, batch {batch}", km, tf))
    print(f"{'case':44} {'kerasmini':>11} {'tf.keras':>11} {'ratio':>7}")
    for name, km, tf in rows:
        print(f"{name:44} {km * 1e3:9.1f}ms {tf * 1e3:9.1f}ms {km / tf:7.2f}")


if __name__ == "__main__":
    main()
