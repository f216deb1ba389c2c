"""Where one training step of README's MNIST convnet goes, op by recorded op.

    python -m benchmarks.step_profile [--batch 128] [--steps 15]

`train_on_batch` of the convnet (Adam, sparse categorical crossentropy), with every
recorded op timed in the forward (from the previous record to this one: the kernel and
the layer's Python around it) and in the backward (its gradient rule alone). Each op gets
wall time, this thread's CPU time and the process's CPU time (the second core's work
included: process minus thread is what the pool threads did), medians over the steps.
"""
import argparse
import collections
import os
import time

import numpy as np


def _clocks():
    return time.perf_counter(), time.thread_time(), time.process_time()


def profile_steps(batch=128, steps=15):
    """{(phase, op): (wall, thread CPU, process CPU) medians in ms}, and the step's."""
    import kerasmini
    from kerasmini.autodiff import tape as tape_module
    from benchmarks.training import compiled, synthetic_data

    samples = collections.defaultdict(list)
    current = collections.Counter()
    last = [None]
    original = tape_module.record

    def timed_record(output, inputs, vjp, op_name):
        now = _clocks()
        name = f"{op_name} {'x'.join(map(str, np.shape(output)[1:]))}"
        if last[0] is not None:
            current[("forward", name)] += np.subtract(now, last[0])
        wrapped = vjp
        if vjp is not None:
            wrapped = _timed(vjp, ("backward", name))
            for attribute in ("takes_needed", "saved"):
                if hasattr(vjp, attribute):
                    setattr(wrapped, attribute, getattr(vjp, attribute))
            if getattr(vjp, "through", None):  # joint rules, timed under both names
                wrapped.through = {producer: _timed(rule, ("backward", f"{name} of {producer}"))
                                   for producer, rule in vjp.through.items()}
        result = original(output, inputs, wrapped, op_name)  # joint rules go by op name
        last[0] = _clocks()
        return result

    def _timed(rule, key):
        def timed(*args):
            start = _clocks()
            result = rule(*args)
            current[key] += np.subtract(_clocks(), start)
            return result
        return timed

    model = compiled(kerasmini)
    x, y = synthetic_data(batch)
    tape_module.record = timed_record
    try:
        step_times = []
        for index in range(steps + 2):
            current.clear()
            last[0] = _clocks()
            start = _clocks()
            model.train_on_batch(x, y)
            total = np.subtract(_clocks(), start)
            if index >= 2:  # two warm-up steps
                step_times.append(total)
                for key, value in current.items():
                    samples[key].append(value)
    finally:
        tape_module.record = original
    table = {key: np.median(values, axis=0) * 1e3 for key, values in samples.items()}
    return table, np.median(step_times, axis=0) * 1e3


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=15)
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    table, step = profile_steps(args.batch, args.steps)
    print(f"{'phase':9} {'op':34} {'wall ms':>8} {'thread':>8} {'process':>8}")
    for (phase, name), (wall, thread, process) in sorted(
            table.items(), key=lambda item: -item[1][2]):
        print(f"{phase:9} {name:34} {wall:8.2f} {thread:8.2f} {process:8.2f}")
    print(f"{'step':44} {step[0]:8.2f} {step[1]:8.2f} {step[2]:8.2f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
