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


OPTIMIZERS = {
    "rmsprop_centered": lambda lib: lib.optimizers.RMSprop(0.01, momentum=0.5,
                                                           centered=True),
    "nadam": lambda lib: lib.optimizers.Nadam(0.01),
    "adagrad_clipvalue": lambda lib: lib.optimizers.Adagrad(0.1, clipvalue=0.05),
    "adamw_amsgrad_global_clipnorm": lambda lib: lib.optimizers.AdamW(
        0.01, weight_decay=0.05, amsgrad=True, global_clipnorm=1.0),
    "sgd_nesterov_schedule": lambda lib: lib.optimizers.SGD(
        lib.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5), momentum=0.9,
        nesterov=True),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_keras_file_trains_on_in_the_other_library(name, tmp_path):
    """Trained one epoch and saved by one library, loaded and trained on by the other:
    the optimizer's slots, step count and schedule carry on as in tf.keras alone."""
    x, labels, _, _ = data()
    results = {}
    for saver, loader in ((keras, keras), (kerasmini, keras), (keras, kerasmini)):
        path = tmp_path / f"{saver.__name__}.keras"
        if not path.exists():
            model = mlp(saver)
            same_start(model)
            model.compile(optimizer=OPTIMIZERS[name](saver),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            model.fit(x, labels, batch_size=32, epochs=1, shuffle=False, verbose=0)
            model.save(path)
        restored = loader.models.load_model(path)
        history = restored.fit(x, labels, batch_size=32, epochs=3, initial_epoch=1,
                               shuffle=False, verbose=0)
        results[saver, loader] = (history.history, restored.get_weights(),
                                  int(np.asarray(restored.optimizer.iterations)))
    assert results[keras, keras][2] == 9
    assert_same(results[kerasmini, keras], results[keras, keras])
    assert_same(results[keras, kerasmini], results[keras, keras])
