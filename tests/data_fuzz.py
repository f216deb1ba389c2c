"""Reads the hostile data files of tests/data_mutants.py with every reader that takes
them, in a worker process under a memory limit and a time limit, and says which
reads misbehaved.

    python -m tests.data_fuzz --count 500                     # a long run
    python -m tests.data_fuzz --replay pickle:17              # one case, with traceback

A read passes when it returns plain values (equal to the honest value when the case is
neutral) or raises kerasmini's FileFormatError with a message; it fails on any other
exception, a refusal caused by memory running out, a time-out, a crash of the worker
(NumPy's ndarray.__setstate__ segfaults on some states), or MARKER appearing.
"""
import argparse
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import traceback

import numpy as np

from tests import data_mutants
from tests.file_fuzz import _allocation_failed, time_limit

FAMILIES = ("pickle", "npy", "text")
MEMORY_MB = 2048
TIME_LIMIT_S = 30
PLAIN = (str, bytes, int, float, complex, bool, type(None), np.ndarray, np.dtype)


def case(family, run_seed, index):
    """The case `index` of `family`: (description, data, suffix, expected)."""
    rng = random.Random(f"{family}:{run_seed}:{index}")
    if family == "pickle":
        what, data, expected = data_mutants.pickle_case(rng)
        return what, data, ".pickle", expected
    if family == "npy":
        return data_mutants.npy_case(rng)
    if rng.random() < 0.5:
        what, data, expected = data_mutants.gz_case(rng)
        return what, data, ".gz", expected
    what, data, expected = data_mutants.json_case(rng)
    return what, data, ".json", expected


def _readers(suffix):
    """{name: read(path)} of every reader that takes a file of this kind."""
    from kerasmini.datasets import safe_files, word_sequences
    from kerasmini.saving import safe_arrays

    def pickle_ascii(path):
        with open(path, "rb") as f:
            return safe_files.load_pickle(f, path)

    def pickle_bytes(path):  # CIFAR's Python 2 pickles
        with open(path, "rb") as f:
            return safe_files.load_pickle(f, path, encoding="bytes")

    def word_index(path):
        os.environ["KERAS_HOME"] = os.path.dirname(os.path.dirname(path))
        return word_sequences.word_index(os.path.basename(path))

    return {".pickle": {"load_pickle": pickle_ascii, "load_pickle(bytes)": pickle_bytes},
            ".npy": {"check --inputs": safe_arrays.load_arrays},
            ".npz": {"check --inputs": safe_arrays.load_arrays,
                     "datasets.load_npz": safe_files.load_npz},
            ".gz": {"read_gzip": safe_files.read_gzip},
            ".json": {"word_index": word_index}}[suffix]


def _plain(value, depth=0):
    if depth > 40:
        return False
    if isinstance(value, dict):
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(_plain(v, depth + 1) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.hasobject:
        return all(_plain(v, depth + 1) for v in value.ravel())
    return isinstance(value, PLAIN)


def _equal(a, b):
    if isinstance(b, dict):
        return isinstance(a, dict) and a.keys() == b.keys() and all(
            _equal(a[k], b[k]) for k in b)
    if isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_equal, a, b))
    if isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape \
            and all(map(_equal, a.ravel().tolist(), b.ravel().tolist()))
    return type(a) is type(b) and a == b


def read_case(family, run_seed, index, folder):
    """[record] of reading one case with each reader."""
    from kerasmini.saving.safe_reading import FileFormatError
    what, data, suffix, expected = case(family, run_seed, index)
    os.makedirs(os.path.join(folder, "datasets"), exist_ok=True)
    path = os.path.join(folder, "datasets", f"case{suffix}")
    with open(path, "wb") as f:
        f.write(data)
    if suffix == ".npz" and expected is not None:
        expected = {k: v for k, v in expected.items()}
    records = []
    for reader, read in _readers(suffix).items():
        outcome, problem = "loaded", None
        try:
            with time_limit(TIME_LIMIT_S):
                value = read(path)
            if not _plain(value):
                problem = f"returned {type(value).__name__} holding non-data values"
            elif expected is not None and not _equal(value, expected):
                problem = "loaded a value different from the honest one"
        except FileFormatError as error:
            outcome = "refused"
            if _allocation_failed(error):
                problem = f"refused only when memory ran out: {error}"[:300]
        except BaseException as error:  # noqa: BLE001  (the point: nothing else escapes)
            outcome, problem = "error", f"{type(error).__name__}: {error}"[:300]
        if os.path.exists(data_mutants.MARKER):
            os.remove(data_mutants.MARKER)
            problem = "CODE RAN: the file's payload created the marker"
        records.append({"case": f"{family}:{index}", "what": what, "reader": reader,
                        "outcome": outcome, "problem": problem,
                        "neutral": expected is not None})
    return records


def worker(families, count, run_seed, start):
    """Prints `start` before each case, then its records, one JSON line each."""
    limit = MEMORY_MB << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    with tempfile.TemporaryDirectory() as folder:
        for family in families:
            for index in range(start.get(family, 0), count):
                print(json.dumps({"start": f"{family}:{index}"}), flush=True)
                for record in read_case(family, run_seed, index, folder):
                    print(json.dumps(record), flush=True)


def run(families=FAMILIES, count=40, run_seed=0):
    """[record] of `count` cases of each family, restarting the worker after a crash."""
    records, start = [], {}
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    while True:
        command = [sys.executable, "-m", "tests.data_fuzz", "--worker", "--families",
                   ",".join(families), "--count", str(count), "--run-seed", str(run_seed),
                   "--start", json.dumps(start)]
        process = subprocess.run(command, capture_output=True, text=True, env=env,
                                 cwd=os.path.dirname(os.path.dirname(__file__)),
                                 timeout=600)
        current = None
        for line in process.stdout.splitlines():
            record = json.loads(line)
            if "start" in record:
                current = record["start"]
            else:
                records.append(record)
        if process.returncode == 0:
            return records
        if current is None:
            raise RuntimeError(f"the data fuzz worker failed: {process.stderr[-2000:]}")
        family, index = current.split(":")
        records.append({"case": current, "what": case(family, run_seed, int(index))[0],
                        "reader": "?", "outcome": "crash", "neutral": False,
                        "problem": f"the worker died (exit {process.returncode})"})
        start = {f: count for f in families[:families.index(family)]}
        start[family] = int(index) + 1


def failures(records):
    return [r for r in records if r["problem"]]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--run-seed", type=int, default=0)
    parser.add_argument("--start", default="{}")
    parser.add_argument("--worker", action="store_true")
    parser.add_argument("--replay", metavar="FAMILY:INDEX")
    args = parser.parse_args(argv)
    families = tuple(args.families.split(","))
    if args.worker:
        return worker(families, args.count, args.run_seed, json.loads(args.start))
    if args.replay:
        family, index = args.replay.split(":")
        print(case(family, args.run_seed, int(index))[0])
        with tempfile.TemporaryDirectory() as folder:
            for record in read_case(family, args.run_seed, int(index), folder):
                print(record)
        return None
    records = run(families, args.count, args.run_seed)
    for record in failures(records):
        print(record)
    print(f"{len(records)} reads, {len(failures(records))} failed")
    return 1 if failures(records) else 0


if __name__ == "__main__":
    sys.exit(main())
