"""The mutation sweep: plant every small bug conformance/mutation_operators.py generates in
a file, run the tests that reach the mutated line, and report the mutants no test kills.

    python -m conformance.mutation_sweep coverage            # once: which tests run each line
    python -m conformance.mutation_sweep coverage --conformance   # same for the quick tier
    python -m conformance.mutation_sweep run kerasmini/ops/windows.py kerasmini/ops/threads.py
    python -m conformance.mutation_sweep run 'kerasmini/ops/*.py' --sample 40 --seed 1
    python -m conformance.mutation_sweep run kerasmini/ops/winograd.py --conformance
    python -m conformance.mutation_sweep report               # survivors by file, so far

`coverage` runs tests/ (or with --conformance, the conformance quick tier) once under
conformance/line_coverage.py and keeps, per kerasmini line, the tests that ran it. `run`
then tries each mutant with exactly those tests, fastest first, stopping at the first
failure (`pytest -x`): the mutated module is served from memory by an import hook in a
forked child, so the working tree is never written and nothing but numpy and pytest is
imported twice. With --conformance, the survivors of tests/ are tried again with the
conformance tests that reach their line (TensorFlow imported once, children forked from
it). Results go to .mutation/results.jsonl, one line per mutant, so a sweep can be
stopped and resumed; `report` summarizes them. A mutant on a line no test runs is
'uncovered'; one that makes the tests hang past the timeout is 'timeout' (caught: CI
would fail). Not part of CI: a whole sweep of ops/ is hours on two cores.
"""
import argparse
import ast
import glob
import importlib.machinery
import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import time

from conformance import mutation_equivalents, mutation_operators

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.path.join(ROOT, ".mutation")
RESULTS = os.path.join(STATE, "results.jsonl")
SUITES = {"tests": "lines-tests", "conformance": "lines-conformance"}
# Tests of signatures, which run no line of the functions they check: added for every
# mutant on a `def` line (a default value).
SIGNATURE_TESTS = [
    "tests/test_autodiff.py::test_every_rule_takes_its_kernels_arguments_with_the_same_defaults",
]
OPTIMIZER_NAMES = {"adadelta", "adagrad", "adam", "adamax", "adamw", "ftrl", "lion", "nadam",
                   "rmsprop", "sgd"}
# Without recorded conformance coverage: the quick-tier files that check each part.
CONFORMANCE_FILES = [
    ("kerasmini/ops/winograd.py", ["test_winograd.py", "test_kernel_paths.py"]),
    ("kerasmini/ops/", ["test_kernel_paths.py", "test_gradients.py", "test_values.py"]),
    ("kerasmini/autodiff/", ["test_gradients.py"]),
    ("kerasmini/optimizers/schedules/", ["test_optimizers.py", "-k", "schedules"]),
    ("kerasmini/optimizers/", ["test_optimizers.py"]),
    ("kerasmini/callbacks/", ["test_callbacks.py"]),
    ("kerasmini/losses/", ["test_losses.py", "test_losses_composed.py"]),
    ("kerasmini/metrics/", ["test_metrics.py", "test_metrics_confusion.py",
                            "test_metrics_correlation.py", "test_metrics_fscore.py",
                            "test_metrics_iou.py"]),
    ("kerasmini/layers/", ["test_values.py", "test_layers_values.py", "test_gradients.py"]),
]


# ---------------------------------------------------------------- coverage
def record_coverage(suite, workers, paths):
    out = os.path.join(STATE, SUITES[suite])
    for old in glob.glob(os.path.join(out, "*.json")):
        os.remove(old)
    env = dict(os.environ, KM_LINE_COVERAGE=out, PYTHONPATH=ROOT)
    args = [sys.executable, "-m", "pytest", "-q", "-p", "conformance.line_coverage",
            "-p", "no:cacheprovider", "-n", str(workers)]
    if suite == "conformance":
        env.update(KM_CONFORMANCE_TIER="quick", KM_CONFORMANCE_SEED="12345")
        args += paths or ["conformance", "--ignore=conformance/models"]
    else:
        args += paths or ["tests"]
    return subprocess.call(args, cwd=ROOT, env=env)


class Coverage:
    """Per file and line, the tests (node ids) that ran it, and each test's seconds."""

    def __init__(self, suite):
        self.seconds, self.lines, self.imported = {}, {}, {}
        for path in glob.glob(os.path.join(STATE, SUITES[suite], "*.json")):
            with open(path) as f:
                part = json.load(f)
            self.seconds.update(zip(part["tests"], part["seconds"]))
            for file, lines in part["lines"].items():
                mine = self.lines.setdefault(file, {})
                for line, indices in lines.items():
                    mine.setdefault(int(line), set()).update(part["tests"][i] for i in indices)
            for file, lines in part["import"].items():
                self.imported.setdefault(file, set()).update(lines)
        self.available = bool(self.seconds)
        self.suite = suite

    def tests_for(self, m, source_line=""):
        """The tests that run the mutant's lines; for code run at import (module level,
        definitions and their defaults), every test that runs the file."""
        if not self.available:  # conformance without coverage: the files that check it
            files = next([f"conformance/{name}" for name in names]
                         for prefix, names in CONFORMANCE_FILES + [("", [])]
                         if m.path.startswith(prefix))
            stem = os.path.splitext(os.path.basename(m.path))[0]
            if m.path.startswith("kerasmini/optimizers/") and stem in OPTIMIZER_NAMES:
                files += ["-k", stem]  # that optimizer's cases (test ids name it)
            return files
        lines = self.lines.get(m.path, {})
        found = set()
        for line in range(m.line, m.end_line + 1):
            found |= lines.get(line, set())
        # Code run at import (a definition, its defaults, a module-level table) is "run"
        # again only by the few tests that reload the module, not by those that use it:
        # it gets every test that runs the file.
        # (A module imported lazily, on first use, records its import lines under the
        # test that first used it: which lines run at import is read from the source.)
        at_import = self.imported.get(m.path, set()) | _outside_functions(m.path)
        if any(line in at_import for line in range(m.line, m.end_line + 1)):
            for tests in lines.values():
                found |= tests
            if all(line in at_import or line < 1 for line in lines):
                found |= self._package_tests(m.path)
        if (source_line.startswith("def ") or m.line in _def_headers(m.path)) and found:
            found |= set(SIGNATURE_TESTS) & set(self.seconds)  # defaults: never "run"
        return sorted(found, key=lambda t: (self.seconds.get(t, 0.0), t))


    def _package_tests(self, path):
        """The tests that run any file of `path`'s package: for a file no test runs
        after import (class attributes alone, ConvLSTM1D's `rank = 1`, read by the base
        class's methods), whose tests line tracing cannot see."""
        package = os.path.dirname(path) + "/"
        return {t for file, lines in self.lines.items() if file.startswith(package)
                for tests in lines.values() for t in tests}


def _outside_functions(path):
    """The lines of `path` outside every function body (run at import: module level,
    class bodies, def lines with their defaults)."""
    tree = ast.parse(open(os.path.join(ROOT, path)).read())
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            body = node.body if isinstance(node.body, list) else [node.body]
            inside.update(range(body[0].lineno, node.end_lineno + 1))
    return set(range(1, len(tree.body) and tree.body[-1].end_lineno + 1)) - inside


def _def_headers(path):
    """The lines of every `def` header (a signature over several lines: its defaults)."""
    tree = ast.parse(open(os.path.join(ROOT, path)).read())
    return {line for node in ast.walk(tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            for line in range(node.lineno, node.body[0].lineno)}


# ---------------------------------------------------------------- one mutant
class _MutatedLoader(importlib.machinery.SourceFileLoader):
    def __init__(self, fullname, path, source):
        super().__init__(fullname, path)
        self.source = source

    def get_code(self, fullname):
        return compile(self.source, self.path, "exec", dont_inherit=True)


class _MutatedFinder:
    def __init__(self, module, path, source):
        self.module, self.path, self.source = module, path, source

    def find_spec(self, fullname, path=None, target=None):
        if fullname != self.module:
            return None
        package = os.path.basename(self.path) == "__init__.py"
        return importlib.util.spec_from_file_location(
            fullname, self.path, loader=_MutatedLoader(fullname, self.path, self.source),
            submodule_search_locations=[os.path.dirname(self.path)] if package else None)


def module_name(path):
    parts = os.path.splitext(path)[0].split(os.sep)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def run_mutant(m, tests, timeout, log_path):
    """'killed', 'survived' or 'timeout': the tests run in a forked child that imports
    the mutated module from memory."""
    source = mutation_operators.apply(open(os.path.join(ROOT, m.path)).read(), m)
    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            os.setpgid(0, 0)
            log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            sys.meta_path.insert(0, _MutatedFinder(module_name(m.path),
                                                   os.path.join(ROOT, m.path), source))
            import pytest
            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", "--no-header",
                                "-p", "no:xdist", "--rootdir", ROOT, *tests])
            os._exit(int(code))
        except BaseException:
            import traceback
            traceback.print_exc()
            os._exit(3)
    deadline = time.monotonic() + timeout
    try:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
                return "survived" if code == 0 else "killed"
            if time.monotonic() > deadline:
                _kill(pid)
                return "timeout"
            time.sleep(0.02)
    except BaseException:  # interrupted: the child (its own process group) goes too
        _kill(pid)
        raise


def _kill(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)


def first_failure(log_path):
    try:
        with open(log_path) as f:
            for line in f:
                if line.startswith(("FAILED ", "ERROR ")):
                    return line.split(" - ")[0].strip()[:200]
    except OSError:
        pass
    return ""


# ---------------------------------------------------------------- the sweep
def load_results():
    results = {}
    if os.path.exists(RESULTS):
        with open(RESULTS) as f:
            for line in f:
                row = json.loads(line)
                results[(row["id"], row["suite"])] = row
    return results


def files_of(patterns):
    files = []
    for pattern in patterns:
        matches = sorted(glob.glob(os.path.join(ROOT, pattern))) or [pattern]
        files += [os.path.relpath(p, ROOT) for p in matches]
    return list(dict.fromkeys(files))


def select(path, sample, seed, kinds, lines):
    found = mutation_operators.mutants(path, open(os.path.join(ROOT, path)).read())
    if kinds:
        found = [m for m in found if m.kind in kinds]
    if lines:
        found = [m for m in found if any(lo <= m.line <= hi for lo, hi in lines)]
    if sample and len(found) > sample:
        found = sorted(random.Random(f"{seed}:{path}").sample(found, sample),
                       key=lambda m: (m.line, m.col))
    return found


def sweep(args):
    suite = "conformance" if args.conformance else "tests"
    coverage = Coverage(suite)
    if args.conformance:
        os.environ.update(KM_CONFORMANCE_TIER="quick", KM_CONFORMANCE_SEED="12345")
    elif not coverage.available:
        sys.exit("no coverage recorded for tests/: run "
                 "`python -m conformance.mutation_sweep coverage`")
    if args.conformance:
        import tensorflow  # noqa: F401  (once, in the parent: the children fork from it)
    import numpy  # noqa: F401  (imported once here, not in every child)
    import parameterized  # noqa: F401
    import pytest  # noqa: F401
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    results = load_results()
    os.makedirs(STATE, exist_ok=True)
    log_path = os.path.join(STATE, f"child-{os.getpid()}.log")
    lines = [tuple(map(int, r.split("-"))) if "-" in r else (int(r), int(r))
             for r in (args.lines.split(",") if args.lines else [])]
    counts = {}
    with open(RESULTS, "a") as out:
        for path in files_of(args.files):
            source_lines = open(os.path.join(ROOT, path)).read().splitlines()
            for m in select(path, args.sample, args.seed, args.kinds, lines):
                key = (m.id, suite)
                if args.survivors:  # again, only what survived (after new tests)
                    row = results.get(key)
                    if not row or row["status"] != "survived" or \
                            mutation_equivalents.reason(row):
                        continue
                elif key in results and not args.again:
                    continue
                if args.conformance and results.get((m.id, "tests"), {}).get(
                        "status") not in ("survived", "uncovered"):
                    continue  # only what tests/ left alive
                tests = coverage.tests_for(m, source_lines[m.line - 1].strip())
                start = time.monotonic()
                if not tests:
                    status = "uncovered"
                else:
                    budget = sum(coverage.seconds.get(t, 60.0) for t in tests)
                    status = run_mutant(m, tests, args.timeout + 4 * budget, log_path)
                row = dict(id=m.id, suite=suite, path=m.path, line=m.line, kind=m.kind,
                           source=source_lines[m.line - 1].strip(),
                           old=m.old, new=m.new, status=status, tests=len(tests),
                           seconds=round(time.monotonic() - start, 2),
                           failure=first_failure(log_path) if status == "killed" else "")
                out.write(json.dumps(row) + "\n")
                out.flush()
                if status == "survived" and mutation_equivalents.reason(row):
                    status = "equivalent"
                counts[status] = counts.get(status, 0) + 1
                if status in ("survived", "uncovered") or args.verbose:
                    print(f"{status.upper():9} {m.describe()}  [{len(tests)} tests, "
                          f"{row['seconds']}s]", flush=True)
    if os.path.exists(log_path):
        os.remove(log_path)
    print("this run:", counts)


def report(args):
    rows = load_results()
    fate = {}  # mutant id -> its row: a suite's that killed it, else the last suite's
    for (key, suite), row in sorted(rows.items(), key=lambda item: item[0][1] != "tests"):
        if fate.get(key, {}).get("status") not in ("killed", "timeout"):
            fate[key] = row
    files, total = {}, {}
    for row in fate.values():
        status = row["status"]
        if status in ("survived", "uncovered") and mutation_equivalents.reason(row):
            status = "equivalent"
        files.setdefault(row["path"], []).append((status, row))
        total[status] = total.get(status, 0) + 1
    columns = ["killed", "timeout", "equivalent", "survived", "uncovered"]
    print(f"{'file':46} {'tried':>5} " + " ".join(f"{c:>10}" for c in columns))
    for path in sorted(files):
        counts = {}
        for status, _ in files[path]:
            counts[status] = counts.get(status, 0) + 1
        print(f"{path:46} {len(files[path]):5} " + " ".join(f"{counts.get(c, 0):10}"
                                                              for c in columns))
    print(f"{'total':46} {sum(total.values()):5} " + " ".join(f"{total.get(c, 0):10}"
                                                             for c in columns))
    if args.survivors:
        for path in sorted(files):
            for status, row in sorted(files[path], key=lambda item: item[1]["line"]):
                if status in ("survived", "uncovered", "equivalent"):
                    why = mutation_equivalents.reason(row) if status == "equivalent" else ""
                    print(f"  {status:10} {path}:{row['line']} {row['kind']}: "
                          f"{row['old']!r} -> {row['new']!r} ({row['suite']}) {why}")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m conformance.mutation_sweep",
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("coverage", help="record which tests run each kerasmini line")
    c.add_argument("--conformance", action="store_true", help="the conformance quick tier")
    c.add_argument("-n", "--workers", type=int, default=2)
    c.add_argument("paths", nargs="*", help="test files (default: tests/, or all of "
                   "conformance/ but its models/)")
    r = sub.add_parser("run", help="try the mutants of the given files")
    r.add_argument("files", nargs="+", help="paths or globs, relative to the repository")
    r.add_argument("--sample", type=int, help="at most this many mutants per file")
    r.add_argument("--seed", default="0", help="which sample (default 0)")
    r.add_argument("--kinds", nargs="*", help="only these mutation kinds")
    r.add_argument("--lines", help="only mutants starting on these lines: 10-20,31")
    r.add_argument("--timeout", type=float, default=20.0,
                   help="seconds beyond 4x the tests' own time before a mutant is a hang")
    r.add_argument("--conformance", action="store_true",
                   help="try the survivors of tests/ on the conformance quick tier")
    r.add_argument("--again", action="store_true", help="re-run mutants already tried")
    r.add_argument("--survivors", action="store_true",
                   help="re-run only the survivors (not equivalents) recorded so far")
    r.add_argument("-v", "--verbose", action="store_true", help="print every mutant")
    s = sub.add_parser("report", help="survivors by file, from the results so far")
    s.add_argument("--survivors", action="store_true", help="list every survivor")
    args = p.parse_args(argv)
    if args.command == "coverage":
        return record_coverage("conformance" if args.conformance else "tests", args.workers,
                               args.paths)
    if args.command == "run":
        return sweep(args)
    return report(args)


if __name__ == "__main__":
    sys.exit(main())
