"""Where one training step of README's MNIST convnet goes, phase by phase.

    python -m benchmarks.step_phases [--batches 1 8 32] [--fit-batch 128] [--steps 200]

`train_on_batch` at each batch size, and `fit`'s step at --fit-batch, split into: data
(argument checks, conversions, target checks, metric resets: everything before the step
proper), forward on the tape (of which the layers' kernels and Python alone, timed by
the same forward without a tape), loss, the trainable-weights list, backward (of which
the gradient rules; the rest is the tape's bookkeeping), the optimizer update, metrics
and logs, callbacks (fit only; batch slicing is counted as data), and what is left.
Times are this thread's CPU time (the pool threads' work is not in it: at batch 1-32
they are idle) and wall time, medians over the steps.
"""
import argparse
import collections
import contextlib
import os
import time

import numpy as np

# (no "trainable_weights" phase: fit reads the list once after compile, Keras's rule)
PHASES = ("data", "forward", "forward: layers alone", "loss",
          "backward", "backward: gradient rules", "optimizer", "metrics and logs",
          "callbacks", "other")


def _clocks():
    return np.array([time.perf_counter(), time.thread_time()])


class _Phases:
    """Accumulates (wall, CPU) per phase name for the step being timed."""

    def __init__(self):
        self.current = collections.defaultdict(lambda: np.zeros(2))
        self.samples = collections.defaultdict(list)

    def wrap(self, function, phase):
        def timed(*args, **kwargs):
            start = _clocks()
            try:
                return function(*args, **kwargs)
            finally:
                self.current[phase] += _clocks() - start
        return timed

    def keep(self, total):
        self.current["step"] = total
        for phase, value in self.current.items():
            self.samples[phase].append(value.copy())
        self.current.clear()

    def medians(self):
        """{phase: (wall ms, CPU ms)}."""
        return {phase: np.median(values, axis=0) * 1e3
                for phase, values in self.samples.items()}


@contextlib.contextmanager
def _instrumented(model, phases):
    """Wrap the step's parts of `model` (instance attributes, taken off afterwards) and
    every gradient rule the tape records (tape.record patched)."""
    from kerasmini.autodiff import tape as tape_module
    from kerasmini.models import trainer
    original_record = tape_module.record
    original_gradient = tape_module.GradientTape.gradient

    def record(output, inputs, vjp, op_name):
        if vjp is not None:
            rule = vjp
            vjp = phases.wrap(rule, "backward: gradient rules")
            for attribute in ("takes_needed", "saved"):
                if hasattr(rule, attribute):
                    setattr(vjp, attribute, getattr(rule, attribute))
            if getattr(rule, "through", None):
                vjp.through = {producer: phases.wrap(r, "backward: gradient rules")
                               for producer, r in rule.through.items()}
        return original_record(output, inputs, vjp, op_name)

    wrapped = {"compute_loss": "loss", "_record_batch": "metrics and logs",
               "_prepare": "data", "reset_metrics": "data"}
    for name, phase in wrapped.items():
        setattr(model, name, phases.wrap(getattr(model, name), phase))
    optimizer = model.optimizer
    optimizer.apply_gradients = phases.wrap(optimizer.apply_gradients, "optimizer")
    cls = type(model)
    own = {name: vars(cls).get(name) for name in ("call",)}
    tape_module.record = record
    tape_module.GradientTape.gradient = phases.wrap(original_gradient, "backward")
    cls.call = _forward_timer(cls.call, phases)
    original_sample_count = trainer.data.sample_count
    trainer.data.sample_count = phases.wrap(original_sample_count, "data")
    try:
        yield
    finally:
        tape_module.record = original_record
        tape_module.GradientTape.gradient = original_gradient
        for name, value in own.items():
            if value is None:
                delattr(cls, name)
            else:
                setattr(cls, name, value)
        trainer.data.sample_count = original_sample_count
        for name in wrapped:
            delattr(model, name)
        del optimizer.apply_gradients


def _forward_timer(call, phases):
    """The model's call: timed as "forward" on a tape; once per step also without one
    (the same layers and kernels, training=True, nothing recorded)."""
    from kerasmini.autodiff import tape as tape_module

    def timed(self, *args, **kwargs):
        if not tape_module._recording:
            return call(self, *args, **kwargs)
        paused = tape_module._recording[:]
        del tape_module._recording[:]
        try:
            phases.wrap(call, "forward: layers alone")(self, *args, **kwargs)
        finally:
            tape_module._recording[:] = paused
        return phases.wrap(call, "forward")(self, *args, **kwargs)
    return timed


def profile_train_on_batch(batch, steps):
    import kerasmini
    from benchmarks.training import compiled, synthetic_data
    model = compiled(kerasmini)
    x, y = synthetic_data(max(batch, 2))
    x, y = x[:batch], y[:batch]
    for _ in range(5):
        model.train_on_batch(x, y)
    phases = _Phases()
    with _instrumented(model, phases):
        for _ in range(steps):
            start = _clocks()
            model.train_on_batch(x, y)
            phases.keep(_clocks() - start)
    return phases.medians()


def profile_fit(batch, steps):
    """fit's step: one epoch of `steps` batches, each step's phases kept by a callback."""
    import kerasmini
    from benchmarks.training import compiled, synthetic_data
    model = compiled(kerasmini)
    x, y = synthetic_data(batch * steps)
    model.fit(x[:2 * batch], y[:2 * batch], batch_size=batch, verbose=0)
    phases = _Phases()
    marks = {}

    class Marker(kerasmini.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            marks["begin"] = _clocks()

        def on_train_batch_end(self, batch, logs=None):
            marks["end"] = _clocks()

    marker = Marker()
    callbacks = kerasmini.callbacks

    def batch_end(original):
        def run(self, batch, logs=None):
            start = _clocks()
            original(self, batch, logs)
            phases.current["callbacks"] += _clocks() - start
            if "last" in marks:
                phases.keep(_clocks() - marks["last"])
            marks["last"] = _clocks()
        return run

    original_end = callbacks.CallbackList.on_train_batch_end
    callbacks.CallbackList.on_train_batch_end = batch_end(original_end)
    try:
        with _instrumented(model, phases):
            model.fit(x, y, batch_size=batch, verbose=0, callbacks=[marker])
    finally:
        callbacks.CallbackList.on_train_batch_end = original_end
    return phases.medians()


def rows(medians):
    """[(phase, wall ms, CPU ms, % of the step's CPU)] in PHASES order, "other" the rest.
    The step's time leaves out the extra forward without a tape (timed, not a part)."""
    step = medians.pop("step") - medians["forward: layers alone"]
    named = sum(value for phase, value in medians.items() if ":" not in phase)
    medians["other"] = step - named
    table = [(phase, *medians[phase], 100 * medians[phase][1] / step[1])
             for phase in PHASES if phase in medians]
    return table + [("step", *step, 100.0)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="*", default=[1, 8, 32])
    parser.add_argument("--fit-batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--fit-steps", type=int, default=40)
    args = parser.parse_args(argv)
    print(f"load average before: {os.getloadavg()}")
    results = {f"train_on_batch, batch {b}": profile_train_on_batch(b, args.steps)
               for b in args.batches}
    if args.fit_batch:
        results[f"fit step, batch {args.fit_batch}"] = profile_fit(args.fit_batch,
                                                                   args.fit_steps)
    for case, medians in results.items():
        print(f"\n{case}: {'wall ms':>8} {'CPU ms':>8} {'% CPU':>6}")
        for phase, wall, cpu, share in rows(medians):
            print(f"  {phase:28} {wall:8.3f} {cpu:8.3f} {share:6.1f}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
