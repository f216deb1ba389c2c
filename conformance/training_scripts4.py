"""A fourth set of users' training scripts: whole workflows, end to end, as users write
them (train, save, reload and go on; transfer learning; mixed precision and keras.config
settings; fit's less common arguments; custom loops with keras.ops; regression,
multi-label and ranking heads; sequences), not repeating the first three sets.

Same rules as training_scripts.py: a script is a function of the library (`keras`:
tf.keras or kerasmini) and `run` (`run.GradientTape`, `run.tmp`, `run.same_start`); its
text is the same for both libraries; it returns what a user would look at and
test_scripts4.py compares kerasmini's with tf.keras's.
"""
import contextlib
import io
import os

import numpy as np

from conformance.training_scripts import data, mlp
from conformance.training_scripts3 import _structure, error_recorder


def _classifier(keras, run, optimizer, metrics=("accuracy",)):
    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=list(metrics))
    return model


def _max_difference(a, b):
    return max(float(np.max(np.abs(np.asarray(u, "float64") - np.asarray(v, "float64")),
                            initial=0.0)) for u, v in zip(a, b))


def _optimizer_state(optimizer):
    return {"iterations": int(np.asarray(optimizer.iterations)),
            "values": [np.asarray(v) for v in optimizer.variables]}


def digits(count=240, classes=10):
    """scikit-learn's bundled 8x8 digits (no download), scaled to [0, 1]."""
    from sklearn.datasets import load_digits
    bunch = load_digits()
    keep = bunch.target < classes
    images = (bunch.images[keep][:count] / 16.0).astype("float32")
    return images, bunch.target[keep][:count].astype("int64")


# ----- 1. train, save .keras, reload, go on: the same as never stopping ------------------
def resume_from_keras_file(keras, run):
    x, labels, _, _ = data()
    results = {}
    for name, make in (("adam_amsgrad", lambda: keras.optimizers.Adam(0.02, amsgrad=True)),
                       ("rmsprop_centered", lambda: keras.optimizers.RMSprop(
                           0.01, momentum=0.5, centered=True)),
                       ("sgd_nesterov_decay", lambda: keras.optimizers.SGD(
                           keras.optimizers.schedules.ExponentialDecay(0.1, 3, 0.5),
                           momentum=0.9, nesterov=True))):
        straight = _classifier(keras, run, make())
        whole = straight.fit(x, labels, batch_size=48, epochs=3, shuffle=False, verbose=0)
        first = _classifier(keras, run, make())
        first.fit(x, labels, batch_size=48, epochs=1, shuffle=False, verbose=0)
        path = os.path.join(run.tmp, f"{name}.keras")
        first.save(path)
        resumed = keras.models.load_model(path)
        state = _optimizer_state(resumed.optimizer)
        second = resumed.fit(x, labels, batch_size=48, epochs=3, initial_epoch=1,
                             shuffle=False, verbose=0)
        results[name] = {
            "straight": whole.history, "second": second.history, "epoch": second.epoch,
            "loaded_state": state, "final_state": _optimizer_state(resumed.optimizer),
            "as_if_never_stopped": _max_difference(
                second.history["loss"], whole.history["loss"][1:]) < 1e-6
                and _max_difference(resumed.get_weights(), straight.get_weights()) < 1e-6}
    return results


# ----- 2. .weights.h5 (no optimizer) and legacy .h5 (with it), then go on ---------------
def resume_from_h5_files(keras, run):
    x, labels, _, _ = data()
    model = _classifier(keras, run, keras.optimizers.Nadam(0.01))
    model.fit(x, labels, batch_size=32, epochs=2, shuffle=False, verbose=0)
    weights_path = os.path.join(run.tmp, "run.weights.h5")
    legacy_path = os.path.join(run.tmp, "run.h5")
    model.save_weights(weights_path)
    model.save(legacy_path)
    fresh = _classifier(keras, run, keras.optimizers.Nadam(0.01))
    fresh.load_weights(weights_path)
    from_weights = fresh.fit(x, labels, batch_size=32, epochs=3, initial_epoch=2,
                             shuffle=False, verbose=0)
    legacy = keras.models.load_model(legacy_path)
    # tf.keras 3.15 cannot train the model its legacy loader compiled ("Unknown
    # variable": the optimizer is built before the weights are set); users recompile
    legacy.compile(optimizer=keras.optimizers.Nadam(0.01),
                   loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    loaded = {"optimizer": type(legacy.optimizer).__name__,
              "learning_rate": float(np.asarray(legacy.optimizer.learning_rate)),
              "predict": legacy.predict(x[:4], verbose=0)}
    from_legacy = legacy.fit(x, labels, batch_size=32, epochs=3, initial_epoch=2,
                             shuffle=False, verbose=0)
    return {"from_weights": from_weights.history, "fresh_iterations":
            int(np.asarray(fresh.optimizer.iterations)), "legacy": loaded,
            "from_legacy": from_legacy.history, "legacy_weights": legacy.get_weights()}


# ----- 3. transfer learning: frozen base (BatchNorm in inference), head, top N unfrozen --
def _summary_counts(model):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        model.summary()
    return [line.strip() for line in buffer.getvalue().splitlines()
            if "params:" in line]


def transfer_learning_top_layers(keras, run):
    x, labels, _, _ = data()
    base = keras.Sequential([keras.Input((8,)),
                             keras.layers.Dense(12, activation="relu", name="b1"),
                             keras.layers.BatchNormalization(name="bn"),
                             keras.layers.Dense(10, activation="relu", name="b2"),
                             keras.layers.Dense(8, activation="relu", name="b3")],
                            name="base")
    inputs = keras.Input((8,))
    features = base(inputs, training=False)  # BatchNorm stays in inference
    outputs = keras.layers.Dense(3, activation="softmax", name="head")(features)
    model = keras.Model(inputs, outputs)
    run.same_start(model)
    moving_mean = np.asarray(base.get_layer("bn").moving_mean).copy()
    base.trainable = False
    model.compile(optimizer=keras.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    frozen_counts = _summary_counts(model)
    head = model.fit(x, labels, batch_size=32, epochs=2, shuffle=False, verbose=0)
    unchanged = bool(np.array_equal(np.asarray(base.get_layer("bn").moving_mean),
                                    moving_mean))
    base.trainable = True
    for layer in base.layers[:-2]:  # unfreeze the top two layers only
        layer.trainable = False
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    tuned = model.fit(x, labels, batch_size=32, epochs=2, shuffle=False, verbose=0,
                      validation_split=0.25)
    return {"frozen_counts": frozen_counts, "head": head.history,
            "moving_mean_unchanged": unchanged, "tuned_counts": _summary_counts(model),
            "tuned": tuned.history,
            "trainable": [w.name for w in model.trainable_weights],
            "non_trainable": len(model.non_trainable_weights),
            "weights": model.get_weights()}


# ----- 4. mixed precision: mixed_float16 fit, and a LossScaleOptimizer loop overflowing --
def mixed_precision_workflow(keras, run):
    x, labels, _, _ = data()
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = keras.Sequential([keras.Input((8,)),
                                  keras.layers.Dense(16, activation="relu"),
                                  keras.layers.Dense(3),
                                  keras.layers.Activation("softmax", dtype="float32")])
        run.same_start(model)
        model.compile(optimizer=keras.optimizers.Adam(0.01),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, labels, batch_size=32, epochs=2, shuffle=False, verbose=0)
        dtypes = {"policy": keras.mixed_precision.global_policy().name,
                  "compute": model.layers[0].compute_dtype,
                  "variable": model.layers[0].variable_dtype,
                  "weights": [str(w.dtype) for w in model.get_weights()],
                  "predict": str(model.predict(x[:2], verbose=0).dtype),
                  "optimizer": type(model.optimizer).__name__,
                  "scale": float(np.asarray(model.optimizer.dynamic_scale))}
        loop = _loss_scale_loop(keras, run, x, labels)
    finally:
        keras.utils.clear_session()  # the global policy back to floatx's, as users reset it
    return {"history": history.history, "dtypes": dtypes, "loop": loop,
            "weights": model.get_weights()}


def _loss_scale_loop(keras, run, x, labels):
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(6, activation="relu"),
                              keras.layers.Dense(3, dtype="float32")])
    run.same_start(model)
    optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.05),
                                                    initial_scale=2.0 ** 10,
                                                    dynamic_growth_steps=2)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    scales, steps = [], []
    for step, factor in enumerate([1.0, 1.0, 1.0, 1e4, 1.0, 1.0]):  # step 3 overflows
        batch = x[step * 16:(step + 1) * 16] * factor
        with run.GradientTape() as tape:
            loss = loss_fn(labels[step * 16:(step + 1) * 16], model(batch, training=True))
            scaled = optimizer.scale_loss(loss)
        grads = tape.gradient(scaled, model.trainable_variables)
        optimizer.apply(grads, model.trainable_variables)
        scales.append(float(np.asarray(optimizer.dynamic_scale)))
        steps.append(int(np.asarray(optimizer.iterations)))
    return {"scales": scales, "iterations": steps, "weights": model.get_weights()}


# ----- 5. keras.config: float64 training, channels_first convnet -------------------------
def float64_training(keras, run):
    x, labels, _, target = data()
    keras.config.set_floatx("float64")
    try:
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(6, activation="tanh"),
                                  keras.layers.Dense(1)])
        run.same_start(model)
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
        history = model.fit(x.astype("float64"), target.astype("float64"), batch_size=16,
                            epochs=3, shuffle=False, verbose=0)
        predictions = model.predict(x[:4].astype("float64"), verbose=0)
        dtypes = {"floatx": keras.config.floatx(),
                  "weights": [str(w.dtype) for w in model.get_weights()],
                  "predict": str(predictions.dtype)}
    finally:
        keras.config.set_floatx("float32")
    return {"history": history.history, "dtypes": dtypes, "predict": predictions,
            "weights": model.get_weights()}


def channels_first_convnet(keras, run):
    images, labels = digits(count=96, classes=4)
    keras.config.set_image_data_format("channels_first")
    try:
        model = keras.Sequential([keras.Input((1, 8, 8)),
                                  keras.layers.Conv2D(4, 3, activation="relu"),
                                  keras.layers.MaxPooling2D(2),
                                  keras.layers.Flatten(),
                                  keras.layers.Dense(4, activation="softmax")])
        run.same_start(model)
        model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(images[:, None], labels, batch_size=16, epochs=3,
                            shuffle=False, verbose=0)
        shapes = [tuple(layer.output.shape) for layer in model.layers]
        predictions = model.predict(images[:4, None], verbose=0)
    finally:
        keras.config.set_image_data_format("channels_last")
    return {"history": history.history, "shapes": shapes, "predict": predictions,
            "weights": model.get_weights()}


# ----- 6. fit's execution options: steps_per_execution, jit_compile="auto", run_eagerly --
def execution_options(keras, run):
    x, labels, _, _ = data(samples=80)
    results = {}
    for name, options in (("grouped", {"steps_per_execution": 2, "jit_compile": "auto"}),
                          ("eager", {"run_eagerly": True, "jit_compile": False})):
        model = mlp(keras)
        run.same_start(model)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"], **options)
        batches = []
        logger = keras.callbacks.LambdaCallback(
            on_train_batch_end=lambda batch, logs: batches.append(batch))
        history = model.fit(x, labels, batch_size=16, epochs=2, shuffle=False, verbose=0,
                            callbacks=[logger])
        results[name] = {"history": history.history, "batches": batches,
                         "run_eagerly": model.run_eagerly,
                         "evaluate_steps": model.evaluate(x, labels, batch_size=16,
                                                          steps=2, verbose=0),
                         "on_batch": model.predict_on_batch(x[:3]),
                         "train_on_batch": model.train_on_batch(x[:16], labels[:16],
                                                                return_dict=True),
                         "weights": model.get_weights()}
    return results


# ----- 7. validation from a PyDataset with validation_steps and validation_freq -------
def validation_steps_and_freq(keras, run):
    x, labels, _, _ = data()

    class Validation(keras.utils.PyDataset):
        """Four batches; validation_steps=3 reads three of them, the same three at every
        validation (Keras: "the evaluation will start from the beginning"). A Python
        generator cannot start again: kerasmini reads it on, tf.keras 3.15 replays the two
        batches it peeked at first and then reads on (test_scripts4.py shows it)."""

        def __len__(self):
            return 4

        def __getitem__(self, index):
            start = 64 + 8 * index
            return x[start:start + 8], labels[start:start + 8]

    model = _classifier(keras, run, keras.optimizers.RMSprop(0.01))
    history = model.fit(x[:64], labels[:64], batch_size=16, epochs=4, shuffle=False,
                        verbose=0, validation_data=Validation(), validation_steps=3,
                        validation_freq=2)
    return {"history": history.history, "epoch": history.epoch,
            "weights": model.get_weights()}


# ----- 8. fit twice, model.history, epochs <= initial_epoch, verbose=2's lines ----------
def fit_twice_and_history(keras, run):
    x, labels, _, _ = data(samples=48)
    model = _classifier(keras, run, "adam")
    first = model.fit(x, labels, batch_size=16, epochs=2, shuffle=False, verbose=0)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        second = model.fit(x, labels, batch_size=16, epochs=4, initial_epoch=2,
                           shuffle=False, verbose=2, validation_data=(x[:16], labels[:16]))
    nothing = model.fit(x, labels, epochs=1, initial_epoch=3, verbose=0)
    return {"first": first.history, "second": second.history,
            "second_epoch": second.epoch, "model_history_is_last":
            model.history is nothing, "nothing": nothing.history,
            "nothing_epoch": nothing.epoch, "printed": _structure(printed.getvalue()),
            "params": {k: v for k, v in second.params.items()}}


# ----- 9. a custom loop: clipping and accumulation by hand with keras.ops ---------------
def clip_and_accumulate_by_hand(keras, run):
    x, labels, _, _ = data()
    ops = keras.ops
    model = mlp(keras, activation=None)
    run.same_start(model)
    optimizer = keras.optimizers.Adam(0.02)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    accumulated = [ops.zeros_like(w) for w in model.trainable_weights]
    norms, losses = [], []
    for step in range(12):
        batch = slice((step % 6) * 16, (step % 6 + 1) * 16)
        with run.GradientTape() as tape:
            loss = loss_fn(labels[batch], model(x[batch], training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        accumulated = [a + g for a, g in zip(accumulated, grads)]
        losses.append(float(np.asarray(loss)))
        if step % 3 == 2:  # every third batch: average, clip by global norm, apply
            averaged = [a / 3.0 for a in accumulated]
            norm = ops.sqrt(sum(ops.sum(ops.square(g)) for g in averaged))
            scale = ops.minimum(1.0, 0.5 / (norm + 1e-7))
            optimizer.apply_gradients(zip([g * scale for g in averaged],
                                          model.trainable_weights))
            norms.append(float(np.asarray(norm)))
            accumulated = [ops.zeros_like(w) for w in model.trainable_weights]
    return {"losses": losses, "norms": norms,
            "iterations": int(np.asarray(optimizer.iterations)),
            "weights": model.get_weights()}


# ----- 10. a custom loop: two optimizers on two parts, build before apply, metrics ----
def two_optimizers_and_metric_objects(keras, run):
    x, labels, _, _ = data()
    body = keras.Sequential([keras.Input((8,)), keras.layers.Dense(10, activation="relu")])
    head = keras.Sequential([keras.Input((10,)), keras.layers.Dense(3)])
    run.same_start(body)
    run.same_start(head, seed=8)
    body_optimizer = keras.optimizers.Adam(0.01)
    head_optimizer = keras.optimizers.SGD(0.1, momentum=0.9)
    body_optimizer.build(body.trainable_variables)  # its slots exist before any step
    slots = len(body_optimizer.variables)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    accuracy = keras.metrics.SparseCategoricalAccuracy()
    mean_loss = keras.metrics.Mean(name="loss")
    epochs = []
    for epoch in range(3):
        for start in range(0, 96, 24):
            x_batch, y_batch = x[start:start + 24], labels[start:start + 24]
            with run.GradientTape(persistent=True) as tape:
                logits = head(body(x_batch, training=True), training=True)
                loss = loss_fn(y_batch, logits)
            body_optimizer.apply(tape.gradient(loss, body.trainable_variables),
                                 body.trainable_variables)
            head_optimizer.apply_gradients(zip(tape.gradient(loss, head.trainable_variables),
                                               head.trainable_variables))
            del tape
            accuracy.update_state(y_batch, logits)
            mean_loss.update_state(loss)
        epochs.append((float(np.asarray(mean_loss.result())),
                       float(np.asarray(accuracy.result()))))
        accuracy.reset_state()
        mean_loss.reset_state()
    return {"slots_after_build": slots, "epochs": epochs,
            "after_reset": float(np.asarray(mean_loss.result())),
            "iterations": [int(np.asarray(o.iterations)) for o in (body_optimizer,
                                                                   head_optimizer)],
            "weights": body.get_weights() + head.get_weights()}


# ----- 11. stateless_call: the functional style (tf.keras refuses stateless_apply) --------------------
def stateless_workflow(keras, run):
    x, _, _, target = data()
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(6),
                              keras.layers.BatchNormalization(),
                              keras.layers.Dense(1)])
    run.same_start(model)
    trainable = [np.asarray(v) for v in model.trainable_variables]
    non_trainable = [np.asarray(v) for v in model.non_trainable_variables]
    before = model.get_weights()
    outputs, updated = model.stateless_call(trainable, non_trainable, x[:16], training=True)
    inference, _ = model.stateless_call(trainable, updated, x[:4])
    return {"outputs": outputs, "updated": [np.asarray(v) for v in updated],
            "model_unchanged": all(np.array_equal(a, b) for a, b in
                                   zip(before, model.get_weights())),
            "inference": inference}


# ----- 12. multi-label: sigmoid outputs, BinaryCrossentropy, AUC(multi_label=True) -----
def multi_label_auc(keras, run):
    x, _, _, _ = data()
    tags = np.stack([x[:, 0] > 0, x[:, 1] + x[:, 2] > 0.5, x[:, 3] < -0.3], axis=1)
    tags = tags.astype("float32")
    model = mlp(keras, activation="sigmoid")
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.Adam(0.02),
                  loss=keras.losses.BinaryCrossentropy(label_smoothing=0.05),
                  metrics=[keras.metrics.AUC(num_thresholds=50, multi_label=True,
                                             num_labels=3, name="auc"),
                           keras.metrics.AUC(num_thresholds=50, curve="PR", name="pr_auc"),
                           keras.metrics.BinaryAccuracy(threshold=0.4),
                           keras.metrics.Precision(thresholds=[0.3, 0.6]),
                           keras.metrics.Recall(top_k=1)])
    history = model.fit(x, tags, batch_size=32, epochs=3, shuffle=False, verbose=0,
                        validation_split=0.25)
    return {"history": history.history,
            "evaluate": model.evaluate(x, tags, verbose=0, return_dict=True),
            "predict": model.predict(x[:4], verbose=0)}


# ----- 13. ordinal regression and quantile (pinball) regression -------------------------
def ordinal_and_quantile(keras, run):
    x, _, _, target = data()
    ops = keras.ops
    grade = np.digitize(target[:, 0], [-0.5, 0.0, 0.5]).astype("int64")  # 4 ordered grades
    cumulative = (grade[:, None] > np.arange(3)[None, :]).astype("float32")
    ordinal = mlp(keras, activation="sigmoid")  # P(grade > k) for k = 0, 1, 2
    run.same_start(ordinal)
    ordinal.compile(optimizer="adam", loss="binary_crossentropy",
                    metrics=[keras.metrics.BinaryAccuracy(name="step_accuracy")])
    ordinal_history = ordinal.fit(x, cumulative, batch_size=24, epochs=3, shuffle=False,
                                  verbose=0)
    predicted_grade = np.sum(np.asarray(ordinal.predict(x[:8], verbose=0)) > 0.5, axis=1)

    quantiles = np.array([0.1, 0.5, 0.9], "float32")

    def pinball(y_true, y_pred):
        error = y_true - y_pred
        return ops.mean(ops.maximum(quantiles * error, (quantiles - 1.0) * error), axis=-1)

    quantile = keras.Sequential([keras.Input((8,)), keras.layers.Dense(8, activation="relu"),
                                 keras.layers.Dense(3)])
    run.same_start(quantile)
    quantile.compile(optimizer=keras.optimizers.Adam(0.02), loss=pinball, metrics=["mae"])
    quantile_history = quantile.fit(x, target, batch_size=24, epochs=3, shuffle=False,
                                    verbose=0)
    bands = np.asarray(quantile.predict(x, verbose=0))
    return {"ordinal": ordinal_history.history, "grades": predicted_grade.tolist(),
            "quantile": quantile_history.history, "bands": bands[:6],
            "below_each": [float(np.mean(target[:, 0] < bands[:, i])) for i in range(3)]}


# ----- 14. regression losses and a sample-weighted R2Score --------------------------------
def regression_losses_weighted_r2(keras, run):
    x, _, _, target = data()
    positive = np.exp(target).astype("float32")  # MSLE wants non-negative targets
    weights = np.linspace(0.5, 2.0, len(x)).astype("float32")
    results = {}
    for name, loss, y in (("huber", keras.losses.Huber(delta=0.3), target),
                          ("msle", keras.losses.MeanSquaredLogarithmicError(), positive)):
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.Dense(1, activation="softplus")])
        run.same_start(model)
        model.compile(optimizer=keras.optimizers.Adam(0.02), loss=loss,
                      metrics=["mae"], weighted_metrics=[keras.metrics.R2Score(name="r2")])
        history = model.fit(x, y, sample_weight=weights, batch_size=24, epochs=3,
                            shuffle=False, verbose=0)
        results[name] = {"history": history.history,
                         "evaluate": model.evaluate(x, y, sample_weight=weights,
                                                    verbose=0, return_dict=True)}
    return results


# ----- 15. class_weight with sparse labels on an imbalanced digits subset ----------------
def class_weight_imbalanced_digits(keras, run):
    images, labels = digits(count=400, classes=3)
    keep = np.concatenate([np.flatnonzero(labels == 0),
                           np.flatnonzero(labels == 1)[:12],  # rare classes
                           np.flatnonzero(labels == 2)[:30]])
    x, y = images[keep].reshape(len(keep), 64), labels[keep]
    counts = np.bincount(y)
    class_weight = {k: float(len(y) / (3 * c)) for k, c in enumerate(counts)}
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.Adam(0.005),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  weighted_metrics=["accuracy"])
    history = model.fit(x, y, class_weight=class_weight, batch_size=32, epochs=3,
                        shuffle=False, verbose=0)
    return {"counts": counts.tolist(), "history": history.history,
            "per_class": [float(np.mean(np.argmax(model.predict(x[y == k], verbose=0), -1)
                                        == k)) for k in range(3)],
            "weights": model.get_weights()}


# ----- 16. text: pad_sequences, Embedding(mask_zero) + LSTM, to_categorical -------------
def masked_lstm_text(keras, run):
    rng = np.random.default_rng(5)
    lengths = rng.integers(2, 9, size=48)
    tokens = [list(rng.integers(1, 20, size=n)) for n in lengths]
    labels = np.array([int(np.sum(np.array(t) > 10) > len(t) / 2) + (len(t) > 6)
                       for t in tokens])
    padded = keras.utils.pad_sequences(tokens, maxlen=7, padding="post", truncating="pre")
    front = keras.utils.pad_sequences(tokens, maxlen=7, value=0)
    one_hot = keras.utils.to_categorical(labels, num_classes=3)
    model = keras.Sequential([keras.Input((7,), dtype="int32"),
                              keras.layers.Embedding(20, 6, mask_zero=True),
                              keras.layers.LSTM(5),
                              keras.layers.Dense(3, activation="softmax")])
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.SGD(0.2, momentum=0.9),
                  loss="categorical_crossentropy", metrics=["categorical_accuracy"])
    history = model.fit(padded, one_hot, batch_size=16, epochs=3, shuffle=False, verbose=0,
                        validation_data=(front[:16], one_hot[:16]))
    return {"padded": padded, "front": front, "one_hot": one_hot,
            "history": history.history, "predict": model.predict(padded[:4], verbose=0),
            "weights": model.get_weights()}


# ----- 17. timeseries windows from keras.utils.timeseries_dataset_from_array ------------
def timeseries_windows(keras, run):
    steps = np.arange(120, dtype="float32")
    series = np.stack([np.sin(steps / 6.0), np.cos(steps / 9.0)], axis=1).astype("float32")
    window = 10
    train = keras.utils.timeseries_dataset_from_array(
        series[:-window], series[window:, :1], sequence_length=window, batch_size=16,
        end_index=80)
    valid = keras.utils.timeseries_dataset_from_array(
        series[:-window], series[window:, :1], sequence_length=window, sequence_stride=3,
        batch_size=16, start_index=80)
    first_x, first_y = next(iter(train))
    model = keras.Sequential([keras.Input((window, 2)), keras.layers.LSTM(4),
                              keras.layers.Dense(1)])
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    history = model.fit(train, epochs=2, verbose=0, validation_data=valid)
    return {"batches": [tuple(np.asarray(b[0]).shape) for b in train],
            "first_x": np.asarray(first_x)[:2], "first_y": np.asarray(first_y)[:4],
            "history": history.history,
            "evaluate": model.evaluate(valid, verbose=0, return_dict=True)}


# ----- 18. a ranking head: a shared scorer trained on pairs (RankNet) ------------------
def pairwise_ranking(keras, run):
    rng = np.random.default_rng(9)
    items = rng.normal(size=(80, 6)).astype("float32")
    relevance = items @ np.array([1.0, -0.5, 0.3, 0.0, 0.8, -0.2], "float32")
    first, second = rng.integers(0, 80, size=(2, 120))
    preferred = (relevance[first] > relevance[second]).astype("float32")[:, None]
    scorer = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="tanh"),
                               keras.layers.Dense(1, use_bias=False)], name="scorer")
    left, right = keras.Input((6,), name="left"), keras.Input((6,), name="right")
    difference = keras.layers.Subtract()([scorer(left), scorer(right)])
    model = keras.Model([left, right], keras.layers.Activation("sigmoid")(difference))
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["binary_accuracy"])
    history = model.fit({"left": items[first], "right": items[second]}, preferred,
                        batch_size=30, epochs=3, shuffle=False, verbose=0)
    scores = np.asarray(scorer.predict(items, verbose=0))[:, 0]
    order = np.argsort(-scores)
    return {"history": history.history, "scores": scores[:8],
            "top_ten_relevance": float(np.mean(relevance[order[:10]])),
            "shared": len(model.trainable_weights)}


# ----- 19. what goes wrong in a workflow: the errors, and nothing changed ---------------
def workflow_errors(keras, run):
    x, labels, _, _ = data(samples=32)
    model = _classifier(keras, run, "adam")
    model.fit(x, labels, batch_size=16, epochs=1, shuffle=False, verbose=0)
    path = os.path.join(run.tmp, "trained.weights.h5")
    model.save_weights(path)
    before = model.get_weights()
    errors = {}
    attempt = error_recorder(errors)

    wider = keras.Sequential([keras.Input((8,)), keras.layers.Dense(17, name="hidden"),
                              keras.layers.Dense(3, name="out")])
    attempt("load_into_other_shapes", lambda: wider.load_weights(path))
    attempt("set_weights_count", lambda: model.set_weights(before[:3]))
    attempt("set_weights_shape", lambda: model.set_weights(
        [np.zeros((8, 15), "float32")] + before[1:]))
    attempt("fit_lengths", lambda: model.fit(x, labels[:20], verbose=0))
    attempt("load_missing", lambda: keras.models.load_model(
        os.path.join(run.tmp, "missing.keras")))
    attempt("weights_suffix", lambda: model.save_weights(os.path.join(run.tmp, "w.h5x")))
    attempt("save_suffix", lambda: model.save(os.path.join(run.tmp, "model.pkl")))
    return {"errors": errors, "unchanged": all(np.array_equal(a, b) for a, b in
                                               zip(before, model.get_weights())),
            "files": sorted(os.listdir(run.tmp))}


# ----- 20. a callback that stops, checkpoints the best, and the best is reloaded -------
def best_checkpoint_reloaded(keras, run):
    x, labels, _, _ = data()
    model = _classifier(keras, run, keras.optimizers.Adam(0.05))
    path = os.path.join(run.tmp, "best.keras")
    callbacks = [keras.callbacks.ModelCheckpoint(path, monitor="val_accuracy",
                                                 save_best_only=True),
                 keras.callbacks.EarlyStopping(monitor="val_loss", patience=1,
                                               restore_best_weights=True)]
    history = model.fit(x[:72], labels[:72], batch_size=24, epochs=6, shuffle=False,
                        verbose=0, validation_data=(x[72:], labels[72:]),
                        callbacks=callbacks)
    best = keras.models.load_model(path)
    go_on = best.fit(x[:72], labels[:72], batch_size=24, epochs=1, shuffle=False,
                     verbose=0)
    return {"history": history.history, "stopped": callbacks[1].stopped_epoch,
            "best_epoch": callbacks[1].best_epoch,
            "restored_evaluate": model.evaluate(x[72:], labels[72:], verbose=0),
            "best_file_evaluate": keras.models.load_model(path).evaluate(
                x[72:], labels[72:], verbose=0),
            "go_on": go_on.history,
            "best_iterations": int(np.asarray(best.optimizer.iterations))}


# ----- 21. a model that outputs logits, trained, then wrapped for probabilities --------
def logits_then_probability_model(keras, run):
    images, labels = digits(count=160, classes=5)
    x = images.reshape(len(images), 64)
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(20, activation="relu"),
                              keras.layers.Dropout(0.0), keras.layers.Dense(5)])
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.AdamW(0.01, weight_decay=0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc"),
                           keras.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")])
    history = model.fit(x[:120], labels[:120], batch_size=40, epochs=3, shuffle=False,
                        verbose=0, validation_data=(x[120:], labels[120:]))
    probability_model = keras.Sequential([model, keras.layers.Softmax()])
    path = os.path.join(run.tmp, "probabilities.keras")
    probability_model.save(path)
    restored = keras.models.load_model(path)
    return {"history": history.history, "probabilities": restored.predict(x[:4], verbose=0),
            "sums": np.sum(probability_model.predict(x[:4], verbose=0), axis=-1),
            "compiled": getattr(restored, "optimizer", None) is not None}


SCRIPTS = [resume_from_keras_file, resume_from_h5_files, transfer_learning_top_layers,
           mixed_precision_workflow, float64_training, channels_first_convnet,
           execution_options, validation_steps_and_freq, fit_twice_and_history,
           clip_and_accumulate_by_hand, two_optimizers_and_metric_objects,
           stateless_workflow, multi_label_auc, ordinal_and_quantile,
           regression_losses_weighted_r2, class_weight_imbalanced_digits, masked_lstm_text,
           timeseries_windows, pairwise_ranking, workflow_errors, best_checkpoint_reloaded,
           logits_then_probability_model]


# ----- 23. `trainable` toggled without compiling again (run against graph tf.keras) ----
def trainable_toggled_without_recompile(keras, run):
    """Keras's rule: a change of `trainable` takes effect at the next compile (tf.keras's
    compiled step keeps the weights it traced with); with run_eagerly=True at once.
    Not in SCRIPTS: test_scripts4.py runs it against tf.keras in graph mode, the mode
    whose rule this is (the other scripts run tf.keras eagerly, for exact sums)."""
    x, _, _, target = data()
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4, name="body"),
                              keras.layers.Dense(1, name="head")])
    run.same_start(model)
    body = model.get_layer("body")
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    model.fit(x, target, batch_size=32, epochs=1, shuffle=False, verbose=0)
    changed = {}

    def body_changes(label):
        kernel = body.get_weights()[0].copy()
        history = model.fit(x, target, batch_size=32, epochs=1, shuffle=False, verbose=0)
        changed[label] = (not np.array_equal(kernel, body.get_weights()[0]),
                          history.history["loss"])

    body.trainable = False
    body_changes("frozen_not_recompiled")
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    body_changes("frozen_recompiled")
    body.trainable = True  # the optimizer was built without the body's weights
    try:
        model.optimizer.apply([np.zeros(w.shape, "float32") for w in model.trainable_weights],
                              model.trainable_weights)
        unknown = None
    except ValueError as error:
        unknown = type(error).__name__
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", run_eagerly=True)
    model.fit(x, target, batch_size=32, epochs=1, shuffle=False, verbose=0)
    body.trainable = False
    body_changes("frozen_eagerly")
    return {"changed": changed, "unknown_variables": unknown,
            "trainable": len(model.trainable_weights), "weights": model.get_weights()}
