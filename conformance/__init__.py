"""conformance: kerasmini and tf.keras side by side, checked against float64 references.

Run with `python -m pytest -n 2 -q tests conformance` (CI) or `python -m conformance`
(people: progress, a summary table, a markdown report). See conformance/README.md.
"""
import os

# Keep TensorFlow's C++ and Python log noise out of test output; must precede its import.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

INSTALL_HINT = 'pip install -e ".[conformance]"'
