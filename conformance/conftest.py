"""pytest wiring: TensorFlow presence, the per-test record, the summary and the report.

Without TensorFlow every conformance module is left uncollected except
test_environment.py, whose single test FAILS with the install command: the suite
never skips silently.
"""
import glob
import json
import os
import random
import time

import pytest

import conformance  # noqa: F401  (sets TF_CPP_MIN_LOG_LEVEL before anything imports TF)
from conformance import summary
from conformance.tfload import tensorflow_available

HERE = os.path.dirname(__file__)
TF_AVAILABLE = tensorflow_available()

if not TF_AVAILABLE:
    collect_ignore = [os.path.basename(p) for p in glob.glob(os.path.join(HERE, "test_*.py"))
                      if not p.endswith("test_environment.py")]
    collect_ignore.append("models")  # the model-level suite needs TensorFlow too

# One base seed per run for the random tier. Set here, in the controller, before xdist
# starts its workers, so that every worker collects the same test ids.
os.environ.setdefault("KM_CONFORMANCE_SEED", str(random.SystemRandom().randrange(1, 10**6)))


@pytest.fixture(autouse=True)
def _conformance_record():
    if TF_AVAILABLE:
        from conformance import harness
        harness.reset_record()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    if call.when == "call" and TF_AVAILABLE:
        from conformance import harness
        if harness.RECORD:
            item.user_properties.append(("conformance", harness.record_json()))
    yield


def pytest_collection_modifyitems(config, items):
    layer = os.environ.get("KM_CONFORMANCE_LAYER")
    if not layer:
        return
    token = summary.canonical_layer(layer)
    keep, drop = [], []
    for item in items:
        in_suite = "conformance" in item.nodeid.split("::")[0]
        if not in_suite or "test_environment" in item.nodeid or \
                summary.layer_of_nodeid(item.nodeid) == token:
            keep.append(item)
        else:
            drop.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_report_header(config):
    return summary.versions_line() + f"\nconformance tier={os.environ.get('KM_CONFORMANCE_TIER', 'full')}" \
        f" random-tier base seed={os.environ['KM_CONFORMANCE_SEED']}"


_collector = summary.Collector()
_START = time.perf_counter()


def pytest_runtest_logreport(report):
    _collector.add(report)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if hasattr(config, "workerinput") or not _collector.results:
        return
    for line in _collector.text_lines():
        terminalreporter.write_line(line)
    path = os.environ.get("KM_CONFORMANCE_REPORT")
    if path:
        with open(path, "w") as f:
            f.write(_collector.markdown())
        terminalreporter.write_line(f"report written to {path}")
    path = os.environ.get("KM_CONFORMANCE_COUNTS")
    if path:  # what conformance/readme_counts.py writes into the READMEs
        with open(path, "w") as f:
            json.dump(_collector.counts(time.perf_counter() - _START), f, indent=1)
