"""What the numbers ran on: CPU, BLAS, library versions, and `import kerasmini` time."""
import json
import os
import platform
import subprocess
import sys

IMPORT_PROBE = ("import time; t0 = time.perf_counter(); import numpy; t1 = time.perf_counter(); "
                "import kerasmini; t2 = time.perf_counter(); print(t1 - t0, t2 - t1)")


def import_seconds(repeats=3):
    """Median over fresh processes of (import numpy, then import kerasmini) in seconds."""
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True,
                             text=True, check=True).stdout.split()
        runs.append(tuple(float(v) for v in out))
    runs.sort(key=sum)
    numpy_s, kerasmini_s = runs[len(runs) // 2]
    return {"numpy": numpy_s, "kerasmini_after_numpy": kerasmini_s,
            "total": numpy_s + kerasmini_s}


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
