"""The monitoring callbacks driven by scripted epoch logs, kerasmini against tf.keras.

EarlyStopping, ReduceLROnPlateau and CSVLogger decide from the logs alone (no numerics
to round): each is given the same sequence of logs as the hooks of a fit would give it,
on a compiled one-layer model of its own library, and every decision must match: when
training stops, the wait and best after each epoch, the learning rate after each
epoch, the weights restored, what verbose=1 prints, the CSV file written. The sequences
have plateaus shorter and longer than the patience, improvements smaller than
min_delta, and values on both sides of a baseline.
"""
import contextlib
import inspect
import io
import os

import numpy as np
import pytest

from conformance.harness import keras

import kerasmini

LIBS = {"tf.keras": keras, "kerasmini": kerasmini}
# val_loss falling with plateaus and small steps; val_accuracy rising likewise
LOSSES = [0.9, 0.8, 0.79, 0.79, 0.6, 0.61, 0.62, 0.63, 0.5, 0.55, 0.45, 0.45, 0.46, 0.4]
ACCURACIES = [0.2, 0.3, 0.31, 0.31, 0.5, 0.49, 0.48, 0.47, 0.6, 0.55, 0.62, 0.62, 0.6, 0.7]


_MODELS = {}


def _model(lib):
    """One compiled model per library, its learning rate and stop flag reset."""
    if lib not in _MODELS:
        model = lib.Sequential([lib.Input((2,)), lib.layers.Dense(1)])
        model.compile(optimizer=lib.optimizers.SGD(learning_rate=0.1), loss="mse")
        _MODELS[lib] = model
    model = _MODELS[lib]
    model.optimizer.learning_rate = 0.1
    model.stop_training = False
    return model


def _drive(lib, make_callback, logs_of_epoch, epochs=len(LOSSES)):
    """Run the callback's hooks over the scripted epochs; per epoch (stop_training,
    wait, best, learning rate, first weight), and what it printed."""
    model, callback = _model(lib), make_callback(lib)
    callback.set_model(model)
    out, trace = io.StringIO(), []
    with contextlib.redirect_stdout(out):
        callback.on_train_begin({})
        for epoch in range(epochs):
            callback.on_epoch_begin(epoch, {})
            # the weights at the end of each epoch: what restore_best_weights restores
            model.set_weights([np.full((2, 1), epoch, "float32"), np.zeros(1, "float32")])
            callback.on_epoch_end(epoch, logs_of_epoch(epoch))
            trace.append((bool(model.stop_training), getattr(callback, "wait", None),
                          _plain(getattr(callback, "best", None)),
                          round(float(np.asarray(model.optimizer.learning_rate)), 9)))
            if model.stop_training:
                break
        callback.on_train_end({})
    weight = float(np.asarray(model.get_weights()[0]).ravel()[0])
    return trace, weight, out.getvalue()


def _plain(value):
    return None if value is None else round(float(value), 9)


def _val(epoch):
    return {"loss": LOSSES[epoch] + 0.1, "val_loss": LOSSES[epoch],
            "val_accuracy": ACCURACIES[epoch]}


def _assert_same(make_callback, logs=_val):
    theirs, ours = (_drive(lib, make_callback, logs) for lib in LIBS.values())
    assert ours[0] == theirs[0], "per epoch (stop, wait, best, learning rate)"
    assert ours[1:] == theirs[1:], "restored weight, printed output"


def _cases(base, **options):
    """`base` alone, then with each option's values one at a time, then with all the
    first values together (each knob moved, and their interplay once)."""
    cases = [dict(base)]
    for key, values in options.items():
        cases += [dict(base, **{key: value}) for value in values]
    cases.append(dict(base, **{key: values[0] for key, values in options.items()}))
    return cases


# val_accuracy's direction: mode='max' (in 'auto', Keras looks for a compiled metric)
EARLY_STOPPING = [dict(case, **monitor) for monitor in (
    {"monitor": "val_loss"}, {"monitor": "val_accuracy", "mode": "max"})
    for case in _cases({"verbose": 1}, patience=[2, 0], min_delta=[0.05],
                       start_from_epoch=[3], restore_best_weights=[True])] + [
    dict(monitor="val_loss", baseline=0.7, patience=2, verbose=1),
    dict(monitor="val_loss", baseline=0.5, patience=1, restore_best_weights=True),
    dict(monitor="val_accuracy", mode="max", baseline=0.55, patience=2),
    dict(monitor="val_loss", mode="min", patience=1, min_delta=-0.05),
    dict(monitor="val_loss", mode="max", patience=1),
    dict(monitor="val_loss", mode="max", patience=0, verbose=1)]  # stops at epoch 1


@pytest.mark.parametrize("kwargs", EARLY_STOPPING, ids=lambda k: "-".join(
    f"{key}={value}" for key, value in k.items() if key != "verbose"))
def test_early_stopping_decides_as_keras(kwargs):
    _assert_same(lambda lib: lib.callbacks.EarlyStopping(**kwargs))


REDUCE_LR = [dict(case, **monitor) for monitor in (
    {"monitor": "val_loss"}, {"monitor": "val_accuracy", "mode": "max"})
    for case in _cases({"factor": 0.5, "verbose": 1}, patience=[1, 0, 3], cooldown=[2],
                       min_lr=[0.02], min_delta=[0.05])] + [
    dict(monitor="val_loss", mode="min", factor=0.2, patience=2, min_lr=0.001)]


@pytest.mark.parametrize("kwargs", REDUCE_LR, ids=lambda k: "-".join(
    f"{key}={value}" for key, value in k.items() if key not in ("verbose", "factor")))
def test_reduce_lr_on_plateau_decides_as_keras(kwargs):
    _assert_same(lambda lib: lib.callbacks.ReduceLROnPlateau(**kwargs))


@pytest.mark.parametrize("separator,append", [(",", False), (";", True)])
def test_csv_logger_writes_what_keras_writes(tmp_path, separator, append):
    texts = []
    for name, lib in LIBS.items():
        path = os.path.join(tmp_path, f"{name}.csv")
        with open(path, "w") as f:
            f.write("before\n")
        _drive(lib, lambda lib: lib.callbacks.CSVLogger(path, separator, append),
               lambda epoch: {"val_loss": LOSSES[epoch], "loss": np.float32(epoch / 3),
                              "accuracy": ACCURACIES[epoch], "lr": [0.1, epoch / 7]},
               epochs=4)
        with open(path) as f:
            texts.append(f.read())
    assert texts[1] == texts[0]


# mode='auto' reads the direction of the compiled metric of the monitored name: every
# metric class (and the strings compile takes) compiled into one model per library.
DENSE_METRICS = ["mae", "mse", "mape", "msle", "acc", "binary_crossentropy",
                 "categorical_crossentropy", "kl_divergence", "poisson", "hinge",
                 "squared_hinge", "cosine_similarity", "top_k_categorical_accuracy"]
DENSE_CLASSES = {
    "Accuracy": {}, "BinaryAccuracy": {}, "CategoricalAccuracy": {},
    "TopKCategoricalAccuracy": dict(k=2), "MeanSquaredError": {}, "MeanAbsoluteError": {},
    "MeanAbsolutePercentageError": {}, "MeanSquaredLogarithmicError": {},
    "RootMeanSquaredError": {}, "LogCoshError": {}, "CosineSimilarity": {},
    "R2Score": {}, "BinaryCrossentropy": {}, "CategoricalCrossentropy": {},
    "KLDivergence": {}, "Poisson": {}, "Hinge": {}, "SquaredHinge": {},
    "CategoricalHinge": {}, "Precision": {}, "Recall": {}, "AUC": {},
    "PrecisionAtRecall": dict(recall=0.5), "RecallAtPrecision": dict(precision=0.5),
    "SensitivityAtSpecificity": dict(specificity=0.5),
    "SpecificityAtSensitivity": dict(sensitivity=0.5), "FBetaScore": {}, "F1Score": {},
    "BinaryIoU": {}, "OneHotMeanIoU": dict(num_classes=3), "PearsonCorrelation": {},
    "ConcordanceCorrelation": {}, "TruePositives": {}, "FalseNegatives": {}}
SPARSE_CLASSES = {"SparseCategoricalAccuracy": {}, "SparseTopKCategoricalAccuracy": dict(k=2),
                  "SparseCategoricalCrossentropy": {}}
_COMPILED = {}


def _compiled_with_every_metric(lib, sparse):
    """A model compiled with the metrics (named alike in both libraries) after one fit
    built them, and the names of its logs."""
    if (lib, sparse) not in _COMPILED:
        x = np.random.default_rng(0).uniform(size=(8, 3)).astype("float32")
        y = x.argmax(1) if sparse else (x > 0.5).astype("float32")
        classes = SPARSE_CLASSES if sparse else DENSE_CLASSES
        metrics = [getattr(lib.metrics, name)(name=name.lower(), **kwargs)
                   for name, kwargs in classes.items()] + ([] if sparse else DENSE_METRICS)
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy" if sparse
                      else "mse", metrics=metrics, run_eagerly=True)  # no graph to trace
        history = model.fit(x, y, epochs=1, verbose=0)
        _COMPILED[lib, sparse] = model, sorted(history.history)
    return _COMPILED[lib, sparse]


def _decides(lib, sparse, name):
    """EarlyStopping(monitor=name, mode='auto') on a value that rises: 'rises is better',
    'rises is worse', or the error for a direction it cannot tell."""
    model, _ = _compiled_with_every_metric(lib, sparse)
    callback = lib.callbacks.EarlyStopping(monitor=name, patience=0)
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin({})
    try:
        for epoch, value in enumerate((0.25, 0.5)):
            callback.on_epoch_end(epoch, {name: value})
    except ValueError as error:
        return type(error).__name__
    return "rises is worse" if model.stop_training else "rises is better"


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_auto_mode_takes_each_metrics_direction_as_keras(sparse):
    names = _compiled_with_every_metric(keras, sparse)[1]
    assert names == _compiled_with_every_metric(kerasmini, sparse)[1]
    for name in names:
        assert _decides(kerasmini, sparse, name) == _decides(keras, sparse, name), name


CALLBACK_CLASSES = ["Callback", "History", "LambdaCallback", "LearningRateScheduler",
                    "EarlyStopping", "ReduceLROnPlateau", "CSVLogger", "ModelCheckpoint",
                    "TerminateOnNaN", "BackupAndRestore", "ProgbarLogger", "SwapEMAWeights"]


@pytest.mark.parametrize("name", CALLBACK_CLASSES)
def test_constructor_signature_matches_keras(name):
    """Same parameter names, order, kinds and defaults as keras.callbacks.<name> (a
    default planted wrong, EarlyStopping's min_delta, survived every test that passes
    its arguments)."""
    def parameters(cls):
        return [(p.name, p.kind, p.default)
                for p in inspect.signature(cls.__init__).parameters.values()]

    assert parameters(getattr(kerasmini.callbacks, name)) == \
        parameters(getattr(keras.callbacks, name))
