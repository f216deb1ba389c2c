"""How many cores other processes leave us: read from /proc over short windows.

Handing parts of a product to a second thread pays on a quiet machine and costs on a busy
one: when other processes keep the cores busy, each hand-off waits for a scheduler tick
(~8-10 ms measured; at batch 1 a ResNet50 `predict` spent most of its time waiting so) and
the two threads' parts arrive late. So the kernels share work only between as many
threads as there are cores that no other process kept busy over the last LOAD_WINDOW.

Other processes' load = the machine's busy ticks (/proc/stat) less this process's own
(/proc/self/stat: every thread of ours, TensorFlow's included), so our own threads never
count against us. Where /proc is missing, every core counts as idle.
"""
import os
import time

# How often the load is re-read, in seconds (one read is ~30 us).
LOAD_WINDOW = 0.25
# Other processes' share of a core above which that core counts as busy.
BUSY_SHARE = 0.25

_sample = None  # (time, machine busy ticks, machine total ticks, own ticks)
_idle = None


def cores():
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def idle_cores():
    """Cores available to this process that no other process kept busy lately (>= 1)."""
    global _sample, _idle
    now = time.monotonic()
    if _sample is not None and now - _sample[0] < LOAD_WINDOW:
        return _idle
    ours = cores()
    current = _read_ticks(now)
    if current is None:
        _idle = ours
    elif _sample is None:  # no window yet: the 1-minute load average, ours included
        _idle = _cores_left(ours, os.getloadavg()[0] - 1)
    else:
        busy, total, own = (c - p for c, p in zip(current[1:], _sample[1:]))
        machine = os.cpu_count() or ours
        _idle = _cores_left(ours, (busy - own) / max(total, 1) * machine)
    _sample = current
    return _idle


def _cores_left(cores, others_busy):
    """Cores left when other processes keep `others_busy` cores' worth busy."""
    return max(1, min(cores, int(cores - others_busy + BUSY_SHARE)))


def _read_ticks(now):
    """(now, busy ticks of all cores, all ticks of all cores, this process's ticks)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
        with open("/proc/self/stat") as own:
            own_fields = own.read().rsplit(")", 1)[1].split()
    except (OSError, ValueError, IndexError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already inside user time
    return now, total - idle, total, int(own_fields[11]) + int(own_fields[12])
