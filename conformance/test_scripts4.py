"""The fourth set of users' training scripts (conformance/training_scripts4.py): whole
workflows, each run in tf.keras and in kerasmini; what each returns must agree, with
test_scripts.py's comparison and tolerances (float32 rounding only: same seeded weights,
shuffle=False). Below them, the workflows that cross libraries: a file written by one
library trained on by the other."""
import types

import numpy as np
import pytest

from conformance import training_scripts4
from conformance.test_scripts import assert_same, run_script, same_start
from conformance.training_scripts import data, mlp

import kerasmini
from conformance.harness import keras


@pytest.mark.parametrize("script", training_scripts4.SCRIPTS, ids=lambda s: s.__name__)
def test_script_runs_as_in_tf_keras(script, tmp_path):
    tf_result = run_script(script, keras, tmp_path)
    km_result = run_script(script, kerasmini, tmp_path)
    assert_same(km_result, tf_result)


def test_trainable_takes_effect_at_compile_as_in_graph_tf_keras(tmp_path):
    """tf.keras in its default (graph) mode, not the eager mode of the other scripts:
    a frozen layer keeps training until compile; with run_eagerly=True not."""
    keras.utils.clear_session()
    run = types.SimpleNamespace(tmp=str(tmp_path), same_start=same_start)
    tf_result = training_scripts4.trainable_toggled_without_recompile(keras, run)
    km_result = training_scripts4.trainable_toggled_without_recompile(kerasmini, run)
    assert [tf_result["changed"][k][0] for k in ("frozen_not_recompiled",
            "frozen_recompiled", "frozen_eagerly")] == [True, False, False]
    assert_same(km_result, tf_result)
