"""A third set of users' training scripts, written fresh after keras.io's examples
("customizing what happens in fit", "knowledge distillation", "training & evaluation with
the built-in methods", "writing your own callbacks") and the arguments users pass most
that the first two sets (training_scripts.py) do not reach.

Same rules as training_scripts.py: a script is a function of the library (`keras`:
tf.keras or kerasmini) and `run` (`run.GradientTape`, `run.tmp`, `run.same_start`); its
text is the same for both libraries; it returns what a user would look at and
test_scripts3.py compares kerasmini's with tf.keras's.
"""
import contextlib
import csv
import io
import os
import re

import numpy as np

from conformance.training_scripts import data, mlp


# ----- 1. Keras 3 style: a subclassed model with its own train_step, test_step, trackers -
def tracker_train_and_test_step(keras, run):
    x, _, _, target = data()
    ops = keras.ops
    tape_class = run.GradientTape

    class Regressor(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = keras.layers.Dense(8, activation="relu")
            self.head = keras.layers.Dense(1)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")

        def call(self, inputs):
            return self.head(self.hidden(inputs))

        @property
        def metrics(self):
            # listed here, reset by fit/evaluate at each epoch's start
            return [self.loss_tracker, self.mae_metric]

        def train_step(self, data):
            x, y = data
            with tape_class() as tape:
                y_pred = self(x, training=True)
                loss = ops.mean(ops.square(y - y_pred))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
            self.loss_tracker.update_state(loss)
            self.mae_metric.update_state(y, y_pred)
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            self.loss_tracker.update_state(ops.mean(ops.square(y - y_pred)))
            self.mae_metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    model = Regressor()
    model(x[:1])
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))  # no loss: train_step computes it
    history = model.fit(x[:64], target[:64], batch_size=16, epochs=3, shuffle=False,
                        verbose=0, validation_data=(x[64:], target[64:]))
    return {"history": history.history,
            "evaluate": model.evaluate(x, target, verbose=0, return_dict=True),
            "metrics": [m.name for m in model.metrics],
            "weights": model.get_weights()}


# ----- 2. overriding compute_loss and compute_metrics, the built-in train_step kept ------
def compute_loss_override(keras, run):
    x, labels, _, _ = data()
    ops = keras.ops

    class Smoothed(keras.Model):
        """Adds a penalty on the outputs' mean square to the compiled loss."""

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                         training=True):
            loss = super().compute_loss(x=x, y=y, y_pred=y_pred,
                                        sample_weight=sample_weight, training=training)
            return loss + 0.1 * ops.mean(ops.square(y_pred))

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            results = super().compute_metrics(x, y, y_pred, sample_weight)
            return {**results, "mean_top": ops.mean(ops.max(y_pred, axis=-1))}

    inputs = keras.Input((8,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    model = Smoothed(inputs, keras.layers.Dense(3, activation="softmax")(hidden))
    run.same_start(model)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, labels, batch_size=32, epochs=3, validation_split=0.25,
                        shuffle=False, verbose=0)
    return {"history": history.history,
            "evaluate": model.evaluate(x, labels, verbose=0, return_dict=True),
            "weights": model.get_weights()}


# ----- 3. keras.io's knowledge distillation: compile with custom arguments ---------------
def knowledge_distillation(keras, run):
    x, labels, _, _ = data()
    ops = keras.ops

    class Distiller(keras.Model):
        def __init__(self, student, teacher):
            super().__init__()
            self.teacher = teacher
            self.student = student

        def compile(self, optimizer, metrics, student_loss_fn, distillation_loss_fn,
                    alpha=0.1, temperature=3):
            super().compile(optimizer=optimizer, metrics=metrics)
            self.student_loss_fn = student_loss_fn
            self.distillation_loss_fn = distillation_loss_fn
            self.alpha = alpha
            self.temperature = temperature

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                         allow_empty=False):
            teacher_pred = self.teacher(x, training=False)
            student_loss = self.student_loss_fn(y, y_pred)
            distillation_loss = self.distillation_loss_fn(
                ops.softmax(teacher_pred / self.temperature, axis=1),
                ops.softmax(y_pred / self.temperature, axis=1)) * self.temperature ** 2
            return self.alpha * student_loss + (1 - self.alpha) * distillation_loss

        def call(self, x):
            return self.student(x)

    teacher = mlp(keras, activation=None, name="teacher")
    run.same_start(teacher, seed=3)
    teacher.compile(optimizer=keras.optimizers.Adam(),
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                    metrics=[keras.metrics.SparseCategoricalAccuracy()])
    teacher.fit(x, labels, epochs=2, batch_size=32, shuffle=False, verbose=0)
    student = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)], name="student")
    run.same_start(student, seed=4)
    distiller = Distiller(student=student, teacher=teacher)
    distiller.compile(optimizer=keras.optimizers.Adam(0.01),
                      metrics=[keras.metrics.SparseCategoricalAccuracy()],
                      student_loss_fn=keras.losses.SparseCategoricalCrossentropy(
                          from_logits=True),
                      distillation_loss_fn=keras.losses.KLDivergence(),
                      alpha=0.1, temperature=10)
    history = distiller.fit(x, labels, epochs=3, batch_size=16, shuffle=False, verbose=0)
    return {"history": history.history,
            "evaluate": distiller.evaluate(x, labels, verbose=0, return_dict=True),
            "student": student.get_weights(), "teacher": teacher.get_weights()}


# ----- 4. a WGAN-style step: two optimizers, several critic steps, clipped weights -------
def wgan_critic_steps(keras, run):
    ops = keras.ops
    tape_class = run.GradientTape
    rng = np.random.default_rng(9)
    real = rng.normal(1.0, 0.5, size=(32, 4)).astype("float32")

    class WGAN(keras.Model):
        def __init__(self, critic, generator, critic_steps=2, clip=0.05):
            super().__init__()
            self.critic, self.generator = critic, generator
            self.critic_steps, self.clip = critic_steps, clip
            self.c_tracker = keras.metrics.Mean(name="c_loss")
            self.g_tracker = keras.metrics.Mean(name="g_loss")

        @property
        def metrics(self):
            return [self.c_tracker, self.g_tracker]

        def compile(self, c_optimizer, g_optimizer):
            super().compile()
            self.c_optimizer, self.g_optimizer = c_optimizer, g_optimizer

        def train_step(self, real_images):
            latent = real_images[:, :2] - 1.0  # deterministic "noise": comparable runs
            for _ in range(self.critic_steps):
                with tape_class() as tape:
                    fake = self.generator(latent, training=True)
                    c_loss = (ops.mean(self.critic(fake, training=True))
                              - ops.mean(self.critic(real_images, training=True)))
                grads = tape.gradient(c_loss, self.critic.trainable_weights)
                self.c_optimizer.apply_gradients(zip(grads, self.critic.trainable_weights))
                for weight in self.critic.trainable_weights:
                    weight.assign(ops.clip(weight, -self.clip, self.clip))
            with tape_class() as tape:
                g_loss = -ops.mean(self.critic(self.generator(latent, training=True),
                                               training=True))
            grads = tape.gradient(g_loss, self.generator.trainable_weights)
            self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
            self.c_tracker.update_state(c_loss)
            self.g_tracker.update_state(g_loss)
            return {m.name: m.result() for m in self.metrics}

    critic = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, activation="relu"),
                               keras.layers.Dense(1)], name="critic")
    generator = keras.Sequential([keras.Input((2,)), keras.layers.Dense(4)], name="gen")
    run.same_start(critic)
    run.same_start(generator, seed=2)
    gan = WGAN(critic, generator)
    gan.compile(c_optimizer=keras.optimizers.RMSprop(5e-3),
                g_optimizer=keras.optimizers.RMSprop(5e-3))
    history = gan.fit(real, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return {"history": history.history, "critic": critic.get_weights(),
            "generator": generator.get_weights(),
            "iterations": [int(np.asarray(gan.c_optimizer.iterations)),
                           int(np.asarray(gan.g_optimizer.iterations))]}


# ----- 5. a functional VAE: add_loss from a layer inside the graph, plus a compiled loss -
def functional_vae_add_loss(keras, run):
    ops = keras.ops
    images = (np.abs(data(samples=48, features=6)[0]) / 3.0).clip(0, 1)

    class KLDivergenceLayer(keras.layers.Layer):
        """Passes z_mean through, adding the KL term of N(mean, exp(log_var))."""

        def __init__(self, weight=0.5, **kwargs):
            super().__init__(**kwargs)
            self.weight = weight

        def call(self, inputs):
            z_mean, z_log_var = inputs
            kl = -0.5 * ops.sum(1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var),
                                axis=-1)
            self.add_loss(self.weight * ops.mean(kl))
            return z_mean

    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(5, activation="relu")(inputs)
    z = KLDivergenceLayer(name="kl")([keras.layers.Dense(2, name="mean")(hidden),
                                      keras.layers.Dense(2, name="log_var")(hidden)])
    outputs = keras.layers.Dense(6, activation="sigmoid")(
        keras.layers.Dense(5, activation="relu")(z))
    vae = keras.Model(inputs, outputs)
    run.same_start(vae)
    vae.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy",
                metrics=["mse"])
    history = vae.fit(images, images, batch_size=16, epochs=3, validation_split=0.25,
                      shuffle=False, verbose=0)
    vae(images[:4])
    return {"history": history.history, "losses": len(vae.losses),
            "evaluate": vae.evaluate(images, images, verbose=0),
            "weights": vae.get_weights()}


# ----- 6. Python generators: sample weights, validation generator, validation_freq ------
def generators_weights_validation(keras, run):
    x, labels, _, _ = data()
    weights = np.where(labels == 0, 2.0, 1.0).astype("float32")

    def train_batches():
        while True:  # repeats: steps_per_epoch decides where an epoch ends
            for start in range(0, 64, 16):
                part = slice(start, start + 16)
                yield x[part], labels[part], weights[part]

    def val_batches():
        while True:
            for start in range(64, 96, 8):
                yield x[start:start + 8], labels[start:start + 8]

    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], weighted_metrics=["accuracy"])
    # a validation generator read once (validation_freq=[3]): tf.data's prefetching
    # decides which of its batches a second validation run would start from
    history = model.fit(train_batches(), steps_per_epoch=3, epochs=4,
                        validation_data=val_batches(), validation_steps=2,
                        validation_freq=[3], verbose=0)
    again = model.fit(x[:64], labels[:64], batch_size=16, epochs=6, initial_epoch=2,
                      validation_data=(x[64:], labels[64:], weights[64:]),
                      validation_freq=2, shuffle=False, verbose=0)
    return {"history": history.history, "epoch": history.epoch,
            "again": again.history, "again_epoch": again.epoch,
            "evaluate": model.evaluate(val_batches(), steps=4, verbose=0, return_dict=True),
            "predict": model.predict(((x[i:i + 5],) for i in range(0, 15, 5)), verbose=0)}


# ----- 7. a PyDataset with workers=1, dict inputs, reshuffled at each epoch's end -------
def py_dataset_dicts(keras, run):
    x, labels, _, target = data()

    class Pairs(keras.utils.PyDataset):
        def __init__(self, count, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.order = np.arange(count)
            self.batch_size = batch_size
            self.epochs_seen = 0

        def __len__(self):
            return int(np.ceil(len(self.order) / self.batch_size))

        def __getitem__(self, index):
            rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
            return ({"left": x[rows, :4], "right": x[rows, 4:]},
                    {"score": target[rows], "group": labels[rows]})

        def on_epoch_end(self):
            self.epochs_seen += 1
            self.order = np.roll(self.order, 5)  # a deterministic "shuffle"

    left, right = keras.Input((4,), name="left"), keras.Input((4,), name="right")
    hidden = keras.layers.Dense(8, activation="relu")(
        keras.layers.Concatenate()([left, right]))
    model = keras.Model({"left": left, "right": right},
                        {"score": keras.layers.Dense(1, name="score")(hidden),
                         "group": keras.layers.Dense(3, activation="softmax",
                                                     name="group")(hidden)})
    run.same_start(model)
    model.compile(optimizer="adam",
                  loss={"score": "mse", "group": "sparse_categorical_crossentropy"},
                  metrics={"group": ["accuracy"], "score": ["mae"]})
    dataset = Pairs(96, 20, workers=1, use_multiprocessing=False)
    history = model.fit(dataset, epochs=3, shuffle=False, verbose=0)
    predicted = model.predict(Pairs(10, 4), verbose=0)
    return {"history": history.history, "epochs_seen": dataset.epochs_seen,
            "predict": {key: predicted[key] for key in sorted(predicted)},
            "evaluate": model.evaluate(Pairs(96, 32), verbose=0, return_dict=True)}


# ----- 8. dict outputs, validation_data with sample weights, loss_weights dict -----------
def dict_outputs_weighted_validation(keras, run):
    x, labels, one_hot, target = data()
    inputs = keras.Input((8,), name="features")
    hidden = keras.layers.Dense(10, activation="relu")(inputs)
    model = keras.Model(inputs, {"price": keras.layers.Dense(1, name="price")(hidden),
                                 "kind": keras.layers.Dense(3, activation="softmax",
                                                            name="kind")(hidden)})
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.Adam(5e-3),
                  loss={"price": keras.losses.MeanAbsoluteError(),
                        "kind": keras.losses.CategoricalCrossentropy()},
                  loss_weights={"price": 2.0, "kind": 0.5},
                  metrics={"price": [keras.metrics.RootMeanSquaredError()],
                           "kind": ["accuracy", "categorical_crossentropy"]},
                  weighted_metrics={"kind": ["accuracy"]})
    weights = np.linspace(0.2, 2.0, 32).astype("float32")
    history = model.fit(x[:64], {"price": target[:64], "kind": one_hot[:64]},
                        batch_size=16, epochs=3, shuffle=False, verbose=0,
                        validation_data=(x[64:], {"price": target[64:],
                                                  "kind": one_hot[64:]}, weights))
    return {"history": history.history, "metrics_names": model.metrics_names,
            "evaluate": model.evaluate(x, {"price": target, "kind": one_hot}, verbose=0,
                                       return_dict=True)}



# ----- 9. EarlyStopping: restore_best_weights, start_from_epoch, baseline ---------------
def early_stopping_variants(keras, run):
    x, labels, _, _ = data()
    results = {}
    for name, stopper in (
            ("restore", keras.callbacks.EarlyStopping(monitor="val_loss", patience=1,
                                                      restore_best_weights=True)),
            ("start_late", keras.callbacks.EarlyStopping(monitor="loss", patience=0,
                                                         min_delta=10.0,
                                                         start_from_epoch=3)),
            ("baseline", keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max",
                                                       baseline=0.99, patience=2,
                                                       restore_best_weights=True))):
        model = mlp(keras)
        run.same_start(model)
        model.compile(optimizer=keras.optimizers.Adam(0.2),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, labels, batch_size=16, epochs=8, validation_split=0.25,
                            shuffle=False, verbose=0, callbacks=[stopper])
        results[name] = {"history": history.history, "epoch": history.epoch,
                         "stopped_epoch": stopper.stopped_epoch,
                         "weights": model.get_weights()}
    return results


# ----- 10. ReduceLROnPlateau with min_delta, cooldown and min_lr ------------------------
def reduce_lr_cooldown(keras, run):
    x, _, _, target = data()
    model = mlp(keras, classes=1, activation=None)
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    rates = []

    class LearningRateLog(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            rates.append(float(np.asarray(self.model.optimizer.learning_rate)))

    reduce = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1,
                                               min_delta=0.05, cooldown=2, min_lr=0.01)
    history = model.fit(x, target, batch_size=32, epochs=9, shuffle=False, verbose=0,
                        callbacks=[reduce, LearningRateLog()])
    return {"history": history.history, "rates": rates, "weights": model.get_weights()}


# ----- 11. ModelCheckpoint: formatted names, best only, weights only, save_freq in batches
def checkpoint_names_and_frequency(keras, run):
    x, labels, _, _ = data()
    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.Adam(0.05),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    best = keras.callbacks.ModelCheckpoint(
        os.path.join(run.tmp, "best-{epoch:02d}-{val_loss:.2f}.keras"),
        monitor="val_loss", save_best_only=True)
    weights = keras.callbacks.ModelCheckpoint(
        os.path.join(run.tmp, "w-{epoch}.weights.h5"), save_weights_only=True,
        save_freq=5)
    latest = keras.callbacks.ModelCheckpoint(
        os.path.join(run.tmp, "latest.weights.h5"), save_weights_only=True,
        monitor="val_accuracy", mode="max", save_best_only=True)
    history = model.fit(x, labels, batch_size=16, epochs=4, validation_split=0.25,
                        shuffle=False, verbose=0, callbacks=[best, weights, latest])
    files = sorted(os.listdir(run.tmp))
    restored = keras.models.load_model(os.path.join(run.tmp, [
        f for f in files if f.startswith("best-")][-1]))
    twin = mlp(keras)
    twin.load_weights(os.path.join(run.tmp, "latest.weights.h5"))
    return {"history": history.history, "files": files, "best": best.best,
            "restored": restored.predict(x[:4], verbose=0),
            "twin": twin.predict(x[:4], verbose=0)}


# ----- 12. BackupAndRestore: an interrupted fit run again resumes --------------------
def backup_and_restore_resume(keras, run):
    x, labels, _, _ = data()
    backup_dir = os.path.join(run.tmp, "backup")

    class InterruptAt(keras.callbacks.Callback):
        def __init__(self, epoch):
            super().__init__()
            self.epoch = epoch

        def on_epoch_begin(self, epoch, logs=None):
            if epoch == self.epoch:
                raise RuntimeError("Interrupting!")

    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.Adam(0.05),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    try:
        model.fit(x, labels, batch_size=32, epochs=5, shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.BackupAndRestore(backup_dir), InterruptAt(2)])
        interrupted = False
    except RuntimeError as error:
        interrupted = str(error)
    saved = sorted(os.listdir(backup_dir))
    fresh = mlp(keras)
    run.same_start(fresh, seed=99)  # other weights: the backup must replace them
    fresh.compile(optimizer=keras.optimizers.Adam(0.05),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = fresh.fit(x, labels, batch_size=32, epochs=5, shuffle=False, verbose=0,
                        callbacks=[keras.callbacks.BackupAndRestore(backup_dir)])
    return {"interrupted": interrupted, "saved": saved, "history": history.history,
            "epoch": history.epoch, "left": os.path.exists(backup_dir),
            "iterations": int(np.asarray(fresh.optimizer.iterations)),
            "weights": fresh.get_weights()}


# ----- 13. CSVLogger(append), LearningRateScheduler(epoch, lr), TerminateOnNaN ---------
def logger_scheduler_nan(keras, run):
    x, _, _, target = data()
    path = os.path.join(run.tmp, "training.log")
    model = mlp(keras, classes=1, activation=None)
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])

    def halve_after_two(epoch, lr):
        return lr if epoch < 2 else lr * 0.5

    for epochs, initial in ((2, 0), (4, 2)):
        model.fit(x, target, batch_size=32, epochs=epochs, initial_epoch=initial,
                  shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.CSVLogger(path, separator=";", append=True),
                             keras.callbacks.LearningRateScheduler(halve_after_two)])
    with open(path) as f:
        lines = f.read().splitlines()
    rows = [line.split(";") for line in lines]
    exploding = mlp(keras, classes=1, activation=None)
    run.same_start(exploding)
    exploding.compile(optimizer=keras.optimizers.SGD(1e6), loss="mse")
    nan = exploding.fit(x, target * 1e3, batch_size=8, epochs=3, shuffle=False, verbose=0,
                        callbacks=[keras.callbacks.TerminateOnNaN()])
    return {"header": rows[0], "epochs": [row[0] for row in rows[1:]],
            "values": [[v if v == "NA" else float(v) for v in row[1:]]
                       for row in rows[1:] if row[0] != "epoch"],
            "lr": float(np.asarray(model.optimizer.learning_rate)),
            "nan_epochs": nan.epoch, "nan_keys": sorted(nan.history),
            "nan_loss_is_nan": [bool(np.isnan(v)) for v in nan.history["loss"]]}


# ----- 14. a callback that records `logs` at every hook ----------------------------------
def logs_at_every_hook(keras, run):
    x, labels, _, _ = data(samples=40)
    seen = []

    class Spy(keras.callbacks.Callback):
        def _log(self, hook, index=None, logs=None):
            seen.append((hook, index, None if logs is None else sorted(logs)))

        def on_train_begin(self, logs=None):
            self._log("train_begin", None, logs)

        def on_epoch_begin(self, epoch, logs=None):
            self._log("epoch_begin", epoch, logs)

        def on_train_batch_begin(self, batch, logs=None):
            self._log("train_batch_begin", batch, logs)

        def on_train_batch_end(self, batch, logs=None):
            self._log("train_batch_end", batch, logs)

        def on_test_begin(self, logs=None):
            self._log("test_begin", None, logs)

        def on_test_batch_end(self, batch, logs=None):
            self._log("test_batch_end", batch, logs)

        def on_test_end(self, logs=None):
            self._log("test_end", None, logs)

        def on_epoch_end(self, epoch, logs=None):
            self._log("epoch_end", epoch, logs)

        def on_train_end(self, logs=None):
            self._log("train_end", None, logs)

        def on_predict_begin(self, logs=None):
            self._log("predict_begin", None, logs)

    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    spy = Spy()
    model.fit(x, labels, batch_size=16, epochs=2, validation_split=0.2, shuffle=False,
              verbose=0, callbacks=[spy])
    fit_hooks = list(seen)
    seen.clear()
    model.evaluate(x, labels, batch_size=20, verbose=0, callbacks=[spy])
    return {"fit": fit_hooks, "evaluate": list(seen), "params": {
        key: spy.params[key] for key in ("epochs", "steps", "verbose")},
        "has_model": spy.model is model}


# ----- 15. the optimizers used less often ------------------------------------------------
def rare_optimizers(keras, run):
    x, labels, _, _ = data()
    results = {}
    for name, optimizer in (
            ("lion", keras.optimizers.Lion(learning_rate=3e-3, beta_1=0.95)),
            ("adafactor", keras.optimizers.Adafactor(learning_rate=0.05)),
            ("adadelta", keras.optimizers.Adadelta(learning_rate=1.0, rho=0.9)),
            ("adamax", keras.optimizers.Adamax(learning_rate=0.02)),
            ("lamb", keras.optimizers.Lamb(learning_rate=0.01, weight_decay=0.01)),
            ("nadam", keras.optimizers.Nadam(learning_rate=0.01, clipnorm=0.5))):
        model = mlp(keras)
        run.same_start(model)
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        history = model.fit(x, labels, batch_size=32, epochs=2, shuffle=False, verbose=0)
        results[name] = {"history": history.history, "weights": model.get_weights(),
                         "variables": len(optimizer.variables)}
    return results


# ----- 16. schedules with warmup, EMA, loss_scale_factor, weight decay exclusions ------
def optimizer_options(keras, run):
    x, labels, _, target = data()
    results = {}
    warmup = keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=6, alpha=0.1, warmup_target=0.05, warmup_steps=3)
    adamw = keras.optimizers.AdamW(learning_rate=warmup, weight_decay=0.1,
                                   use_ema=True, ema_momentum=0.9,
                                   ema_overwrite_frequency=4, loss_scale_factor=8.0)
    adamw.exclude_from_weight_decay(var_names=["bias"])
    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer=adamw, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, labels, batch_size=16, epochs=2, shuffle=False, verbose=0)
    results["adamw"] = {"history": history.history, "weights": model.get_weights(),
                        "rates": [float(np.asarray(warmup(s))) for s in range(10)]}
    seen = []

    class SlowDown(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                self.model.optimizer.learning_rate = 0.01
            seen.append(float(np.asarray(self.model.optimizer.learning_rate)))

    regressor = mlp(keras, classes=1, activation=None)
    run.same_start(regressor)
    regressor.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
                      loss="mse")
    second = regressor.fit(x, target, batch_size=32, epochs=3, shuffle=False, verbose=0,
                           callbacks=[SlowDown()])
    results["sgd"] = {"history": second.history, "seen": seen,
                      "weights": regressor.get_weights()}
    return results


# ----- 17. the losses used less often ------------------------------------------------
def rare_losses(keras, run):
    x, labels, one_hot, target = data()
    losses = keras.losses
    results = {}
    for name, loss, activation, y in (
            ("tversky", losses.Tversky(alpha=0.3, beta=0.7), "softmax", one_hot),
            ("dice", losses.Dice(), "softmax", one_hot),
            ("focal", losses.CategoricalFocalCrossentropy(alpha=0.5, gamma=2.0),
             "softmax", one_hot),
            ("poisson", "poisson", "softplus", one_hot + 0.5),
            ("log_cosh", losses.LogCosh(), None, np.repeat(target, 3, axis=1)),
            ("cosine", losses.CosineSimilarity(axis=-1), None, one_hot),
            ("hinge", "hinge", "tanh", one_hot),
            ("squared_hinge", losses.SquaredHinge(), "tanh", 2 * one_hot - 1),
            ("categorical_hinge", losses.CategoricalHinge(), None, one_hot)):
        model = mlp(keras, activation=activation)
        run.same_start(model)
        model.compile(optimizer=keras.optimizers.Adam(0.02), loss=loss)
        history = model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        results[name] = {"history": history.history,
                         "evaluate": model.evaluate(x, y, verbose=0)}
    return results


# ----- 18. the metrics used less often; one metric object in two models ----------------
def rare_metrics(keras, run):
    keras.backend.clear_session()
    x, labels, one_hot, target = data()
    metrics = keras.metrics
    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="categorical_crossentropy",
                  metrics=[metrics.AUC(curve="PR", multi_label=True, num_thresholds=20),
                           metrics.F1Score(average="macro", threshold=0.4),
                           metrics.Precision(top_k=2, name="p_top2"),
                           metrics.Recall(thresholds=[0.3, 0.6], name="r_two"),
                           metrics.OneHotMeanIoU(3)])
    first = model.fit(x, one_hot, batch_size=32, epochs=2, validation_split=0.25,
                      shuffle=False, verbose=0)
    shared = metrics.R2Score(name="r2")
    scores = {}
    for seed in (1, 2):
        regressor = mlp(keras, classes=1, activation=None)
        run.same_start(regressor, seed=seed)
        regressor.compile(optimizer="sgd", loss="mse", metrics=[shared, "mae"])
        history = regressor.fit(x, target, batch_size=32, epochs=2, shuffle=False,
                                verbose=0)
        scores[seed] = {"history": history.history,
                        "after": float(np.asarray(shared.result()))}
    return {"classifier": first.history, "regressors": scores}


# ----- 19. custom losses: functions, Loss subclasses with reductions, sample weights ---
def custom_loss_reductions(keras, run):
    x, _, _, target = data()
    ops = keras.ops
    weights = np.linspace(0.0, 2.0, len(x)).astype("float32")

    def quartic(y_true, y_pred):
        return ops.mean(ops.square(ops.square(y_true - y_pred)), axis=-1)

    class ScaledAbsolute(keras.losses.Loss):
        def __init__(self, scale=2.0, reduction="sum_over_batch_size", name="scaled"):
            super().__init__(reduction=reduction, name=name)
            self.scale = scale

        def call(self, y_true, y_pred):
            return self.scale * ops.mean(ops.abs(y_true - y_pred), axis=-1)

    results = {}
    for name, loss in (("function", quartic),
                       ("sum", ScaledAbsolute(reduction="sum")),
                       ("weighted_mean", ScaledAbsolute(reduction="mean_with_sample_weight")),
                       ("batch_mean", ScaledAbsolute())):
        model = mlp(keras, classes=1, activation=None)
        run.same_start(model)
        model.compile(optimizer=keras.optimizers.SGD(0.01), loss=loss, metrics=["mse"])
        history = model.fit(x, target, sample_weight=weights, batch_size=32, epochs=2,
                            shuffle=False, verbose=0)
        results[name] = {"history": history.history, "weights": model.get_weights()}
    direct = ScaledAbsolute(reduction=None)(target[:4], target[:4] + 1.0)
    return {**results, "direct": np.asarray(direct)}


# ----- 20. evaluate / predict details, metrics API, jit_compile, steps_per_execution -----
def evaluate_predict_details(keras, run):
    x, labels, _, _ = data(samples=50)
    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], jit_compile=False, steps_per_execution=2)
    names_before = model.metrics_names
    history = model.fit(x, labels, batch_size=8, epochs=2, shuffle=False, verbose=0)
    result = model.get_metrics_result()
    model.reset_metrics()
    reset = model.get_metrics_result()
    return {"history": history.history, "names_before": names_before,
            "names_after": model.metrics_names, "result": result, "reset": reset,
            "evaluate": model.evaluate(x, labels, batch_size=7, verbose=0),
            "evaluate_dict": model.evaluate(x, labels, batch_size=7, return_dict=True,
                                            verbose=0),
            "predict_7": model.predict(x, batch_size=7, verbose=0),
            "predict_steps": model.predict(x, batch_size=16, steps=2, verbose=0).shape,
            "on_batch": model.predict_on_batch(x[:3])}


# ----- 21. what verbose=1 and verbose=2 print: the lines' structure ---------------------
def _structure(text):
    """The printed lines with numbers and timings blanked (their values are compared
    elsewhere), progress-bar redraws (carriage returns) split into lines."""
    lines = [line.rstrip() for line in re.split(r"[\r\n]+", text) if line.strip()]
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in lines]
    lines = [re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?(ms|us|s)?", "#", line) for line in lines]
    return [re.sub(r"[━─=.>]+", "~", line) for line in lines]


def verbose_output(keras, run):
    x, labels, _, _ = data(samples=40)
    model = mlp(keras)
    run.same_start(model)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    printed = {}
    for name, call in (
            ("fit_2", lambda: model.fit(x, labels, batch_size=16, epochs=2, verbose=2,
                                        validation_split=0.2, shuffle=False)),
            ("evaluate_2", lambda: model.evaluate(x, labels, verbose=2)),
            ("predict_2", lambda: model.predict(x, verbose=2)),
            ("fit_1", lambda: model.fit(x, labels, batch_size=16, epochs=1, verbose=1,
                                        shuffle=False)),
            ("evaluate_1", lambda: model.evaluate(x, labels, batch_size=32, verbose=1))):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            call()
        printed[name] = _structure(buffer.getvalue())
    # verbose=1 to a file or pipe: tf.keras redraws its bar there with backspaces, one
    # line per step; kerasmini writes the last state only (no flood in CI logs)
    for name in ("fit_1", "evaluate_1"):
        printed[name] = printed[name][-1].replace("\b", "")
    return printed




# ----- 22. sequences: temporal (2-D) sample weights; class_weight with one-hot targets --
def temporal_and_class_weights(keras, run):
    rng = np.random.default_rng(4)
    sequences = rng.normal(size=(24, 5, 3)).astype("float32")
    targets = sequences.sum(axis=-1, keepdims=True).astype("float32")
    mask = (rng.uniform(size=(24, 5)) > 0.3).astype("float32")  # per step
    model = keras.Sequential([keras.Input((5, 3)), keras.layers.Dense(4, activation="tanh"),
                              keras.layers.Dense(1)])
    run.same_start(model)
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse",
                  weighted_metrics=["mae"])
    temporal = model.fit(sequences, targets, sample_weight=mask, batch_size=8, epochs=2,
                         shuffle=False, verbose=0)
    x, labels, one_hot, _ = data()
    classifier = mlp(keras)
    run.same_start(classifier)
    classifier.compile(optimizer="adam", loss="categorical_crossentropy",
                       metrics=["accuracy"], weighted_metrics=["categorical_accuracy"])
    by_class = classifier.fit(x, one_hot, class_weight={0: 0.5, 1: 1.0, 2: 3.0},
                              batch_size=16, epochs=2, shuffle=False, verbose=0)
    return {"temporal": temporal.history, "by_class": by_class.history,
            "evaluate": model.evaluate(sequences, targets, sample_weight=mask, verbose=0),
            "weights": classifier.get_weights()}


# ----- 23. list outputs: loss list, loss_weights list, metrics=[[...], [...]] ------------
def list_outputs_metric_lists(keras, run):
    x, labels, one_hot, target = data()
    inputs = keras.Input((8,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    model = keras.Model(inputs, [keras.layers.Dense(1, name="value")(hidden),
                                 keras.layers.Dense(3, activation="softmax",
                                                    name="label")(hidden)])
    run.same_start(model)
    model.compile(optimizer="rmsprop",
                  loss=[keras.losses.Huber(delta=0.5), "sparse_categorical_crossentropy"],
                  loss_weights=[2.0, 0.5],
                  metrics=[["mae", keras.metrics.MeanSquaredError(name="mse")],
                           ["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)]],
                  weighted_metrics=[[], ["accuracy"]])
    weights = np.where(labels == 0, 3.0, 1.0).astype("float32")
    history = model.fit(x, [target, labels], sample_weight=weights, batch_size=24,
                        epochs=2, validation_split=0.25, shuffle=False, verbose=0)
    value, label = model.predict(x[:3], verbose=0)
    return {"history": history.history, "predict": [value, label],
            "evaluate": model.evaluate(x, [target, labels], verbose=0, return_dict=True)}


# ----- 24. what users get wrong: the errors both libraries raise -------------------------
def error_recorder(errors):
    """attempt(name, call): errors[name] = the class name of what call() raises (as a
    user's except clause sees it), or None."""
    def attempt(name, call):
        try:
            call()
            errors[name] = None
        except Exception as error:
            errors[name] = type(error).__name__
    return attempt


def user_errors(keras, run):
    x, labels, one_hot, _ = data(samples=16)
    model = mlp(keras)
    run.same_start(model)
    errors = {}
    attempt = error_recorder(errors)

    attempt("fit_before_compile", lambda: model.fit(x, labels, verbose=0))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    attempt("unknown_optimizer", lambda: model.compile(optimizer="adamz", loss="mse"))
    other = mlp(keras)
    # tf.keras raises when fit first uses the loss, kerasmini already in compile: both
    # before any weight changes
    attempt("unknown_loss", lambda: (other.compile(optimizer="adam", loss="msez"),
                                     other.fit(x, labels, verbose=0)))
    attempt("generator_with_y", lambda: model.fit(iter([(x, labels)]), labels, verbose=0))
    attempt("checkpoint_suffix", lambda: keras.callbacks.ModelCheckpoint(
        os.path.join(run.tmp, "model.h6")))
    attempt("bad_save_freq", lambda: keras.callbacks.ModelCheckpoint(
        os.path.join(run.tmp, "m.keras"), save_freq="batch"))
    attempt("class_and_sample_weight", lambda: model.train_on_batch(
        x, labels, sample_weight=np.ones(16), class_weight={0: 1.0}))
    return {"errors": errors, "weights": model.get_weights()}


SCRIPTS = [tracker_train_and_test_step, compute_loss_override, knowledge_distillation,
           wgan_critic_steps, functional_vae_add_loss, generators_weights_validation,
           py_dataset_dicts, dict_outputs_weighted_validation, early_stopping_variants,
           reduce_lr_cooldown, checkpoint_names_and_frequency, backup_and_restore_resume,
           logger_scheduler_nan, logs_at_every_hook, rare_optimizers, optimizer_options,
           rare_losses, rare_metrics, custom_loss_reductions, evaluate_predict_details,
           verbose_output, temporal_and_class_weights, list_outputs_metric_lists,
           user_errors]
