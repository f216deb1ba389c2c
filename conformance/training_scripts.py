"""Training scripts as Keras users write them, after keras.io's guides ("getting started",
"training & evaluation with the built-in methods", "customizing what happens in fit",
"writing a training loop from scratch", "transfer learning & fine-tuning").

Each script is a function of the library (`keras`: tf.keras or kerasmini) and of `run`,
the few things that differ between the two runs: `run.GradientTape` (tf.GradientTape or
kerasmini.GradientTape), `run.tmp` (a fresh folder for files) and `run.same_start(model)`
(the same seeded starting weights in both libraries, since their random initializers
differ). Apart from these, a script is the same text for both libraries. It returns what
a user would look at: History dicts, evaluate results, predictions, files written,
weights; test_scripts.py compares those of kerasmini with tf.keras's.
"""
import csv
import os

import numpy as np


def data(samples=96, features=8, classes=3, seed=0):
    """Seeded features, sparse labels, their one-hot form and a regression target."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, features)).astype("float32")
    labels = (np.argmax(x[:, :classes], axis=1)).astype("int64")
    one_hot = np.eye(classes, dtype="float32")[labels]
    target = (x[:, :2].sum(axis=1, keepdims=True) * 0.5).astype("float32")
    return x, labels, one_hot, target


def mlp(keras, classes=3, activation="softmax", name=None):
    return keras.Sequential([keras.Input((8,)),
                             keras.layers.Dense(16, activation="relu", name="hidden"),
                             keras.layers.Dense(classes, activation=activation,
                                                name="out")], name=name)


# ----- 1. getting started: Sequential, validation_split, evaluate, predict ----------------
def sequential_classifier(keras, run):
    x, labels, _, _ = data()
    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, labels, batch_size=16, epochs=3, validation_split=0.25,
                        shuffle=False, verbose=0)
    return {"history": history.history, "epoch": history.epoch,
            "evaluate": model.evaluate(x, labels, verbose=0),
            "evaluate_dict": model.evaluate(x, labels, return_dict=True, verbose=0),
            "predict": model.predict(x[:5], verbose=0)}


# ----- 2. functional API: two inputs, dict and list data, validation_data -----------------
def functional_two_inputs(keras, run):
    x, _, _, target = data()
    left = keras.Input((4,), name="left")
    right = keras.Input((4,), name="right")
    merged = keras.layers.Concatenate()([keras.layers.Dense(6, activation="tanh")(left),
                                         right])
    model = keras.Model([left, right], keras.layers.Dense(1)(merged))
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="mse",
                  metrics=["mae", "mse"])
    history = model.fit({"left": x[:64, :4], "right": x[:64, 4:]}, target[:64],
                        batch_size=16, epochs=3, shuffle=False, verbose=0,
                        validation_data=([x[64:, :4], x[64:, 4:]], target[64:]))
    return {"history": history.history,
            "evaluate": model.evaluate([x[:, :4], x[:, 4:]], target, verbose=0),
            "predict": model.predict({"left": x[:4, :4], "right": x[:4, 4:]}, verbose=0)}


# ----- 3. two outputs: loss and metrics dicts, loss_weights ------------------------------
def two_outputs_dicts(keras, run):
    x, labels, _, target = data()
    inputs = keras.Input((8,), name="features")
    hidden = keras.layers.Dense(12, activation="relu")(inputs)
    score = keras.layers.Dense(1, name="score")(hidden)
    group = keras.layers.Dense(3, activation="softmax", name="group")(hidden)
    model = keras.Model(inputs=inputs, outputs=[score, group])
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-2),
                  loss={"score": "mse", "group": "sparse_categorical_crossentropy"},
                  loss_weights={"score": 1.0, "group": 0.2},
                  metrics={"score": ["mae"], "group": ["accuracy"]})
    history = model.fit(x, {"score": target, "group": labels}, batch_size=32, epochs=3,
                        validation_split=0.25, shuffle=False, verbose=0)
    score_pred, group_pred = model.predict(x[:4], verbose=0)
    return {"history": history.history,
            "evaluate": model.evaluate(x, [target, labels], verbose=0),
            "evaluate_dict": model.evaluate(x, {"score": target, "group": labels},
                                            return_dict=True, verbose=0),
            "predict": [score_pred, group_pred]}


# ----- 4. two outputs: loss list, metrics list of lists, one sample_weight ---------------
def two_outputs_lists(keras, run):
    x, labels, one_hot, target = data()
    inputs = keras.Input((8,))
    hidden = keras.layers.Dense(10, activation="relu", name="trunk")(inputs)
    model = keras.Model(inputs, [keras.layers.Dense(1, name="a")(hidden),
                                 keras.layers.Dense(3, name="b")(hidden)])
    run.same_start(model)
    model.compile(optimizer="adam",
                  loss=["huber", keras.losses.CategoricalCrossentropy(from_logits=True)],
                  loss_weights=[0.5, 1.0], metrics=[["mse"], ["categorical_accuracy"]])
    weights = np.linspace(0.5, 1.5, len(x)).astype("float32")
    history = model.fit(x, [target, one_hot], sample_weight=weights, batch_size=24,
                        epochs=2, shuffle=False, verbose=0)
    return {"history": history.history,
            "train_on_batch": model.train_on_batch(x[:8], [target[:8], one_hot[:8]],
                                                   return_dict=True),
            "test_on_batch": model.test_on_batch(x[:8], [target[:8], one_hot[:8]])}


# ----- 5. a subclassed model --------------------------------------------------------------
def subclassed_model(keras, run):
    x, _, _, target = data()

    class Regressor(keras.Model):
        def __init__(self, units=16, **kwargs):
            super().__init__(**kwargs)
            self.hidden = keras.layers.Dense(units, activation="relu")
            self.dropout = keras.layers.Dropout(0.0)
            self.head = keras.layers.Dense(1)

        def call(self, inputs, training=False):
            return self.head(self.dropout(self.hidden(inputs), training=training))

    model = Regressor()
    model(x[:1])  # build, as users do before set_weights or summary
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss="mse",
                  metrics=["mae"])
    history = model.fit(x, target, batch_size=32, epochs=3, shuffle=False, verbose=0)
    return {"history": history.history, "layers": len(model.layers),
            "trainable": [w.shape for w in model.trainable_weights],
            "evaluate": model.evaluate(x, target, verbose=0),
            "predict": model.predict(x[:4], verbose=0)}


# ----- 6. customizing fit: train_step(self, data) ------------------------------------------
def custom_train_step(keras, run):
    x, _, _, target = data()
    tape_class = run.GradientTape

    class CustomModel(keras.Model):
        def train_step(self, data):
            x, y = data
            with tape_class() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
            gradients = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(gradients, self.trainable_variables)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    inputs = keras.Input(shape=(8,))
    outputs = keras.layers.Dense(1)(keras.layers.Dense(8, activation="relu")(inputs))
    model = CustomModel(inputs, outputs)
    run.same_start(model)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    history = model.fit(x, target, epochs=3, batch_size=32, shuffle=False, verbose=0)
    return {"history": history.history, "evaluate": model.evaluate(x, target, verbose=0)}


# ----- 7. a custom loss and a custom metric as functions ---------------------------------
def custom_loss_and_metric_functions(keras, run):
    x, _, _, target = data()
    ops = keras.ops

    def scaled_squared_error(y_true, y_pred):
        return ops.mean(ops.square(y_true - y_pred) * 0.5, axis=-1)

    def max_abs_error(y_true, y_pred):
        return ops.max(ops.abs(y_true - y_pred), axis=-1)

    model = mlp(keras, classes=1, activation=None)
    run.same_start(model)
    model.compile(optimizer="adam", loss=scaled_squared_error, metrics=[max_abs_error])
    history = model.fit(x, target, batch_size=32, epochs=3, shuffle=False, verbose=0)
    return {"history": history.history, "evaluate": model.evaluate(x, target, verbose=0)}


# ----- 8. a keras.losses.Loss subclass, a layer with add_loss and sublayers ---------------
def loss_subclass_and_add_loss(keras, run):
    x, labels, _, _ = data()
    ops = keras.ops

    class FocalishLoss(keras.losses.Loss):
        def __init__(self, gamma=1.0, name="focalish"):
            super().__init__(name=name)
            self.gamma = gamma

        def call(self, y_true, y_pred):
            probs = ops.sum(y_true * y_pred, axis=-1)
            return -ops.power(1.0 - probs, self.gamma) * ops.log(probs + 1e-7)

    class Block(keras.layers.Layer):
        """A layer made of a layer, adding an activity penalty with add_loss."""

        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(units, activation="tanh")

        def call(self, inputs):
            outputs = self.dense(inputs)
            self.add_loss(1e-2 * ops.mean(ops.square(outputs)))
            return outputs

    model = keras.Sequential([keras.Input((8,)), Block(12, name="block"),
                              keras.layers.Dense(3, activation="softmax", name="out")])
    run.same_start(model)
    model.compile(optimizer="sgd", loss=FocalishLoss(gamma=2.0), metrics=["accuracy"])
    one_hot = np.eye(3, dtype="float32")[labels]
    history = model.fit(x, one_hot, batch_size=32, epochs=3, shuffle=False, verbose=0)
    return {"history": history.history, "weights": len(model.weights),
            "losses": len(model.losses), "evaluate": model.evaluate(x, one_hot, verbose=0)}


# ----- 9. the callbacks users reach for --------------------------------------------------
def callbacks_suite(keras, run):
    x, labels, _, _ = data(samples=80)
    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.Adam(0.3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    seen = []

    class Recorder(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            lr = float(np.asarray(self.model.optimizer.learning_rate))
            seen.append((epoch, sorted(logs), round(lr, 8)))

    ends = []
    callbacks = [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=1,
                                      restore_best_weights=True),
        keras.callbacks.ModelCheckpoint(os.path.join(run.tmp, "model_{epoch:02d}.keras"),
                                        monitor="val_loss", save_best_only=True),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1),
        keras.callbacks.CSVLogger(os.path.join(run.tmp, "log.csv")),
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.LambdaCallback(on_train_end=lambda logs: ends.append(sorted(logs))),
        Recorder(),
    ]
    history = model.fit(x, labels, batch_size=20, epochs=8, validation_split=0.25,
                        shuffle=False, verbose=0, callbacks=callbacks)
    with open(os.path.join(run.tmp, "log.csv")) as f:
        rows = list(csv.DictReader(f))
    return {"history": history.history, "epoch": history.epoch, "seen": seen,
            "ends": ends, "files": sorted(os.listdir(run.tmp)),
            "csv": {key: [float(r[key]) for r in rows] for key in rows[0]},
            "weights": model.get_weights()}


# ----- 10. learning rate: get, set, schedule, stop_training --------------------------------
def learning_rate_control(keras, run):
    x, _, _, target = data()
    model = mlp(keras, classes=1, activation=None)
    run.same_start(model)
    optimizer = keras.optimizers.SGD(learning_rate=0.1)
    model.compile(optimizer=optimizer, loss="mse")
    optimizer.learning_rate = 0.02
    rates = []

    def schedule(epoch, lr):
        return lr if epoch < 2 else lr * 0.5

    class StopAtLoss(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            rates.append(float(np.asarray(self.model.optimizer.learning_rate)))
            if epoch == 3:
                self.model.stop_training = True

    history = model.fit(x, target, batch_size=32, epochs=10, shuffle=False, verbose=0,
                        callbacks=[keras.callbacks.LearningRateScheduler(schedule),
                                   StopAtLoss()])
    return {"history": history.history, "epoch": history.epoch, "rates": rates}


# ----- 11. save, load, continue training ---------------------------------------------------
def save_load_continue(keras, run):
    x, labels, _, _ = data()
    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, labels, batch_size=32, epochs=2, shuffle=False, verbose=0)
    path = os.path.join(run.tmp, "classifier.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    history = restored.fit(x, labels, batch_size=32, epochs=4, initial_epoch=2,
                           shuffle=False, verbose=0)
    model.save_weights(os.path.join(run.tmp, "classifier.weights.h5"))
    twin = mlp(keras)
    twin.load_weights(os.path.join(run.tmp, "classifier.weights.h5"))
    return {"history": history.history, "epoch": history.epoch,
            "evaluate": restored.evaluate(x, labels, return_dict=True, verbose=0),
            "twin_predict": twin.predict(x[:4], verbose=0)}


# ----- 12. transfer learning: a frozen base, then fine-tuning ------------------------------
def freeze_then_fine_tune(keras, run):
    x, labels, _, _ = data()
    base = keras.Sequential([keras.Input((8,)), keras.layers.Dense(12, activation="relu"),
                             keras.layers.BatchNormalization()], name="base")
    inputs = keras.Input((8,))
    outputs = keras.layers.Dense(3, activation="softmax")(base(inputs, training=False))
    model = keras.Model(inputs, outputs)
    run.same_start(model)
    base.trainable = False
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    frozen = model.fit(x, labels, batch_size=32, epochs=2, shuffle=False, verbose=0)
    base.trainable = True
    model.compile(optimizer=keras.optimizers.Adam(1e-4),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    tuned = model.fit(x, labels, batch_size=32, epochs=2, shuffle=False, verbose=0)
    return {"frozen": frozen.history, "tuned": tuned.history,
            "trainable": len(model.trainable_weights), "weights": model.get_weights()}


# ----- 13. a training loop from scratch ---------------------------------------------------
def training_loop_from_scratch(keras, run):
    x, labels, _, _ = data()
    model = mlp(keras, activation=None)
    run.same_start(model)
    optimizer = keras.optimizers.SGD(learning_rate=0.1)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_acc = keras.metrics.SparseCategoricalAccuracy()
    val_acc = keras.metrics.SparseCategoricalAccuracy()
    losses, accuracies = [], []
    for epoch in range(2):
        for start in range(0, 64, 16):
            x_batch, y_batch = x[start:start + 16], labels[start:start + 16]
            with run.GradientTape() as tape:
                logits = model(x_batch, training=True)
                loss_value = loss_fn(y_batch, logits)
                loss_value += sum(model.losses)
            grads = tape.gradient(loss_value, model.trainable_weights)
            optimizer.apply_gradients(zip(grads, model.trainable_weights))
            train_acc.update_state(y_batch, logits)
            losses.append(float(np.asarray(loss_value)))
        val_acc.update_state(labels[64:], model(x[64:], training=False))
        accuracies.append((float(train_acc.result()), float(val_acc.result())))
        train_acc.reset_state()
        val_acc.reset_state()
    return {"losses": losses, "accuracies": accuracies, "weights": model.get_weights()}


# ----- 14. class_weight, sample_weight, weighted_metrics, steps_per_epoch -----------------
def weights_and_steps(keras, run):
    x, labels, _, _ = data()
    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], weighted_metrics=["accuracy"])
    by_class = model.fit(x, labels, class_weight={0: 1.0, 1: 2.0, 2: 0.5}, batch_size=16,
                         epochs=2, shuffle=False, verbose=0)
    weights = np.where(labels == 1, 2.0, 1.0).astype("float32")
    by_sample = model.fit(x, labels, sample_weight=weights, batch_size=16, epochs=2,
                          steps_per_epoch=4, shuffle=False, verbose=0)
    return {"by_class": by_class.history, "by_sample": by_sample.history,
            "evaluate": model.evaluate(x, labels, sample_weight=weights, verbose=0,
                                       return_dict=True)}


# ----- 15. binary classification, regression metrics by name, top-k ------------------------
def metrics_by_name(keras, run):
    x, labels, one_hot, _ = data()
    binary = (labels == 0).astype("float32")
    model = mlp(keras, classes=1, activation="sigmoid")
    run.same_start(model)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy",
                  metrics=["acc", "binary_accuracy", "mse", "mae"])
    first = model.fit(x, binary, batch_size=32, epochs=2, shuffle=False, verbose=0)
    multi = mlp(keras)
    run.same_start(multi)
    multi.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=["accuracy", "top_k_categorical_accuracy",
                           keras.metrics.TopKCategoricalAccuracy(k=2, name="top2")])
    second = multi.fit(x, one_hot, batch_size=32, epochs=2, shuffle=False, verbose=0)
    return {"binary": first.history, "categorical": second.history}


# ----- 16. a generator with steps_per_epoch ------------------------------------------
def generator_input(keras, run):
    x, _, _, target = data()

    def batches():
        while True:
            for start in range(0, len(x), 32):
                yield x[start:start + 32], target[start:start + 32]

    model = mlp(keras, classes=1, activation=None)
    run.same_start(model)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    # 2 steps per epoch over 3 batches a pass: each epoch continues the generator
    history = model.fit(batches(), steps_per_epoch=2, epochs=3, verbose=0)
    return {"history": history.history,
            "evaluate": model.evaluate(batches(), steps=3, verbose=0)}


# ----- 17. a keras.utils.PyDataset, for training, validation and prediction -------------
def py_dataset_input(keras, run):
    x, labels, _, _ = data()

    class Batches(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return -(-len(self.x) // self.batch_size)

        def __getitem__(self, index):
            part = slice(index * self.batch_size, (index + 1) * self.batch_size)
            return self.x[part], self.y[part]

    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(Batches(x[:64], labels[:64], 16), epochs=2, shuffle=False,
                        verbose=0, validation_data=Batches(x[64:], labels[64:], 16))
    return {"history": history.history,
            "predict": model.predict(Batches(x[:8], labels[:8], 3), verbose=0),
            "evaluate": model.evaluate(Batches(x, labels, 32), verbose=0,
                                       return_dict=True)}


# ----- 18. two outputs, checkpointed each epoch, reloaded, trained on ---------------------
def two_outputs_checkpoint_reload(keras, run):
    x, labels, _, target = data()
    inputs = keras.Input((8,))
    hidden = keras.layers.Dense(6, activation="relu")(inputs)
    model = keras.Model(inputs, [keras.layers.Dense(1, name="score")(hidden),
                                 keras.layers.Dense(3, activation="softmax",
                                                    name="group")(hidden)])
    run.same_start(model)
    model.compile(optimizer="adam",
                  loss={"score": "mse", "group": "sparse_categorical_crossentropy"},
                  loss_weights={"score": 1.0, "group": 0.5},
                  metrics={"group": ["accuracy"]})
    path = os.path.join(run.tmp, "two_{epoch}.keras")
    targets = {"score": target, "group": labels}
    model.fit(x, targets, batch_size=32, epochs=2, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.ModelCheckpoint(path)])
    restored = keras.models.load_model(os.path.join(run.tmp, "two_2.keras"))
    history = restored.fit(x, targets, batch_size=32, epochs=2, shuffle=False, verbose=0)
    return {"history": history.history, "files": sorted(os.listdir(run.tmp))}


# ----- 19. AUC, precision and recall by name and by object; regression metrics ----------
def confusion_and_regression_metrics(keras, run):
    keras.backend.clear_session()  # metric names restart: the second AUC() is "auc_1"
    x, labels, _, target = data()
    binary = (labels == 0).astype("float32")[:, None]  # (n, 1): the "bce" metric's shape
    model = mlp(keras, classes=1, activation="sigmoid")
    run.same_start(model)
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=["AUC", "precision", "recall", keras.metrics.AUC(),
                           keras.metrics.AUC(curve="PR", num_thresholds=50),
                           keras.metrics.Precision(thresholds=[0.3, 0.7]), "bce"])
    first = model.fit(x, binary, batch_size=16, epochs=3, validation_split=0.25,
                      shuffle=False, verbose=0)
    regressor = mlp(keras, classes=1, activation=None)
    run.same_start(regressor)
    regressor.compile(optimizer="sgd", loss="mse",
                      metrics=["mape", "msle", keras.metrics.RootMeanSquaredError(),
                               "log_cosh_error", "cosine_similarity"])
    second = regressor.fit(x, target, batch_size=32, epochs=2, shuffle=False, verbose=0)
    return {"binary": first.history, "regression": second.history,
            "evaluate": model.evaluate(x, binary, verbose=0, return_dict=True)}


# ----- 20. moving averages of the weights: use_ema, SwapEMAWeights, a checkpoint ----------
def ema_weights_checkpointed(keras, run):
    x, labels, _, _ = data()
    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.Adam(0.05, use_ema=True, ema_momentum=0.8),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    path = os.path.join(run.tmp, "ema_{epoch}.weights.h5")
    history = model.fit(x, labels, batch_size=16, epochs=3, validation_split=0.25,
                        shuffle=False, verbose=0,
                        callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch=True),
                                   keras.callbacks.ModelCheckpoint(
                                       path, save_weights_only=True)])
    saved = mlp(keras)
    saved.load_weights(os.path.join(run.tmp, "ema_2.weights.h5"))
    return {"history": history.history, "files": sorted(os.listdir(run.tmp)),
            "weights": model.get_weights(), "saved_epoch_2": saved.get_weights(),
            "evaluate": model.evaluate(x, labels, verbose=0, return_dict=True)}


# ----- 21. small batches, accumulated gradients, weight decay on any optimizer ------------
def gradient_accumulation(keras, run):
    x, _, one_hot, _ = data()
    model = mlp(keras)
    run.same_start(model)
    optimizer = keras.optimizers.RMSprop(0.01, momentum=0.5, weight_decay=0.2,
                                         gradient_accumulation_steps=3)
    optimizer.exclude_from_weight_decay(var_names=["bias"])
    model.compile(optimizer=optimizer, loss="categorical_crossentropy",
                  metrics=["categorical_accuracy"])
    history = model.fit(x, one_hot, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return {"history": history.history, "updates": int(np.asarray(optimizer.iterations)),
            "weights": model.get_weights()}


# ----- 22. learning-rate schedules: polynomial, inverse time, cosine with restarts --------
def more_schedules(keras, run):
    x, _, _, target = data()
    schedules = keras.optimizers.schedules
    results = {}
    for name, schedule in (
            ("polynomial", schedules.PolynomialDecay(0.05, 4, end_learning_rate=0.005,
                                                     power=2.0, cycle=True)),
            ("inverse_time", schedules.InverseTimeDecay(0.05, 3, 0.5, staircase=True)),
            ("restarts", schedules.CosineDecayRestarts(0.05, 2, t_mul=2.0, m_mul=0.8))):
        model = mlp(keras, classes=1, activation=None)
        run.same_start(model)
        model.compile(optimizer=keras.optimizers.SGD(schedule, momentum=0.5), loss="mse")
        history = model.fit(x, target, batch_size=16, epochs=2, shuffle=False, verbose=0)
        rates = [float(np.asarray(schedule(step))) for step in range(12)]
        results[name] = {"history": history.history, "rates": rates,
                         "config": schedules.serialize(schedule)["config"]}
    return results


# ----- 23. segmentation-style outputs with IoU metrics ------------------------------------
def segmentation_iou(keras, run):
    keras.backend.clear_session()
    rng = np.random.default_rng(3)
    images = rng.normal(size=(48, 4, 4, 2)).astype("float32")
    masks = (images[..., 0] > 0).astype("int64") + (images[..., 1] > 1).astype("int64")
    inputs = keras.Input((4, 4, 2))
    hidden = keras.layers.Conv2D(6, 3, padding="same", activation="relu")(inputs)
    outputs = keras.layers.Conv2D(3, 1, activation="softmax")(hidden)
    model = keras.Model(inputs, outputs)
    run.same_start(model)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=[keras.metrics.MeanIoU(3, sparse_y_pred=False),
                           keras.metrics.IoU(3, [1, 2], sparse_y_pred=False, name="iou_12")])
    history = model.fit(images, masks, batch_size=16, epochs=3, validation_split=0.25,
                        shuffle=False, verbose=0)
    one_hot = np.eye(3, dtype="float32")[masks]
    onehot_model = keras.Model(inputs, outputs)
    onehot_model.compile(optimizer="sgd", loss="categorical_crossentropy",
                         metrics=[keras.metrics.OneHotMeanIoU(3),
                                  keras.metrics.OneHotIoU(3, [0])])
    binary = keras.Sequential([keras.Input((4, 4, 2)),
                               keras.layers.Conv2D(1, 1, activation="sigmoid")])
    run.same_start(binary)
    binary.compile(optimizer="adam", loss="binary_crossentropy",
                   metrics=[keras.metrics.BinaryIoU(threshold=0.4)])
    second = binary.fit(images, (masks > 0).astype("float32")[..., None], batch_size=16,
                        epochs=2, shuffle=False, verbose=0)
    return {"history": history.history, "binary": second.history,
            "one_hot": onehot_model.evaluate(images, one_hot, verbose=0, return_dict=True)}


# ----- 24. train_step / test_step through compute_loss, compute_metrics, the Keras 2 shims --
def compute_metrics_steps(keras, run):
    x, labels, _, _ = data()
    weights = np.where(labels == 2, 2.0, 1.0).astype("float32")
    tape_class = run.GradientTape

    class Classifier(keras.Model):
        def train_step(self, data):
            x, y, sample_weight = data
            with tape_class() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(x, y, y_pred, sample_weight)
            grads = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
            return self.compute_metrics(x, y, y_pred, sample_weight)

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compiled_loss(y, y_pred)  # Keras 2's names, deprecated shims
            self.compiled_metrics.update_state(y, y_pred)
            return {**self.get_metrics_result(), "shim_loss": loss}

    inputs = keras.Input((8,))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    model = Classifier(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    run.same_start(model)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], weighted_metrics=["sparse_categorical_accuracy"])
    history = model.fit(x, labels, sample_weight=weights, batch_size=16, epochs=2,
                        shuffle=False, verbose=0, validation_data=(x[:32], labels[:32]))
    return {"history": history.history,
            "evaluate": model.evaluate(x, labels, verbose=0, return_dict=True)}


# ----- 25. a sparse linear model: Ftrl with L1, correlation metrics -----------------------
def ftrl_regression_correlations(keras, run):
    x, _, _, target = data()
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, name="linear")])
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.Ftrl(0.2, l1_regularization_strength=0.05,
                                                  l2_regularization_strength=0.01),
                  loss="mse", metrics=[keras.metrics.PearsonCorrelation(axis=0),
                                       keras.metrics.ConcordanceCorrelation(axis=0)])
    history = model.fit(x, target, batch_size=16, epochs=3, validation_split=0.25,
                        shuffle=False, verbose=0)
    kernel = model.get_weights()[0]
    return {"history": history.history, "weights": model.get_weights(),
            "zeros": int(np.sum(kernel == 0.0))}


# ----- 26. text classification from scratch (keras.io): adapt, fit on indices, export ---
REVIEWS = ["A great movie, great fun!", "Terrible. A waste of time.", "Loved it: great cast",
           "Boring, boring, boring...", "Fun for the whole family", "Awful acting; awful plot",
           "Superb! Best film of the year", "Not good, not fun", "Café scenes are charming",
           "", "Dull 😴 and slow", "Brilliant écriture, great pace"]
REVIEW_LABELS = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1]


def text_classifier(keras, run):
    texts = np.array(REVIEWS, dtype=object)
    labels = np.array(REVIEW_LABELS, dtype="float32")
    vectorize = keras.layers.TextVectorization(max_tokens=40, output_sequence_length=6)
    vectorize.adapt(texts)
    sequences = np.asarray(vectorize(texts))
    model = keras.Sequential([keras.Input((6,), dtype="int64"),
                              keras.layers.Embedding(40, 8),
                              keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(1, activation="sigmoid")])
    run.same_start(model)
    # not Adam: tf.keras squares Embedding's sparse gradient row by row, so its second
    # moment is off wherever a batch repeats a token (models/test_text_model.py)
    model.compile(optimizer=keras.optimizers.SGD(0.5, momentum=0.9),
                  loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(sequences, labels, batch_size=4, epochs=4, shuffle=False, verbose=0)
    strings = keras.Input((1,), dtype="string")
    end_to_end = keras.Model(strings, model(vectorize(strings)))
    path = os.path.join(run.tmp, "text_classifier.keras")
    end_to_end.save(path)
    restored = keras.models.load_model(path)
    new = np.array(["great fun", "awful, boring film", "unseen words only"], dtype=object)
    return {"vocabulary": vectorize.get_vocabulary(), "sequences": sequences,
            "history": history.history, "predict": restored.predict(new, verbose=0)}


SCRIPTS = [sequential_classifier, functional_two_inputs, two_outputs_dicts,
           two_outputs_lists, subclassed_model, custom_train_step,
           custom_loss_and_metric_functions, loss_subclass_and_add_loss, callbacks_suite,
           learning_rate_control, save_load_continue, freeze_then_fine_tune,
           training_loop_from_scratch, weights_and_steps, metrics_by_name,
           generator_input, py_dataset_input, two_outputs_checkpoint_reload,
           confusion_and_regression_metrics, ema_weights_checkpointed, gradient_accumulation,
           more_schedules, segmentation_iou, compute_metrics_steps,
           ftrl_regression_correlations, text_classifier]
