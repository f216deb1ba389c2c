"""What the numbers ran on: CPU, BLAS, library versions, and `import kerasmini` time."""
import json
import os
import platform
import subprocess
import sys

# kerasmini imports its packages on first use (kerasmini/lazy_exports.py), so `import
# kerasmini` alone says little: the probe also times the first use of the names README's
# convnet is built from, which imports the files a script needs.
IMPORT_PROBE = """
import time
t0 = time.perf_counter()
import numpy
t1 = time.perf_counter()
import kerasmini
t2 = time.perf_counter()
from kerasmini import Input, Sequential, layers
layers.Conv2D, layers.MaxPooling2D, layers.Flatten, layers.Dense
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def import_seconds(repeats=3):
    """Median over fresh processes of (import numpy, then import kerasmini, then the first
    use of README's convnet's names) in seconds.

    Python caches compiled modules (__pycache__) unless PYTHONDONTWRITEBYTECODE is set, as
    it is on some CI machines and this project's development sandbox. A user's second
    `import` reads that cache, so the probe runs with Python's default (the variable
    removed) after one untimed process that writes the cache; without it every run would
    time the compiler (about 70 ms for the files README's convnet imports)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    probe = [sys.executable, "-c", IMPORT_PROBE]
    subprocess.run(probe, capture_output=True, text=True, check=True, env=env)
    runs = []
    for _ in range(repeats):
        out = subprocess.run(probe, capture_output=True, text=True, check=True,
                             env=env).stdout.split()
        runs.append(tuple(float(v) for v in out))
    runs.sort(key=sum)
    numpy_s, kerasmini_s, first_use_s = runs[len(runs) // 2]
    return {"numpy": numpy_s, "kerasmini_after_numpy": kerasmini_s,
            "first_use": first_use_s, "total": numpy_s + kerasmini_s,
            "total_with_first_use": numpy_s + kerasmini_s + first_use_s}


def memory_in_fresh_process(library):
    out = subprocess.run([sys.executable, "-m", "benchmarks.memory", library],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def machine(numpy, tf, keras):
    info = {"cpu": _cpu_model(), "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": numpy.__version__, "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "load_average_1min": os.getloadavg()[0],
            "OPENBLAS_env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS")}}
    try:  # optional: which BLAS kernel NumPy runs (not a kerasmini dependency)
        from threadpoolctl import threadpool_info
        pools = [pool for pool in threadpool_info() if pool.get("user_api") == "blas"]
        # NumPy's own first (TensorFlow and SciPy may load other BLAS libraries)
        pools.sort(key=lambda pool: "numpy" not in pool.get("filepath", ""))
        info["blas"] = [{k: pool.get(k) for k in ("internal_api", "version", "architecture",
                                                   "num_threads", "filepath")}
                        for pool in pools]
    except ImportError:
        info["blas"] = "threadpoolctl not installed"
    return info


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()
