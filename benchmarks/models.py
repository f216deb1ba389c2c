"""Whole models: keras.applications architectures and the README's MNIST convnet.

Each model is built in tf.keras with random weights (BatchNormalization's moving statistics
randomized too, so that they matter), saved as a .keras file and loaded by kerasmini: the
same weights, no download. Both libraries' `predict` run on the same inputs, interleaved.
"""
import os
import tempfile
from dataclasses import dataclass

import numpy as np

from benchmarks.runner import TOLERANCE, _relative_error
from benchmarks.timing import caller_schedstat, interleaved_samples

# Seven interleaved rounds per case: the spread (max / min) is over these seven samples.
# A fast call is repeated within one sample for about 20 ms.
ROUNDS = dict(min_rounds=7, max_rounds=7, budget_seconds=0.0, sample_seconds=0.02)
QUICK_ROUNDS = dict(min_rounds=3, max_rounds=3, budget_seconds=0.0, sample_seconds=0.01)
BATCHES = (1, 32)


@dataclass(frozen=True)
class ModelCase:
    name: str
    input_shape: tuple
    needs: tuple = ()  # kerasmini layer classes the model uses beyond the common ones

    def build_tf(self, keras):
        if self.name == "MNIST convnet":
            layers = keras.layers
            return keras.Sequential([
                keras.Input(self.input_shape),
                layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
                layers.MaxPooling2D(pool_size=(2, 2)),
                layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
                layers.MaxPooling2D(pool_size=(2, 2)),
                layers.Flatten(),
                layers.Dropout(0.5),
                layers.Dense(10, activation="softmax"),
            ])
        application = getattr(keras.applications, self.name)
        return application(weights=None, input_shape=self.input_shape, classes=10)


MODELS = [
    ModelCase("MNIST convnet", (28, 28, 1)),
    ModelCase("VGG16", (32, 32, 3)),
    ModelCase("ResNet50", (64, 64, 3)),
    ModelCase("DenseNet121", (64, 64, 3)),
    ModelCase("MobileNetV2", (64, 64, 3), needs=("DepthwiseConv2D",)),
]
QUICK_MODELS = ("MNIST convnet", "ResNet50")
PROFILED = ("ResNet50", "DenseNet121")


def missing_layers(case, kerasmini):
    """kerasmini layer classes this model needs that this version does not have."""
    return [name for name in case.needs if not hasattr(kerasmini.layers, name)]


def build_pair(case, keras, kerasmini, folder):
    """(kerasmini model, tf.keras model) with the same random weights, via a .keras file."""
    keras.utils.set_random_seed(0)
    tf_model = case.build_tf(keras)
    rng = np.random.default_rng(0)
    for layer in tf_model.layers:  # moving statistics away from 0 and 1
        if hasattr(layer, "moving_mean"):
            layer.moving_mean.assign(rng.uniform(-0.1, 0.1, layer.moving_mean.shape))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, layer.moving_variance.shape))
    path = os.path.join(folder, case.name.replace(" ", "_") + ".keras")
    tf_model.save(path)
    return kerasmini.models.load_model(path), tf_model


def run_model(case, batch, km_model, tf_model, rounds, busy=False):
    """Agreement, then interleaved predict timings of both libraries: a dict for the JSON."""
    x = np.random.default_rng(batch).standard_normal((batch, *case.input_shape),
                                                     dtype=np.float32)
    functions = {"kerasmini": lambda: km_model.predict(x, verbose=0),
                 "tf_keras": lambda: tf_model.predict(x, verbose=0)}
    expected = functions["tf_keras"]()
    functions["tf_keras"]()  # a second call: tf.keras's predict traces on the first
    error = _relative_error(np.asarray(functions["kerasmini"]()), np.asarray(expected))
    if not error <= TOLERANCE["float32"]:
        raise AssertionError(f"{case.name} batch {batch}: kerasmini and tf.keras disagree "
                             f"({error:.3g}); not timing it")
    probe, probed = (caller_schedstat if caller_schedstat() else None), {}
    samples = interleaved_samples(functions, **rounds, probe=probe, probed=probed)
    medians = {lib: float(np.median(s)) for lib, s in samples.items()}
    return {**caller_readings(samples["kerasmini"], probed.get("kerasmini")),
            "name": f"{case.name} {'x'.join(map(str, case.input_shape))} batch {batch}",
            "model": case.name, "batch": batch, "busy": busy,
            "max_relative_error": error, "seconds": medians, "samples": samples,
            "spread": {lib: max(s) / min(s) for lib, s in samples.items()},
            "ratio": medians["kerasmini"] / medians["tf_keras"]}


def caller_readings(seconds, probed):
    """Where kerasmini's samples went: {"caller": ...} for the row, or {} without probe.

    kerasmini computes on the calling thread (and one pool thread only when a core is
    idle), so the calling thread's time on a CPU is the work each sample did, and its time
    runnable but not running is what the machine's other processes cost it. A wall-time
    spread with a flat on-CPU spread is the scheduler's, not kerasmini's."""
    if not probed:
        return {}
    on_cpu, waiting = (np.array(column) for column in zip(*probed))
    return {"caller": {"on_cpu": on_cpu.tolist(), "waiting": waiting.tolist(),
                       "on_cpu_spread": float(on_cpu.max() / max(on_cpu.min(), 1e-9)),
                       "waiting_share": float(waiting.sum() / max(sum(seconds), 1e-9))}}


def run_all(keras, kerasmini, quick=False, only=None, busy_too=True, quiet_too=True,
            report_row=print):
    """Every model case, quiet then with one core kept busy; plus the per-layer profiles."""
    from benchmarks.busy import busy_core
    from benchmarks.profile import layer_profile
    rounds = QUICK_ROUNDS if quick else ROUNDS
    cases = [c for c in MODELS if not quick or c.name in QUICK_MODELS]
    if only:
        cases = [c for c in cases if any(s.lower() in c.name.lower() for s in only)]
    results = {"quiet": [], "busy": [], "skipped": [], "profiles": []}
    with tempfile.TemporaryDirectory() as folder:
        pairs = []
        for case in cases:
            missing = missing_layers(case, kerasmini)
            if missing:
                reason = f"{case.name}: kerasmini has no {', '.join(missing)} yet"
                print(f"skipped {reason}")
                results["skipped"].append(reason)
                continue
            pairs.append((case, *build_pair(case, keras, kerasmini, folder)))
        modes = ("quiet",) * quiet_too + ("busy",) * busy_too
        for mode in modes:
            print(f"\nwhole models, predict, {mode}"
                  f"{' (a second process keeps one core busy)' if mode == 'busy' else ''}:")
            with busy_core(mode == "busy"):
                for case, km_model, tf_model in pairs:
                    for batch in BATCHES:
                        row = run_model(case, batch, km_model, tf_model, rounds,
                                        busy=mode == "busy")
                        results[mode].append(row)
                        report_row(row)
        for case, km_model, _ in pairs if quiet_too else ():
            if case.name in PROFILED:
                x = np.random.default_rng(0).standard_normal((32, *case.input_shape),
                                                             dtype=np.float32)
                results["profiles"].append({"model": case.name, "batch": 32,
                                            "rows": layer_profile(km_model, x)})
    return results
