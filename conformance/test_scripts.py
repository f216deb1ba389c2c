"""Users' training scripts (conformance/training_scripts.py) run in tf.keras and in
kerasmini: what each returns (History dicts and keys, evaluate's list or dict, files,
predictions, weights, callbacks' observations) must agree.

Tolerance: the scripts are short fits (2-12 epochs of small MLPs from the same seeded
weights, shuffle=False, no dropout), so float32 rounding is all that separates the two
libraries. Logged numbers must agree within test_fit.py's LOSS_FLOOR (2e-4 of the
scale, max(1, |value|)), arrays (weights, predictions) within its WEIGHT_FLOOR of their
largest magnitude; names, keys, epochs, counts and file names exactly. The pieces
(gradients, optimizers, losses, metrics) are checked three-way against a float64
reference in the other files; here a wrong or missing feature shows as a different key,
file or a number off by far more than rounding.
"""
import types

import numpy as np
import pytest

from conformance import training_scripts
from conformance.harness import keras, tf
from conformance.test_fit import LOSS_FLOOR, WEIGHT_FLOOR

import kerasmini


def same_start(model, seed=7):
    """The same starting weights in both libraries (their initializers draw differently):
    uniform in [-0.5, 0.5], variances in [0.5, 1.5]."""
    rng = np.random.default_rng(seed)
    values = []
    for weight in model.weights:
        shape = tuple(weight.shape)
        low = 0.5 if "variance" in weight.name else -0.5
        values.append(rng.uniform(low, low + 1.0, size=shape).astype("float32"))
    model.set_weights(values)


def run_script(script, lib, tmp_path):
    folder = tmp_path / ("km" if lib is kerasmini else "tf")
    folder.mkdir()
    tape = kerasmini.GradientTape if lib is kerasmini else tf.GradientTape
    run = types.SimpleNamespace(GradientTape=tape, tmp=str(folder), same_start=same_start)
    if lib is not keras:
        return script(lib, run)
    keras.utils.clear_session()
    tf.config.run_functions_eagerly(True)  # see test_per_output_losses_weigh_batches
    try:
        return script(lib, run)
    finally:
        tf.config.run_functions_eagerly(False)


def assert_same(km, tf_value, where="result"):
    """Structures equal, numbers within the floors (see the module docstring)."""
    if isinstance(tf_value, dict):
        assert isinstance(km, dict), f"{where}: kerasmini gave {type(km).__name__}"
        assert sorted(km) == sorted(tf_value), f"{where}: keys {sorted(km)} != {sorted(tf_value)}"
        for key in tf_value:
            assert_same(km[key], tf_value[key], f"{where}[{key!r}]")
    elif isinstance(tf_value, (list, tuple)) and not _is_numbers(tf_value):
        assert isinstance(km, (list, tuple)) and len(km) == len(tf_value), \
            f"{where}: {km!r} != {tf_value!r}"
        for index, (a, b) in enumerate(zip(km, tf_value)):
            assert_same(a, b, f"{where}[{index}]")
    elif isinstance(tf_value, (str, bool)) or tf_value is None:
        assert km == tf_value, f"{where}: {km!r} != {tf_value!r}"
    elif isinstance(tf_value, int) and not isinstance(tf_value, bool):
        assert km == tf_value, f"{where}: {km!r} != {tf_value!r}"
    else:
        got, want = np.asarray(km, dtype="float64"), np.asarray(tf_value, dtype="float64")
        assert got.shape == want.shape, f"{where}: shape {got.shape} != {want.shape}"
        floor = WEIGHT_FLOOR if got.ndim > 1 else LOSS_FLOOR
        scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
        error = float(np.max(np.abs(got - want), initial=0.0))
        assert error <= floor * scale, (f"{where}: max |kerasmini - tf.keras| = {error:.3g} "
                                        f"> {floor * scale:.3g}\nkerasmini {got}\n"
                                        f"tf.keras {want}")


def _is_numbers(value):
    return len(value) > 0 and all(isinstance(v, (float, np.floating)) for v in value)


@pytest.mark.parametrize("script", training_scripts.SCRIPTS, ids=lambda s: s.__name__)
def test_script_runs_as_in_tf_keras(script, tmp_path):
    tf_result = run_script(script, keras, tmp_path)
    km_result = run_script(script, kerasmini, tmp_path)
    assert_same(km_result, tf_result)


def test_compare_fails_on_a_different_loss():
    """The comparison itself can fail: a loss off by 1e-3 of its scale, a missing key."""
    with pytest.raises(AssertionError, match="max"):
        assert_same({"loss": [1.0, 0.5]}, {"loss": [1.0, 0.5005]})
    with pytest.raises(AssertionError, match="keys"):
        assert_same({"loss": [1.0]}, {"loss": [1.0], "val_loss": [1.0]})


def _two_output_fit(lib):
    x, _, _, target = training_scripts.data(samples=72)
    inputs = lib.Input((8,))
    model = lib.Model(inputs, [lib.layers.Dense(1, name="a")(inputs),
                               lib.layers.Dense(1, name="b")(inputs)])
    model.set_weights([np.full((8, 1), 0.1, "float32"), np.zeros(1, "float32")] * 2)
    model.compile("sgd", ["mse", "mse"], loss_weights=[1.0, 2.0])
    # batches of 32, 32 and 8: a plain mean of batch values differs from the epoch's
    return model.fit(x, [target, x[:, :1]], batch_size=32, shuffle=False,
                     verbose=0).history


def test_per_output_losses_weigh_batches():
    """The reference is the identity loss = a_loss + 2 * b_loss (each a mean over the
    epoch's samples): kerasmini and eager tf.keras keep it; graph tf.keras does not."""
    km = _two_output_fit(kerasmini)
    total = km["a_loss"][0] + 2 * km["b_loss"][0]
    np.testing.assert_allclose(total, km["loss"][0], rtol=1e-6)
    keras.utils.clear_session()
    graph = _two_output_fit(keras)
    assert abs(graph["a_loss"][0] + 2 * graph["b_loss"][0] - graph["loss"][0]) > 1e-3
    tf.config.run_functions_eagerly(True)
    try:
        eager = _two_output_fit(keras)
    finally:
        tf.config.run_functions_eagerly(False)
    assert_same(km, eager)


def test_evaluate_list_holds_each_metric_once():
    """metrics=["accuracy"] with weighted_metrics=["accuracy"]: tf.keras's evaluate list
    repeats the plain accuracy (it looks both metrics up by their shared inner name,
    then appends the leftover 'weighted_accuracy'); kerasmini lists each log once, in
    the order of the dict: loss, accuracy, weighted_accuracy."""
    x, labels, _, _ = training_scripts.data()
    results = {}
    for lib in (keras, kerasmini):
        model = training_scripts.mlp(lib)
        same_start(model)
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"],
                      weighted_metrics=["accuracy"])
        weights = np.where(labels == 1, 2.0, 1.0).astype("float32")
        as_list = model.evaluate(x, labels, sample_weight=weights, verbose=0)
        as_dict = model.evaluate(x, labels, sample_weight=weights, verbose=0,
                                 return_dict=True)
        results[lib] = as_list, as_dict
    km_list, km_dict = results[kerasmini]
    tf_list, tf_dict = results[keras]
    assert_same(km_dict, tf_dict)
    assert_same(km_list, [km_dict[k] for k in ("loss", "accuracy", "weighted_accuracy")])
    assert len(tf_list) == 4 and tf_list[1] == tf_list[2]  # the repeated value


def test_two_output_file_continues_in_the_other_library(tmp_path):
    """A compiled two-output model saved by one library trains on in the other (loss
    and metrics dicts, loss_weights and optimizer state read from the file)."""
    x, labels, _, target = training_scripts.data()
    targets = {"score": target, "group": labels}
    histories = {}
    for saver, loader in ((kerasmini, keras), (keras, kerasmini), (keras, keras)):
        run = types.SimpleNamespace(tmp=str(tmp_path), same_start=same_start)
        path = tmp_path / f"{saver.__name__}.keras"
        if not path.exists():
            model = _checkpointed_two_outputs(saver, run, x, targets)
            model.save(path)
        restored = loader.models.load_model(path)
        histories[saver, loader] = restored.fit(x, targets, batch_size=32, epochs=1,
                                                shuffle=False, verbose=0).history
    assert_same(histories[kerasmini, keras], histories[keras, keras])
    assert_same(histories[keras, kerasmini], histories[keras, keras])


def _checkpointed_two_outputs(lib, run, x, targets):
    inputs = lib.Input((8,))
    hidden = lib.layers.Dense(6, activation="relu")(inputs)
    model = lib.Model(inputs, [lib.layers.Dense(1, name="score")(hidden),
                               lib.layers.Dense(3, activation="softmax", name="group")(hidden)])
    run.same_start(model)
    model.compile(optimizer="adam", loss={"score": "mse",
                                          "group": "sparse_categorical_crossentropy"},
                  loss_weights={"score": 1.0, "group": 0.5}, metrics={"group": ["accuracy"]})
    model.fit(x, targets, batch_size=32, epochs=1, shuffle=False, verbose=0)
    return model


def _subclassed_regressor(lib):
    class Block(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = lib.layers.Dense(4, activation="relu")
            self.extra = [lib.layers.Dense(3), lib.layers.Dense(2)]

        def call(self, inputs):
            return self.extra[1](self.extra[0](self.inner(inputs)))

    class Regressor(lib.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.block = Block()
            self.head = lib.layers.Dense(1)

        def call(self, inputs, training=False):
            return self.head(self.block(inputs))

    model = Regressor()
    model(np.zeros((1, 8), "float32"))
    return model


def test_subclassed_weights_files_move_between_libraries(tmp_path):
    """A subclassed model holding a layer made of layers: the `.weights.h5` either
    library writes, the other reads into the same predictions (Keras's attribute paths)."""
    x = training_scripts.data()[0][:5]
    for saver, loader in ((kerasmini, keras), (keras, kerasmini)):
        source = _subclassed_regressor(saver)
        same_start(source, seed=11)
        path = str(tmp_path / f"{saver.__name__}.weights.h5")
        source.save_weights(path)
        target = _subclassed_regressor(loader)
        target.load_weights(path)
        assert_same(np.asarray(target.predict(x, verbose=0)),
                    np.asarray(source.predict(x, verbose=0)))


def test_ema_and_accumulation_state_moves_between_libraries(tmp_path):
    """An optimizer with moving averages and gradient accumulators, mid-accumulation
    (an odd number of batches with n=2), saved by one library and trained on by the
    other: the averages, accumulators and step count in the file carry on as in tf.keras."""
    x, labels, _, _ = training_scripts.data()
    histories = {}
    for saver, loader in ((keras, keras), (kerasmini, keras), (keras, kerasmini)):
        path = tmp_path / f"{saver.__name__}.keras"
        if not path.exists():
            model = training_scripts.mlp(saver)
            same_start(model)
            model.compile(optimizer=saver.optimizers.Adam(
                0.05, use_ema=True, ema_momentum=0.5, gradient_accumulation_steps=2),
                loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            model.fit(x[:48], labels[:48], batch_size=16, epochs=1, shuffle=False, verbose=0)
            model.save(path)
        restored = loader.models.load_model(path)
        history = restored.fit(x, labels, batch_size=16, epochs=2, shuffle=False, verbose=0)
        histories[saver, loader] = (history.history, restored.get_weights(),
                                    int(np.asarray(restored.optimizer.iterations)))
    assert_same(histories[kerasmini, keras], histories[keras, keras])
    assert_same(histories[keras, kerasmini], histories[keras, keras])
