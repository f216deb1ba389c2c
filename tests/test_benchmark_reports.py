"""The benchmark's own arithmetic (NumPy only, nothing timed against a limit): the
whole-model targets, the markdown tables and the per-layer profile's bookkeeping."""
import gc
import os

import numpy as np
import pytest

import kerasmini
from benchmarks.__main__ import model_targets
from benchmarks.markdown import model_lines
from benchmarks.models import caller_readings
from benchmarks.predict_walk import minor_faults, old_walk, trimmed
from benchmarks.profile import layer_kind, layer_profile
from benchmarks.timing import caller_schedstat, interleaved_samples
from benchmarks.training import targets as training_targets


def _row(model, batch, km, tf, busy=False, spread=1.1):
    samples = {"kerasmini": [km, km * spread], "tf_keras": [tf, tf]}
    return {"name": f"{model} batch {batch}", "model": model, "batch": batch, "busy": busy,
            "seconds": {"kerasmini": km, "tf_keras": tf}, "samples": samples,
            "spread": {"kerasmini": spread, "tf_keras": 1.0}, "ratio": km / tf}


def test_model_targets_met_and_missed():
    models = {"quiet": [_row("A", 1, 1.0, 4.0), _row("A", 32, 1.0, 1.0),
                        _row("B", 1, 1.0, 2.0), _row("B", 32, 1.4, 2.0)],
              "busy": [_row("A", 32, 1.6, 1.0, True), _row("B", 32, 1.0, 1.0, True, 1.6)]}
    checks = {target: met for target, _, met in model_targets(models)}
    assert checks == {
        "models batch 1: >= 3x faster than tf.keras predict (each)": False,  # B: only 2x
        "models batch 32: geomean km / tf.keras <= 1.0": True,  # sqrt(1.0 * 0.7)
        "models batch 32: none > 1.3": True,
        "busy core: every model km / tf.keras <= 1.5": False,  # A: 1.6
        "busy core: kerasmini spread (max/min of 7) < 1.5": False}  # B: 1.6
    assert model_targets(None) == []


def _training_row(name, km, tf):
    return {"name": name, "seconds": {"kerasmini": km, "tf_keras": tf}, "ratio": km / tf}


def _fit_memory(images, peak, adds):
    return {"images": images, "peak_rss_mib": peak, "fit_adds_mib": adds, "data_mib": 1}


def test_training_targets_met_and_missed():
    training = {"rows": [_training_row("fit", 0.9, 1.0), _training_row("tob 1", 1.0, 3.0),
                         _training_row("tob 8", 1.0, 2.9)],
                "memory": {"kerasmini": [_fit_memory(6, 100, 10), _fit_memory(60, 150, 30)],
                           "tf_keras": [_fit_memory(6, 700, 10), _fit_memory(60, 140, 10)]}}
    checks = [met for _, _, met in training_targets(training)]
    # fit 0.9 <= 1; batch 1 exactly 3x; batch 8 2.9x; RSS 150 > 140; growth 20 > 16 MiB
    assert checks == [True, True, False, False, False]
    training["memory"]["kerasmini"][1]["fit_adds_mib"] = 26
    training["memory"]["tf_keras"][1]["peak_rss_mib"] = 151
    assert [met for _, _, met in training_targets(training)][3:] == [True, True]
    del training["memory"]
    assert len(training_targets(training)) == 3


def test_model_tables_list_every_row_and_skip():
    models = {"quiet": [_row("A", 1, 0.001, 0.004)], "busy": [_row("A", 1, 0.002, 0.004)],
              "skipped": ["MobileNetV2: kerasmini has no DepthwiseConv2D yet"],
              "profiles": [{"model": "A", "batch": 32, "rows": [
                  {"kind": "Conv2D 3x3/1", "layers": 2, "seconds": 0.01, "share": 0.5}]}]}
    text = "\n".join(model_lines(models))
    assert "| A batch 1 | 1.0 ms | 4.0 ms | 0.250 |" in text
    assert "| A batch 1 | 2.0 ms | 4.0 ms | 0.500 |" in text
    assert "Skipped: MobileNetV2: kerasmini has no DepthwiseConv2D yet." in text
    assert "| Conv2D 3x3/1 | 2 | 10.0 | 50% |" in text


def test_busy_tables_say_where_kerasmini_waited():
    busy = _row("A", 32, 0.004, 0.004, True, 2.0)
    busy.update(caller_readings([0.004, 0.008], [(0.004, 0.0), (0.004, 0.004)]))
    assert busy["caller"]["on_cpu_spread"] == 1.0  # the same work in both samples
    assert busy["caller"]["waiting_share"] == pytest.approx(1 / 3)  # 4 of 12 ms waited
    text = "\n".join(model_lines({"quiet": [], "busy": [busy]}))
    assert "Whole models, `predict`, the machine as it was" not in text  # --busy-only
    assert "| A batch 32 | 4.0 ms | 4.0 ms | 1.000 | 2.00 | 1.00 | 1.00 | 33% |" in text
    assert caller_readings([0.004], None) == {}


def test_interleaved_samples_report_a_probe_per_call_and_sample():
    counter = iter(range(0, 1000, 3))  # the probe advances by 3 between two readings
    calls = []
    probed = {}
    samples = interleaved_samples({"a": lambda: calls.append("a"), "b": lambda: None},
                                  min_rounds=2, max_rounds=2, budget_seconds=0.0,
                                  sample_seconds=0.0, probe=lambda: (next(counter), 5),
                                  probed=probed)
    assert [len(s) for s in samples.values()] == [2, 2]
    assert probed == {"a": [(3.0, 0.0)] * 2, "b": [(3.0, 0.0)] * 2}  # one call per sample
    assert calls == ["a"] * 3  # calls_per_sample's trial call, then one per round


def test_caller_schedstat_counts_this_threads_cpu_time():
    before = caller_schedstat()
    if not os.path.exists("/proc/thread-self/schedstat"):  # the benchmark leaves it out
        assert before is None
        return
    sum(i * i for i in range(200_000))  # some work on this thread (~10 ms)
    after = caller_schedstat()
    assert after[0] > before[0] and after[1] >= before[1]


def test_layer_profile_counts_every_layer_and_restores_the_calls():
    layers = kerasmini.layers
    model = kerasmini.Sequential([kerasmini.Input((8, 8, 2)), layers.Conv2D(3, 3),
                                  layers.Conv2D(3, 1, strides=2), layers.Flatten(),
                                  layers.Dense(4)])
    x = np.random.default_rng(0).standard_normal((2, 8, 8, 2)).astype("float32")
    before = model.predict(x, verbose=0)
    rows = layer_profile(model, x, repeats=2)
    kinds = {r["kind"]: r["layers"] for r in rows}
    assert kinds == {"Conv2D 3x3/1": 1, "Conv2D 1x1/2": 1, "Flatten": 1, "Dense": 1,
                     "(model: graph walk, relu in place, predict)": 0}
    assert abs(sum(r["share"] for r in rows) - 1) < 1e-9
    assert all("call" not in vars(layer) and "forward" not in vars(layer)
               for layer in model.layers)  # methods again
    np.testing.assert_array_equal(model.predict(x, verbose=0), before)
    assert layer_kind(layers.MaxPooling2D(2)) == "MaxPooling2D"


def test_predict_walk_old_variant_walks_as_before():
    layers = kerasmini.layers
    inputs = kerasmini.Input((6, 6, 2))
    conv = layers.Conv2D(3, 3)(inputs)
    hidden = layers.Activation("relu")(layers.BatchNormalization()(conv))
    model = kerasmini.Model(inputs, layers.Flatten()(hidden))
    x = np.random.default_rng(0).standard_normal((2, 6, 6, 2)).astype("float32")
    new = model.predict(x, verbose=0)
    faults = minor_faults()
    old = old_walk(model)
    assert (old._plan.folds, old._plan.released[old._plan.nodes[0]]) == ({}, [])
    np.testing.assert_allclose(trimmed(lambda: old.predict(x, verbose=0))(), new,
                               rtol=1e-5, atol=1e-5 * np.abs(new).max())
    assert minor_faults() >= faults


def _layer_row(layer, ratio, dtype="float32", group="throughput"):
    return {"group": group, "layer": layer, "dtype": dtype, "name": f"{layer} {dtype}",
            "ratio_vs_function": ratio, "ratio_vs_eager": ratio}


def test_layer_targets_are_issue_13s():
    from benchmarks.__main__ import targets
    report = {"import_seconds": {"total": 0.1},
              "cases": [_layer_row("Conv2D", 0.7), _layer_row("Conv2D", 0.7),
                        _layer_row("Conv2D", 1.25, "float64"),  # float64 counts too
                        _layer_row("MaxPool2D", 1.15), _layer_row("MaxPool2D", 1.3)]}
    checks = {row["target"]: row["met"] for row in targets(report)}
    geomean = "throughput Conv2D (float32 and float64) geomean / tf.function <= 0.8"
    assert checks[geomean] is False  # (0.7 * 0.7 * 1.25) ** (1/3) = 0.85
    assert checks["throughput Conv2D worst / tf.function <= 1.2"] is False  # float64 1.25
    assert checks["MaxPool2D float32 / tf.function <= 1.2"] is False  # one row 1.15, one 1.3
    report["cases"][2]["ratio_vs_function"] = 1.0  # geomean 0.79, worst 1.0
    checks = {row["target"]: row["met"] for row in targets(report)}
    assert checks[geomean] and checks["throughput Conv2D worst / tf.function <= 1.2"]


def test_case_table_names_a_dtype_once():
    from benchmarks.markdown import case_table
    seconds = {"kerasmini": 1e-3, "tf_eager": 2e-3, "tf_function": 2e-3}
    case = {"group": "throughput", "seconds": seconds, "gflops": {"kerasmini": 1.0},
            "ratio_vs_eager": 0.5, "ratio_vs_function": 0.5, "peak_fraction": 0.1}
    named = dict(case, name="Dense(units=8) 4x8 float64", dtype="float64")
    unnamed = dict(case, name="Dense(units=8) 4x8", dtype="float16", kernel="matmul")
    lines = case_table([named, unnamed])
    assert "| throughput: Dense(units=8) 4x8 float64 |" in lines[2]
    assert "| throughput: Dense(units=8) 4x8 float16 [matmul] |" in lines[3]


def test_import_targets_count_the_first_use_of_readmes_layers():
    from benchmarks.__main__ import targets
    report = {"import_seconds": {"total": 0.01, "total_with_first_use": 0.25}, "cases": []}
    checks = {row["target"]: row["met"] for row in targets(report)}
    assert checks["import kerasmini < 0.2 s (numpy included)"] is True
    assert checks["import kerasmini + first use of README's layers < 0.2 s"] is False


def test_import_probe_times_three_steps_in_a_fresh_process():
    from benchmarks.environment import import_seconds
    imports = import_seconds(repeats=1)
    assert imports["total_with_first_use"] == pytest.approx(
        imports["numpy"] + imports["kerasmini_after_numpy"] + imports["first_use"])
    assert imports["first_use"] > 0


def test_step_phases_split_the_step_and_restore_the_model():
    from benchmarks import step_phases
    from kerasmini.autodiff import tape as tape_module
    from kerasmini.models.sequential import Sequential
    record, gradient = tape_module.record, tape_module.GradientTape.gradient
    own = dict(vars(Sequential))
    # one step: its phases' times are then parts of its own total (medians need not be)
    medians = step_phases.profile_train_on_batch(batch=2, steps=1)
    table = {phase: (wall, cpu) for phase, wall, cpu, _ in step_phases.rows(dict(medians))}
    assert {"data", "forward", "forward: layers alone", "loss",
            "backward", "backward: gradient rules", "optimizer", "metrics and logs",
            "other", "step"} == set(table)
    parts = sum(cpu for phase, (_, cpu) in table.items()
                if ":" not in phase and phase not in ("step", "other"))
    assert 0 < parts <= table["step"][1]
    assert table["backward: gradient rules"][1] <= table["backward"][1]
    fit = step_phases.profile_fit(batch=4, steps=3)
    assert "callbacks" in fit and fit["step"][1] > fit["forward"][1] > 0
    assert tape_module.record is record and tape_module.GradientTape.gradient is gradient
    assert dict(vars(Sequential)) == own


def test_busy_spread_records_each_samples_thread_decisions(monkeypatch, capsys):
    from benchmarks import busy_spread
    from kerasmini.ops import load, threads
    readings = iter([2, 1, 1])  # fake idle-core readings: one product on two threads
    monkeypatch.setattr(load, "idle_cores", lambda: next(readings))
    recorder = busy_spread.Recorder()
    parts = []

    def three_products():
        for _ in range(3):
            threads.over_parts(parts.append, [0, 1])
        gc.collect()  # one collection, seen by the recorder's gc callback

    with recorder:
        record = busy_spread.sample(three_products, 1, recorder, spinner_pid=os.getpid())
    assert load.idle_cores is recorder._idle  # the wrapper is gone afterwards
    assert (record["two_threads"], record["one_thread"]) == (1, 2)
    assert sorted(parts) == [0, 0, 0, 1, 1, 1]
    assert record["gc"] == 1 and record["gc_ms"] > 0
    assert record["thread_cpu_ms"] >= 0 and record["runqueue_ms"] >= 0
    assert record["spinner"] >= 0 and len(record["cores"]) == 2
    slower = dict(record, ms=2 * record["ms"])
    busy_spread.report("case", [record, slower], [1.0, 1.5])
    printed = capsys.readouterr().out
    assert "spread 2.00 on-CPU spread 1.00" in printed
    assert "| tf median 1.2 ms spread 1.50" in printed
    busy_spread.report("fixed work", [record, slower])  # no tf.keras column
    assert "tf median" not in capsys.readouterr().out.splitlines()[0]


def test_busy_spread_own_core_switches_the_policy_and_back(monkeypatch):
    from benchmarks import busy_spread
    policies = []
    monkeypatch.setattr(busy_spread.os, "sched_setscheduler",
                        lambda pid, policy, param: policies.append((pid, policy)))
    with busy_spread.own_core(False):
        assert policies == []
    with pytest.raises(ZeroDivisionError), busy_spread.own_core(True):
        assert policies == [(0, os.SCHED_FIFO)]
        1 / 0  # an error inside still restores the normal policy
    assert policies == [(0, os.SCHED_FIFO), (0, os.SCHED_OTHER)]
    work = busy_spread.control_work()
    for fn, number in work.values():
        fn()
    assert len(work) == 3
