"""pytest plugin: which kerasmini lines each test runs, for the mutation sweep.

    KM_LINE_COVERAGE=DIR python -m pytest -p conformance.line_coverage tests

writes DIR/lines-<pid>.json (one per xdist worker): for every kerasmini file and line, the
tests that ran it, and each test's duration. Lines run while test modules are imported
(module level, function definitions) are listed under "import". Coverage.py would do,
but it is not a dependency; sys.settrace on kerasmini's frames alone costs little (the
other frames are dismissed at their call event), and the kernels' pool threads are traced
too (threading.settrace before the first is made).
"""
import json
import os
import sys
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(ROOT, "kerasmini") + os.sep

_lines = set()          # (file, line) run by the current test (or the imports)
_traced_code = {}       # code object -> whether it is kerasmini's


def _local(frame, event, arg):
    if event == "line":
        _lines.add((frame.f_code.co_filename, frame.f_lineno))
    return _local


def _global(frame, event, arg):
    code = frame.f_code
    ours = _traced_code.get(code)
    if ours is None:
        ours = _traced_code[code] = code.co_filename.startswith(PACKAGE)
    if ours:
        _lines.add((code.co_filename, frame.f_lineno))
        return _local
    return None


class Recorder:
    def __init__(self, out_dir):
        self.out_dir = out_dir
        self.tests = {}  # nodeid -> [seconds, {(file, line), ...}]
        self.imports = set()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.imports |= _lines
        _lines.clear()
        # again for every test: CPython drops a thread's trace function when it raises
        # (a test that recurses to the limit makes the tracer's own call fail)
        sys.settrace(_global)
        start = time.perf_counter()
        yield
        self.tests[item.nodeid] = [time.perf_counter() - start, set(_lines)]
        _lines.clear()

    def pytest_sessionfinish(self, session):
        sys.settrace(None)
        threading.settrace(None)
        self.imports |= _lines
        names = sorted(self.tests)
        by_file = {}
        for index, name in enumerate(names):
            for path, line in self.tests[name][1]:
                by_file.setdefault(_relative(path), {}).setdefault(line, []).append(index)
        imports = {}
        for path, line in self.imports:
            imports.setdefault(_relative(path), []).append(line)
        os.makedirs(self.out_dir, exist_ok=True)
        with open(os.path.join(self.out_dir, f"lines-{os.getpid()}.json"), "w") as f:
            json.dump({"tests": names, "seconds": [self.tests[n][0] for n in names],
                       "lines": by_file, "import": imports}, f)


def _relative(path):
    return os.path.relpath(path, ROOT)


def pytest_configure(config):
    out_dir = os.environ.get("KM_LINE_COVERAGE")
    if not out_dir:
        return
    config.pluginmanager.register(Recorder(out_dir), "km_line_coverage")
    threading.settrace(_global)
    sys.settrace(_global)
