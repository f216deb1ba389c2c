"""The file fuzzer against tf.keras: seed files written by tf.keras 3.15 (the same small
models as tests/file_fuzz.py, built by the same code in tf.keras), mutated by
tests/file_mutants.py, then read by kerasmini and by tf.keras.

For each mutant and reader (load_model + predict, load_weights into a fresh model of
the seed's architecture):
  * kerasmini's own verdict must pass (tests/file_fuzz.py: refuse with an allowed class
    from its own code, or load; never crash, hang, or change a model on failure);
  * tf.keras refuses, kerasmini loads  -> FAIL 'kerasmini accepts what tf.keras refuses';
  * both load                          -> their outputs / weights must agree (float32,
    rtol 1e-5), else DIVERGENCE, listed with the mutant's name to replay it;
  * kerasmini refuses, tf.keras loads  -> 'stricter': counted (kerasmini checks more
    than tf.keras: flags that are not bools, sizes, names it does not know).
A seed tf.keras cannot read back itself is a TensorFlow divergence, printed once; its
mutants are not compared for that reader. The model check's loader
(kerasmini.check.twins.load_twins) reads every .keras and legacy .h5 mutant too and
must refuse with an allowed class or load.

    python -m conformance.file_fuzz --count 300             # per family, long run
    python -m conformance.file_fuzz --families zip --only 17 # one mutant, both libraries
"""
import argparse
import json
import os
import sys
import tempfile
import warnings

import numpy as np

import conformance  # noqa: F401  (quiet TensorFlow logging before it is imported)
from conformance.tfload import load as load_tf
from tests import file_fuzz
from tests.file_mutants import FAMILIES

TF_SEEDS = ("sequential", "functional", "conv", "rnn", "attention", "subclassed")
TF_READERS = ("load_model", "load_weights")
RTOL = 1e-5
# zip members that lie about their size: kerasmini refuses them by their header; tf.keras
# (Python's zipfile) would inflate them, so they are not handed to it; nor are the
# hostile families' allocations (tests/hostile_mutants.py): a variable-length
# descriptor's 4 GiB, a chunk of gigabytes, 60 MiB of JSON (1.5 GB parsed), which
# tf.keras would take in this process
NOT_FOR_TF = ("declares", "bomb", "inflates beyond", "extra members", "vlen descriptor",
              "chunk shape", "MiB of")


def make_tf_seeds(names, folder, keras):
    """{(name, kind): file_fuzz.Seed} of files tf.keras wrote: .keras, .weights.h5,
    and for graph models a legacy .h5 (model.save) and a legacy weights-only .h5."""
    from keras.src.legacy.saving import legacy_h5_format
    import h5py
    seeds = {}
    for name in names:
        model = file_fuzz.build_seed_model(name, keras)
        inputs = file_fuzz._inputs(model)
        outputs = np.asarray(model.predict(inputs, verbose=0))
        weights = [np.array(w) for w in model.get_weights()]
        paths = {"keras": "tf.keras", "weights": "tf.weights.h5"}
        model.save(os.path.join(folder, paths["keras"]))
        model.save_weights(os.path.join(folder, paths["weights"]))
        if name != "subclassed":
            paths["legacy"], paths["legacy_weights"] = "tf_legacy.h5", "tf_weights.h5"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "HDF5 is a legacy format"
                model.save(os.path.join(folder, paths["legacy"]))
            with h5py.File(os.path.join(folder, paths["legacy_weights"]), "w") as f:
                legacy_h5_format.save_weights_to_hdf5_group(f, model)
        for kind, path in paths.items():
            with open(os.path.join(folder, path), "rb") as f:
                seeds[(name, kind)] = file_fuzz.Seed(name, kind, f.read(), inputs, outputs,
                                                     weights)
    return seeds


def tf_read(keras, seed, path, reader):
    """('ok', value) or ('refused', 'ExceptionClass: message') for tf.keras."""
    try:
        with warnings.catch_warnings(), file_fuzz.time_limit(file_fuzz.TIME_LIMIT_S):
            warnings.simplefilter("ignore")
            if reader == "load_model":
                model = keras.models.load_model(path, safe_mode=True)
                return "ok", np.asarray(model.predict(seed.inputs, verbose=0))
            model = file_fuzz.build_seed_model(seed.name, keras)
            model.load_weights(path)
            return "ok", [np.array(w) for w in model.get_weights()]
    except file_fuzz.Hang as error:
        return "refused", f"hang: {error}"
    except Exception as error:  # noqa: BLE001  (whatever TensorFlow raises is the answer)
        return "refused", f"{type(error).__name__}: {str(error)[:160]}"


def tf_baseline(keras, seeds, folder):
    """{(seed key, reader): tf.keras's refusal} for the unmutated seeds tf.keras itself
    cannot read back (a TensorFlow divergence: its mutants are compared no further)."""
    refused = {}
    for key, seed in seeds.items():
        path = os.path.join(folder, "baseline" + file_fuzz.SUFFIXES[seed.kind])
        with open(path, "wb") as f:
            f.write(seed.data)
        for reader in TF_READERS:
            if reader == "load_model" and seed.kind not in ("keras", "legacy"):
                continue
            status, value = tf_read(keras, seed, path, reader)
            if status == "refused":
                refused[(key, reader)] = value
    return refused


def compare(keras, seed, mutant, folder, baseline=None):
    """{reader: verdict} for one mutant; a verdict starts with FAIL, DIVERGENCE,
    'stricter', 'both refuse', 'both load', 'tf.keras cannot read the seed' or
    'skipped'."""
    baseline = baseline or {}
    km_values = {}
    km = file_fuzz.read_mutant(seed, mutant, folder, values=km_values)
    verdicts = {reader: outcome for reader, outcome in km.items()
                if outcome.startswith("FAIL")}
    if any(word in mutant.description for word in NOT_FOR_TF):
        return {**{r: "skipped (kerasmini only)" for r in TF_READERS}, **verdicts}
    path = os.path.join(folder, "mutant" + file_fuzz.SUFFIXES[seed.kind])
    for reader in TF_READERS:
        if reader not in km or reader in verdicts:
            continue
        if ((seed.name, seed.kind), reader) in baseline:
            verdicts[reader] = "tf.keras cannot read the seed"
            continue
        tf_status, tf_value = tf_read(keras, seed, path, reader)
        km_loaded = km[reader] == "ok"
        if tf_status == "refused" and km_loaded:
            verdicts[reader] = f"FAIL kerasmini accepts what tf.keras refuses ({tf_value})"
        elif tf_status == "refused":
            verdicts[reader] = f"both refuse ({km[reader][9:]} / {tf_value.split(':')[0]})"
        elif not km_loaded:
            verdicts[reader] = f"stricter: kerasmini {km[reader]}"
        elif file_fuzz.close(km_values[reader], tf_value, RTOL):
            verdicts[reader] = "both load, same values"
        else:
            verdicts[reader] = "DIVERGENCE: both load, different values"
    if seed.kind in ("keras", "legacy"):
        verdicts["check"] = check_verdict(path)
    return verdicts


def check_verdict(path):
    """The model check's loader (`python -m kerasmini check FILE`: kerasmini's load,
    then tf.keras's in safe mode after kerasmini's file guards) refuses with an allowed
    class or loads."""
    from kerasmini.check.twins import load_twins
    try:
        with warnings.catch_warnings(), file_fuzz.time_limit(file_fuzz.TIME_LIMIT_S):
            warnings.simplefilter("ignore")
            load_twins(path)
        return "check loads"
    except file_fuzz.Hang as error:
        return f"FAIL check hangs: {error}"
    except file_fuzz.ALLOWED as error:
        return f"check refuses ({type(error).__name__})"
    except Exception as error:  # noqa: BLE001
        return f"FAIL check raises {type(error).__name__}: {str(error)[:160]}"


def run(families, count, run_seed=0, seed_names=TF_SEEDS, on_result=None, only=None):
    tf, keras = load_tf()
    file_fuzz.fuzz_net_class(keras)  # registered before any file is loaded
    records = []
    with tempfile.TemporaryDirectory() as folder:
        seeds = make_tf_seeds(seed_names, folder, keras)
        baseline = tf_baseline(keras, seeds, folder)
        for ((name, kind), reader), error in baseline.items():
            print(f"TensorFlow divergence: tf.keras cannot {reader} its own {kind} file "
                  f"of '{name}': {error}", flush=True)
        for family in families:
            for index in ([only] if only is not None else range(count)):
                seed, mutant = file_fuzz.mutant_for(family, run_seed, index, seeds)
                record = {"family": family, "index": index,
                          "seed": f"{seed.name}/{seed.kind}", "mutant": mutant.description,
                          "verdicts": compare(keras, seed, mutant, folder, baseline)}
                records.append(record)
                if on_result:
                    on_result(record)
    return records


def problems(records):
    return [(r, reader, v) for r in records for reader, v in r["verdicts"].items()
            if v.startswith(("FAIL", "DIVERGENCE"))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", default=",".join(f for f in FAMILIES))
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--run-seed", type=int, default=0)
    parser.add_argument("--seeds", default=",".join(TF_SEEDS))
    parser.add_argument("--log")
    parser.add_argument("--only", type=int, help="the one mutant index to read")
    args = parser.parse_args(argv)
    log = open(args.log, "w") if args.log else None
    tally = {}

    def report(record):
        if log:
            log.write(json.dumps(record) + "\n")
        for reader, verdict in record["verdicts"].items():
            key = (record["family"], verdict.split(" (")[0].split(":")[0])
            tally[key] = tally.get(key, 0) + 1
            if verdict.startswith(("FAIL", "DIVERGENCE")):
                print(f"{record['family']}:{record['index']} {record['seed']} "
                      f"{record['mutant'][:100]}: {reader} {verdict}", flush=True)

    records = run(args.families.split(","), args.count, args.run_seed,
                  tuple(args.seeds.split(",")), on_result=report, only=args.only)
    if args.only is not None:
        print(json.dumps(records, indent=1))
    for (family, verdict), n in sorted(tally.items()):
        print(f"{family:9s} {n:5d} x {verdict}")
    return 1 if problems(records) else 0


if __name__ == "__main__":
    sys.exit(main())
