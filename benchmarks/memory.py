"""Peak memory of one Conv2D forward, each library in a fresh process.

    python -m benchmarks.memory kerasmini|tf_keras   (prints one JSON line)

A fresh process per library, so that neither one's allocations count for the other.
"""
import json
import os
import sys

import numpy as np

SHAPE, FILTERS = (32, 56, 56, 64), 64


def current_rss_mib():
    return _status_mib("VmRSS:")


def _status_mib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) / 1024  # the file says kB
    return float("nan")


def peak_rss_mib():
    """VmHWM: the high-water mark of this process image (ru_maxrss would carry over
    the parent's peak across fork + exec)."""
    return _status_mib("VmHWM:")


def kerasmini_workspace_mib(layer, batch):
    """Bytes NumPy allocates during one forward beyond its output: all temporaries at once."""
    import tracemalloc
    x = np.random.default_rng(0).standard_normal((batch, *SHAPE[1:]), dtype=np.float32)
    tracemalloc.start()
    y = layer(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - y.nbytes) / 2**20


def measure(library):
    x = np.random.default_rng(0).standard_normal(SHAPE, dtype=np.float32)
    if library == "kerasmini":
        import kerasmini
        layer = kerasmini.layers.Conv2D(FILTERS, 3, padding="same")
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import keras
        layer = keras.layers.Conv2D(FILTERS, 3, padding="same")
    layer.build(SHAPE)
    before = current_rss_mib()
    y = layer(x)
    result = {"library": library, "rss_before_mib": before, "peak_rss_mib": peak_rss_mib(),
              "output_mib": np.asarray(y).nbytes / 2**20}
    result["forward_mib"] = result["peak_rss_mib"] - before
    if library == "kerasmini":
        result["workspace_mib"] = {batch: kerasmini_workspace_mib(layer, batch)
                                   for batch in (8, 32, 128)}
    return result


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
