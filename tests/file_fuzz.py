"""A fuzzer for kerasmini's file readers: hostile and broken files by generation.

Seed files are written by kerasmini itself (tests/ stay NumPy-only; conformance/
file_fuzz.py adds files written by tf.keras): a `.keras` archive, a `.weights.h5` file, a
legacy `.h5` model file and a legacy weights-only `.h5` file for each of a few small
models (Sequential, functional with two inputs, convolutional, recurrent, attention,
subclassed, an application). Each mutant (tests/file_mutants.py) is read by every reader
that takes its kind of file: `load_model`, `load_weights` into a fresh model of the
seed's architecture, and the inspect CLI (`python -m kerasmini inspect`, whose reader
is also the check's file guard; it must exit 0, 1 or 2, never raise).

A reader passes a mutant when it
  * succeeds: then the model predicts without crashing, and when the mutation was neutral
    its outputs (load_model) or weights (load_weights) equal the seed's exactly; or
  * raises ValueError / TypeError / OSError / NotImplementedError with a message, raised
    by kerasmini's own code (not leaked from h5py, zipfile, json or NumPy), and for
    load_weights with the model's weights and optimizer state unchanged.
Anything else is a failure: another exception class (KeyError, RecursionError,
MemoryError, zipfile.BadZipFile, ...), a hang past the time limit, a crash of the
process, a file changed on disk.

Each mutant is named by (family, seed, index) and rebuilt from that name alone, so any
failure is reproducible:
    python -m tests.file_fuzz --families h5 --count 2000            # a long run
    python -m tests.file_fuzz --replay h5:17:123                     # one mutant, traced
Runs go through a worker subprocess with an address-space limit (`--memory-mb`); a
worker killed by a signal or by the limit is a failure of the mutant it was reading, and
the run continues in a new worker.
"""
import argparse
import contextlib
import hashlib
import io
import json
import os
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np

from tests import exhaustion_mutants, file_mutants, hostile_mutants

# the structural families, the hostile ones (files made hostile below the APIs), then
# configs that ask for unbounded work
FAMILIES = {**file_mutants.FAMILIES, **hostile_mutants.FAMILIES,
            **exhaustion_mutants.FAMILIES}
FAMILY_KINDS = {**file_mutants.FAMILY_KINDS, **hostile_mutants.FAMILY_KINDS,
                **exhaustion_mutants.FAMILY_KINDS}

ALLOWED = (ValueError, TypeError, OSError, NotImplementedError)
TIME_LIMIT_S = 20
WATCHDOG_S = 150  # silence of a worker: above 3 readers x TIME_LIMIT_S and a seed build
MEMORY_MB = 3000      # the worker's address space (0: no limit, so that what a file makes
PEAK_GROWTH_MB = 500  # libhdf5 allocate shows as peak memory growth instead of an error)
SUFFIXES = {"keras": ".keras", "weights": ".weights.h5", "legacy": ".h5",
            "legacy_weights": ".h5"}


# ---------------------------------------------------------------------------------------
# seeds: small models with deterministic weights

def _models(keras):
    """{name: function making the model} in `keras` (kerasmini, or tf.keras for
    conformance/file_fuzz.py: the same code builds both)."""
    layers = keras.layers

    def sequential():
        model = keras.Sequential([keras.Input((6,)), layers.Dense(4, activation="relu"),
                                  layers.BatchNormalization(), layers.Dropout(0.3),
                                  layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="mse")
        return model

    def functional():
        a, b = keras.Input((5,), name="a"), keras.Input((3,), name="b")
        h = layers.Dense(4, name="ha")(a)
        g = layers.Dense(4, name="hb")(b)
        s = layers.Add()([h, g])
        c = layers.Concatenate()([s, layers.Dense(2, use_bias=False)(g)])
        return keras.Model([a, b], layers.Dense(2, name="out")(c))

    def conv():
        return keras.Sequential([keras.Input((8, 8, 2)), layers.Conv2D(3, 3),
                                 layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(2)])

    def rnn():
        x = keras.Input((5, 3))
        h = layers.LSTM(4, return_sequences=True)(x)
        h = layers.Bidirectional(layers.GRU(2))(h)
        return keras.Model(x, layers.Dense(2)(h))

    def attention():
        x = keras.Input((4, 6))
        h = layers.MultiHeadAttention(num_heads=2, key_dim=3)(x, x)
        h = layers.LayerNormalization()(layers.Add()([x, h]))
        return keras.Model(x, layers.Dense(2)(layers.GlobalAveragePooling1D()(h)))

    def subclassed():
        model = fuzz_net_class(keras)(units=3)
        model(np.zeros((1, 4), "float32"))
        return model

    def application():
        return keras.applications.MobileNetV3Small(
            input_shape=(32, 32, 3), alpha=0.75, minimalistic=True, weights=None,
            classes=3, include_preprocessing=False)

    return {"sequential": sequential, "functional": functional, "conv": conv, "rnn": rnn,
            "attention": attention, "subclassed": subclassed, "application": application}


_FUZZ_NETS = {}


def fuzz_net_class(keras):
    """A subclassed model, registered as 'Fuzz>FuzzNet' in `keras` (once)."""
    if keras.__name__ in _FUZZ_NETS:
        return _FUZZ_NETS[keras.__name__]

    @keras.saving.register_keras_serializable(package="Fuzz")
    class FuzzNet(keras.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.hidden = keras.layers.Dense(units, activation="tanh")
            self.head = keras.layers.Dense(2)

        def call(self, x):
            return self.head(self.hidden(x))

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    _FUZZ_NETS[keras.__name__] = FuzzNet
    return FuzzNet


CI_SEEDS = ("sequential", "functional", "conv", "rnn", "attention", "subclassed")


def _inputs(model):
    """A fixed input for `model` (a list for several inputs)."""
    rng = np.random.default_rng(0)
    try:
        shapes = [tuple(t.shape) for t in model.inputs]
    except (AttributeError, ValueError):  # kerasmini's Sequential keeps an input_shape;
        shapes = [getattr(model, "input_shape", (None, 4))]  # FuzzNet takes 4 features
    xs = [rng.standard_normal((2,) + s[1:]).astype("float32") for s in shapes]
    return xs if len(xs) > 1 else xs[0]


def build_seed_model(name, keras=None):
    """The seed model `name` with deterministic weights (and optimizer state), in
    kerasmini or in `keras`."""
    if keras is None:
        import kerasmini as keras
    model = _models(keras)[name]()
    rng = np.random.default_rng(1)
    model.set_weights([rng.uniform(0.1, 1.0, np.shape(w)).astype(np.asarray(w).dtype)
                       for w in model.get_weights()])
    if getattr(model, "compiled", False):
        model.optimizer.build(model.trainable_weights)
        for v in model.optimizer.variables:
            v.assign(rng.uniform(0.0, 0.5, v.shape).astype(v.dtype))
    return model


def write_tf2_h5(path, model, with_config=True):
    """A legacy file as tf.keras 2.x wrote it: old-style configs and inbound nodes,
    weight names with ':0', the arrays under model_weights/<layer>/<layer>/ (with
    `with_config=False`, a save_weights() file: the layers at the root, no config)."""
    import h5py
    config = json.loads(model.to_json())
    for layer in config["config"]["layers"]:
        layer.pop("module", None)
        layer.pop("registered_name", None)
        nodes = []
        for node in layer.get("inbound_nodes", []):
            args = node["args"][0]
            args = args if isinstance(args, list) else [args]
            nodes.append([[*a["config"]["keras_history"], {}] for a in args])
        layer["inbound_nodes"] = nodes
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        group = f
        if with_config:
            f.attrs["model_config"] = json.dumps(config).encode()
            group = f.create_group("model_weights")
        group.attrs["layer_names"] = [layer.name.encode() for layer in model.layers]
        for layer in model.layers:
            g = group.create_group(layer.name)
            # Keras's legacy order: a nested model's trainable weights all come first
            weights = layer.trainable_weights + layer.non_trainable_weights
            names = [f"{w.path if hasattr(layer, 'layers') else layer.name + '/' + w.name}:0"
                     for w in weights]  # a nested model's: its layers' names inside
            names = [n if names.count(n) == 1 else f"{i}/{n}"  # Bidirectional's two cells
                     for i, n in enumerate(names)]
            g.attrs["weight_names"] = [n.encode() for n in names]
            for name, w in zip(names, weights):
                g.create_dataset(name, data=w.numpy())


@dataclass
class Seed:
    name: str
    kind: str
    data: bytes
    inputs: object = None       # a fixed input for the seed's model
    outputs: object = None      # the seed model's predictions on it
    weights: list = field(default_factory=list)


def _is_graph(model):
    from kerasmini.saving.saving_lib import _is_graph
    return _is_graph(model)


def make_seeds(names, folder):
    """{(model name, kind): Seed} for each model name and each kind it can be saved as."""
    seeds = {}
    for name in names:
        model = build_seed_model(name)
        inputs = _inputs(model)
        outputs = model.predict(inputs, verbose=0)
        weights = [np.array(w) for w in model.get_weights()]
        paths = {"keras": "m.keras", "weights": "m.weights.h5"}
        model.save(os.path.join(folder, paths["keras"]))
        model.save_weights(os.path.join(folder, paths["weights"]))
        if _is_graph(model):  # a graph model: legacy files too
            for kind, with_config in (("legacy", True), ("legacy_weights", False)):
                paths[kind] = f"m_{kind}.h5"
                write_tf2_h5(os.path.join(folder, paths[kind]), model, with_config)
        for kind, path in paths.items():
            with open(os.path.join(folder, path), "rb") as f:
                seeds[(name, kind)] = Seed(name, kind, f.read(), inputs, outputs, weights)
    return seeds


# ---------------------------------------------------------------------------------------
# one mutant: (family, seed number, index) -> Mutant, deterministically

def mutant_for(family, run_seed, index, seeds):
    """(Seed, Mutant) number `index` of `family` in the run seeded `run_seed`."""
    rng = random.Random(f"{family}:{run_seed}:{index}")
    kinds = FAMILY_KINDS[family]
    choices = sorted(key for key in seeds if key[1] in kinds)
    seed = seeds[rng.choice(choices)]
    mutate = FAMILIES[family]
    if family == "classes":
        pool = ["Dense", "Conv2D", "LSTM", "InputLayer", "Sequential", "Functional",
                "Model", "BatchNormalization", "Bidirectional", "MultiHeadAttention",
                "Fuzz>FuzzNet", "Adam", "GlorotUniform", "Dropout", "Add", "TextVectorization",
                "Lambda", "TFSMLayer", "Masking", "TimeDistributed", "Embedding"]
        return seed, mutate(seed.data, seed.kind, rng, pool)
    return seed, mutate(seed.data, seed.kind, rng)


# ---------------------------------------------------------------------------------------
# reading a mutant

class Hang(BaseException):
    """Raised by the alarm when a reader runs past the time limit (a BaseException, so
    that no `except Exception` in the code under test swallows it)."""


@contextlib.contextmanager
def time_limit(seconds):
    def alarm(*_):
        raise Hang(f"still running after {seconds} s")
    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


LEAKY = ("h5py", "zipfile", "json", "numpy", "struct", "zlib", "codecs", "encodings")


def _leaked_from(error):
    """The library an allowed exception was raised in, if not kerasmini's own code (a
    refusal must be kerasmini's, naming the file; h5py's or NumPy's message is not)."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return None
    origin = frames[-1].filename.replace(os.sep, "/")
    if "/kerasmini/" in origin or "/tests/" in origin:
        return None
    for library in LEAKY:
        if f"/{library}/" in origin or origin.endswith(f"/{library}.py"):
            return library
    return None


ALLOCATION_WORDS = ("memory allocation failed", "Unable to allocate", "Cannot allocate",
                    "MemoryError", "out of memory")


def _allocation_failed(error):
    """Whether an error, or one it was raised from, says memory ran out: under the
    worker's memory limit a file that makes libhdf5 or NumPy allocate what it declares
    fails this way, and without the limit it would have taken that memory."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, MemoryError) or any(w in str(error) for w in ALLOCATION_WORDS):
            return True
        error = error.__cause__ or error.__context__
    return False


def _state(model):
    optimizer = getattr(model, "optimizer", None)
    own = [np.array(w) for w in model.get_weights()]
    if optimizer is not None and optimizer.built:
        own += [np.array(v.numpy()) for v in optimizer.variables]
    return own


def _same(a, b):
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def close(a, b, rtol=1e-5):
    """Outputs equal within float32's rtol, atol scaled to the output (conformance's
    rule: a seed tf.keras wrote predicts within it in kerasmini); NaN and inf match
    themselves."""
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(close(x, y, rtol) for x, y in zip(a, b))
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return False
    finite = np.abs(b[np.isfinite(b)])
    scale = max(1.0, float(finite.max(initial=0.0)))
    return bool(np.isclose(a, b, rtol=rtol, atol=rtol * scale, equal_nan=True).all())


def _readers(kind):
    import kerasmini
    from kerasmini.inspection import cli as inspection_cli

    def load_model(path, seed, neutral, values):
        model = kerasmini.models.load_model(path)
        # the seed's input, not one the file declares: a file may declare any size
        outputs = values["load_model"] = model.predict(seed.inputs, verbose=0)
        if neutral and not close(outputs, seed.outputs):
            return "a neutral mutant loads with different outputs"
        return None

    def load_weights(path, seed, neutral, values):
        model = build_seed_model(seed.name)
        before = _state(model)
        try:
            model.load_weights(path)
        except BaseException:
            if not _same(_state(model), before):
                return "a failed load_weights changed the model"
            raise
        values["load_weights"] = model.get_weights()
        if neutral and not _same(model.get_weights(), seed.weights):
            return "a neutral mutant loads different weights"
        return None

    def inspect(path, seed, neutral, values):
        """`python -m kerasmini inspect FILE`: it prints a verdict and exits 0, 1 or 2;
        an exception escaping it is a traceback for the user, whatever its class."""
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                code = inspection_cli.main([path])
        except Exception as error:  # noqa: BLE001  (Hang, a BaseException, goes through)
            return f"the inspect CLI raised {type(error).__name__}: {str(error)[:150]}"
        return None if code in (0, 1, 2) else f"the inspect CLI exited {code}"

    readers = {"load_weights": load_weights, "inspect": inspect}
    if kind in ("keras", "legacy"):
        readers["load_model"] = load_model
    return readers


def read_mutant(seed, mutant, folder, time_limit_s=TIME_LIMIT_S, values=None):
    """{reader: outcome}; an outcome is 'ok', 'refused: <class>' or 'FAIL ...'.
    `values`, a dict, receives what load_model predicts and load_weights loads."""
    values = {} if values is None else values
    path = os.path.join(folder, "mutant" + SUFFIXES[seed.kind])
    with open(path, "wb") as f:
        f.write(mutant.data)
    outcomes = {}
    for reader, read in _readers(seed.kind).items():
        try:
            with time_limit(time_limit_s), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                problem = read(path, seed, mutant.neutral, values)
            outcomes[reader] = f"FAIL {problem}" if problem else "ok"
        except Hang as error:
            outcomes[reader] = f"FAIL hang: {error}"
        except ALLOWED as error:
            library = _leaked_from(error)
            if _allocation_failed(error):  # refused only because memory ran out
                outcomes[reader] = (f"FAIL allocation failure ({type(error).__name__}): "
                                    f"{str(error)[:200]}")
            elif library or not str(error).strip():
                outcomes[reader] = (f"FAIL {type(error).__name__} from {library}: "
                                    f"{str(error)[:200]}")
            else:
                outcomes[reader] = f"refused: {type(error).__name__}"
        except (Exception, RecursionError, MemoryError) as error:  # noqa: BLE001
            outcomes[reader] = f"FAIL {type(error).__name__}: {str(error)[:200]}"
        with open(path, "rb") as f:
            if hashlib.sha256(f.read()).digest() != hashlib.sha256(mutant.data).digest():
                outcomes[reader] = "FAIL the reader changed the file"
        if os.path.exists(hostile_mutants.MARKER):  # a payload in the file ran
            os.remove(hostile_mutants.MARKER)
            outcomes[reader] = "FAIL code named in the file ran"
    return outcomes


# ---------------------------------------------------------------------------------------
# runs: a worker process reads mutants; the parent survives its crashes

def worker(families, count, run_seed, start, seed_names, memory_mb):
    """Print one JSON line per mutant ('start' before reading it, so a crash names it)."""
    if memory_mb:
        import resource
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    with tempfile.TemporaryDirectory() as folder:
        seeds = make_seeds(seed_names, folder)
        for family in families:
            for index in range(start.get(family, 0), count):
                print(json.dumps({"start": [family, index]}), flush=True)
                try:
                    seed, mutant = mutant_for(family, run_seed, index, seeds)
                except Exception as error:  # noqa: BLE001  (the generator's, said apart)
                    print(json.dumps({"family": family, "index": index, "seed": "?",
                                      "mutant": "?", "neutral": False, "outcomes": {
                                          "generator": f"SKIP {error!r}"[:300]}}),
                          flush=True)
                    continue
                peak = _peak_mb()
                outcomes = read_mutant(seed, mutant, folder)
                if _peak_mb() - peak > PEAK_GROWTH_MB:  # a bomb the limit did not stop
                    outcomes["memory"] = (f"FAIL reading it raised the peak memory by "
                                          f"{_peak_mb() - peak:.0f} MB")
                print(json.dumps({"family": family, "index": index,
                                  "seed": f"{seed.name}/{seed.kind}",
                                  "mutant": mutant.description[:300],
                                  "neutral": mutant.neutral, "outcomes": outcomes}),
                      flush=True)


def _peak_mb():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run(families, count, run_seed=0, seed_names=CI_SEEDS, memory_mb=MEMORY_MB,
        on_result=None, watchdog_s=WATCHDOG_S):
    """Every mutant's record ({family, index, seed, mutant, outcomes}). A worker that
    dies, or stays silent for `watchdog_s` (a loop inside libhdf5 holds the
    interpreter, so the in-process alarm never fires), is killed and restarted after
    the mutant it was reading, which is recorded as failed."""
    records, start, crashes = [], {}, 0
    while True:
        command = [sys.executable, "-m", "tests.file_fuzz", "--worker",
                   "--families", ",".join(families), "--count", str(count),
                   "--run-seed", str(run_seed), "--seeds", ",".join(seed_names),
                   "--memory-mb", str(memory_mb), "--start", json.dumps(start)]
        with tempfile.TemporaryFile("w+") as errors:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors,
                                       text=True, cwd=_repo_root(),
                                       env={**os.environ, "PYTHONPATH": _repo_root()})
            current, silent = _collect(process, watchdog_s, start, records, on_result)
            errors.seek(0)
            stderr = errors.read()
        if current is None:
            if process.returncode != 0:
                raise RuntimeError(f"the fuzz worker failed before reading a mutant "
                                   f"(exit {process.returncode}):\n{stderr[-3000:]}")
            return records
        family, index = current
        crashes += 1
        reason = (f"hang: no answer in {watchdog_s} s, killed" if silent else
                  f"worker died (exit {process.returncode}): "
                  f"{stderr.strip().splitlines()[-1:]}")
        record = {"family": family, "index": index, "seed": "?", "mutant": "?",
                  "outcomes": {"process": f"FAIL {reason}"}}
        records.append(record)
        if on_result:
            on_result(record)
        start[family] = index + 1
        if crashes > 50:
            raise RuntimeError("the fuzz worker crashed more than 50 times")


def _collect(process, watchdog_s, start, records, on_result):
    """Read the worker's records until it ends or falls silent (then kill it):
    (the mutant it was reading when it stopped or None, whether it fell silent)."""
    lines = queue.Queue()
    threading.Thread(target=lambda: [*map(lines.put, process.stdout), lines.put(None)],
                     daemon=True).start()
    current = None
    while True:
        try:
            line = lines.get(timeout=watchdog_s)
        except queue.Empty:
            process.kill()
            process.wait()
            return current, True
        if line is None:
            process.wait()
            return current, False
        record = json.loads(line)
        if "start" in record:
            current = record["start"]
            continue
        current = None
        start[record["family"]] = record["index"] + 1
        records.append(record)
        if on_result:
            on_result(record)


def _repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def failures(records):
    return [(r, reader, outcome) for r in records
            for reader, outcome in r["outcomes"].items() if outcome.startswith("FAIL")]


def summary(records):
    """Lines: per family, mutants and outcomes by reader; then each failure class."""
    lines, by_family = [], {}
    for r in records:
        by_family.setdefault(r["family"], []).append(r)
    for family, rs in by_family.items():
        counts = {}
        for r in rs:
            for outcome in r["outcomes"].values():
                key = "FAIL" if outcome.startswith("FAIL") else outcome.split(":")[0]
                counts[key] = counts.get(key, 0) + 1
        lines.append(f"{family}: {len(rs)} mutants, reads {counts}")
    classes = {}
    for r, reader, outcome in failures(records):
        key = f"{reader}: {outcome[:90]}"
        classes.setdefault(key, []).append(f"{r['family']}:{r['index']}")
    for key, where in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"  {len(where):5d} x {key}  e.g. {', '.join(where[:3])}")
    return lines


def replay(name, seed_names, run_seed=0):
    """Rebuild the mutant `family:index` and read it in this process, with tracebacks."""
    family, index = name.split(":")[0], int(name.split(":")[-1])
    with tempfile.TemporaryDirectory() as folder:
        seeds = make_seeds(seed_names, folder)
        seed, mutant = mutant_for(family, run_seed, index, seeds)
        print(f"{family}:{index}: {seed.name}/{seed.kind}: {mutant.description} "
              f"(neutral: {mutant.neutral})")
        path = os.path.join(folder, "replay" + SUFFIXES[seed.kind])
        with open(path, "wb") as f:
            f.write(mutant.data)
        for reader, read in _readers(seed.kind).items():
            try:
                print(reader, "->", read(path, seed, mutant.neutral, {}) or "ok")
            except Exception:  # noqa: BLE001  (shown in full: this is for debugging)
                print(reader, "->")
                traceback.print_exc(file=sys.stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--count", type=int, default=200, help="mutants per family")
    parser.add_argument("--run-seed", type=int, default=0)
    parser.add_argument("--seeds", default=",".join(CI_SEEDS + ("application",)))
    parser.add_argument("--memory-mb", type=int, default=MEMORY_MB)
    parser.add_argument("--replay", help="family:index of one mutant to read, traced")
    parser.add_argument("--log", help="write every mutant's record here (JSON lines)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--start", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    families, seed_names = args.families.split(","), tuple(args.seeds.split(","))
    if args.replay:
        return replay(args.replay, seed_names, args.run_seed)
    if args.worker:
        return worker(families, args.count, args.run_seed, json.loads(args.start),
                      seed_names, args.memory_mb)
    log = open(args.log, "w") if args.log else None

    def report(record):
        if log:
            log.write(json.dumps(record) + "\n")
        for reader, outcome in record["outcomes"].items():
            if outcome.startswith("FAIL"):
                print(f"{record['family']}:{record['index']} {record['seed']} "
                      f"{record['mutant'][:80]}: {reader} {outcome}", flush=True)

    records = run(families, args.count, args.run_seed, seed_names, args.memory_mb,
                  on_result=report)
    print("\n".join(summary(records)))
    return 1 if failures(records) else 0


if __name__ == "__main__":
    sys.exit(main())
