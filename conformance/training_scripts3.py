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


SCRIPTS = [tracker_train_and_test_step, compute_loss_override, knowledge_distillation,
           wgan_critic_steps, functional_vae_add_loss, generators_weights_validation,
           py_dataset_dicts, dict_outputs_weighted_validation]
