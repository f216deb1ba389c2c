"""One core kept busy by a second process, for the loaded-machine measurements.

The process spins a Python loop (one core, no memory traffic) until it is stopped; the
benchmark starts it, measures, and stops it, so the load is the same on every machine.
"""
import contextlib
import subprocess
import sys
import time

SPIN = "while True: pass"


@contextlib.contextmanager
def busy_core(enabled=True):
    """Within the block, a second process keeps one core busy (if `enabled`)."""
    if not enabled:
        yield None
        return
    spinner = subprocess.Popen([sys.executable, "-c", SPIN])
    try:
        time.sleep(0.5)  # started, and seen by the kernels' load window
        yield spinner
    finally:
        spinner.terminate()
        spinner.wait()
