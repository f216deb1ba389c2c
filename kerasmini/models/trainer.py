"""Trainer: compile / fit / evaluate / train_on_batch / test_on_batch, as Keras 3's.

One training step (fit, train_on_batch, and any custom loop are the same path):

    with GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = compiled_loss(y, y_pred, sample_weight) + sum(model.losses)
    grads = tape.gradient(loss, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))

Everything about the data is checked before the first step (shapes against the model's
output, sparse labels against the number of classes, argument values), so bad input
raises before any weight changes. A step runs to its end even if Ctrl-C arrives during it
(the KeyboardInterrupt is raised right after), so an interrupted fit leaves the weights
of the last completed step; an exception in a callback happens between steps anyway.
"""
import contextlib
import functools
import inspect
import itertools
import math
import _signal
import threading
import warnings

import numpy as np

import kerasmini  # its losses, metrics, optimizers, callbacks load at compile / fit
from kerasmini.models import batches as data
from kerasmini.models import epoch_batches
from kerasmini.utils.rng_utils import numpy_generator
from kerasmini.object_configs import deserialize, serialize_keras_object
from kerasmini.object_registration import check_locatable
from kerasmini.autodiff import GradientTape
from kerasmini.layers.layer import state_kept


def _compile_outputs():
    """models/compile_outputs.py, imported at compile time: it imports the losses and
    metrics, which a model that only predicts never needs."""
    from kerasmini.models import compile_outputs
    return compile_outputs


class Trainer:
    """Mixed into Model: the training half of Keras's Model API."""

    compiled = False
    optimizer = None
    loss = None
    stop_training = False
    _stepped_weights = None
    history = None
    _targets_checked = None

    # ----- compile -----------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Choose the optimizer, the loss and the metrics (by object or Keras name)."""
        steps_per_execution = _positive_int(steps_per_execution, "steps_per_execution")
        if jit_compile is True:
            raise NotImplementedError("kerasmini runs NumPy kernels and cannot compile them "
                                      "with XLA. Received: jit_compile=True")
        optimizer = kerasmini.optimizers.get(optimizer)
        names = self._output_names()
        if loss is not None and (len(names) > 1 or loss_weights is not None):
            compiled_loss = _compile_outputs().OutputLosses(loss, loss_weights, names)
            metric_lists = tuple(
                _compile_outputs().per_output(m, names, argument) if len(names) > 1 and m
                else [_as_list(m, argument)]  # one output: all its metrics
                for m, argument in ((metrics, "metrics"),
                                    (weighted_metrics, "weighted_metrics")))
            for entry in metric_lists[0] + metric_lists[1]:
                for identifier in _compile_outputs().as_entries(entry):
                    _check_metric(identifier)
        else:
            loss = _single_output(loss, "loss")
            compiled_loss = _compiled_loss(loss)
            metric_lists = (list(_single_output(_as_list(metrics, "metrics"), "metrics")),
                            list(_single_output(_as_list(weighted_metrics,
                                                         "weighted_metrics"),
                                                "weighted_metrics")))
            for identifier in metric_lists[0] + metric_lists[1]:
                _check_metric(identifier)
        self._compiled_optimizer = optimizer  # what compile_config records, as Keras
        if auto_scale_loss and self.dtype_policy.name == "mixed_float16" and not \
                isinstance(optimizer, kerasmini.optimizers.LossScaleOptimizer):
            optimizer = kerasmini.optimizers.LossScaleOptimizer(
                optimizer, name="loss_scale_optimizer")
        self.optimizer = optimizer
        self.loss = loss
        self._loss_weights = loss_weights
        self._compiled_loss = compiled_loss
        self._metric_identifiers = metric_lists
        self._metric_arguments = (metrics, weighted_metrics)
        self._compiled_metrics = None  # built at the first batch, from the shapes
        self._targets_checked = None  # (shapes, label classes) that _check_targets passed
        self._loss_tracker = kerasmini.metrics.Mean(name="loss")
        self.run_eagerly = run_eagerly
        self._stepped_weights = None  # fixed at the first training step (see below)
        self.steps_per_execution = steps_per_execution
        self.compiled = True
        self.stop_training = False

    def get_compile_config(self):
        """compile()'s arguments as Keras 3 writes them into a `.keras` file."""
        if not self.compiled:
            return None
        plain, weighted = self._metric_identifiers
        if self._multi_output():  # as given: a list per output or a dict, as Keras
            plain, weighted = self._metric_arguments
        return {"optimizer": kerasmini.optimizers.serialize(self._compiled_optimizer),
                "loss": _serialize_loss(self.loss), "loss_weights": self._loss_weights,
                "metrics": _serialize_metrics(plain) or None,
                "weighted_metrics": _serialize_metrics(weighted) or None,
                "run_eagerly": bool(self.run_eagerly),
                "steps_per_execution": self.steps_per_execution,
                "jit_compile": False}

    def compile_from_config(self, config):
        """compile() from a file's compile_config (optimizer, loss, metrics by name or
        config; nothing in it is executed)."""
        config = _checked_compile_config(config)
        check_locatable(config, _is_builtin_function)
        self.compile(optimizer=kerasmini.optimizers.deserialize(config.get("optimizer",
                                                                         "rmsprop")),
                     loss=_deserialize_loss(config.get("loss")),
                     loss_weights=config.get("loss_weights"),
                     metrics=_deserialize_metrics(config.get("metrics")),
                     weighted_metrics=_deserialize_metrics(config.get("weighted_metrics")),
                     run_eagerly=config.get("run_eagerly", False),
                     steps_per_execution=config.get("steps_per_execution", 1))

    @property
    def metrics(self):
        """Keras's order: the loss, the compiled metrics, each output's loss."""
        tracker = [self._loss_tracker] if self.compiled else []
        return tracker + list(self._compiled_metrics or []) + self._output_loss_trackers()

    def _output_loss_trackers(self):
        return list(getattr(self._compiled_loss, "trackers", None) or [])

    def _multi_output(self):
        return isinstance(self._compiled_loss, _compile_outputs().OutputLosses)

    def _output_names(self):
        """The names the outputs are known by in loss / metrics dicts: a functional
        model's output layers (or its output dict's keys), else the last layer."""
        outputs = getattr(self, "_outputs_struct", None)
        if isinstance(outputs, dict):
            return sorted(outputs)  # Keras's order for a dict's outputs
        if outputs is not None:
            return [t._keras_history.operation.name for t in data.flatten(outputs)]
        layers = self.layers
        return [layers[-1].name if layers else "output_0"]

    @property
    def metrics_names(self):
        """Keras's names of `self.metrics`, where the compiled metrics are one object,
        'compile_metrics' (kerasmini's `metrics` lists each, so a custom step can update
        them one by one as in Keras 2's guides)."""
        compiled = {id(m) for m in self._compiled_metrics or ()}
        names = [m.name for m in self.metrics if id(m) not in compiled]
        if self.compiled and any(self._metric_identifiers) and \
                type(self).metrics is Trainer.metrics:
            names.insert(1, "compile_metrics")
        return names

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    def _assert_compile_called(self, method_name):
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before calling `{method_name}()`.")

    # ----- one step ----------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus every regularization penalty (`model.losses`)."""
        total = None
        if self._compiled_loss is not None:
            sample_weight = self._masked_sample_weight(x, sample_weight)
            total = self._compiled_loss(y, y_pred, sample_weight)
        for penalty in self.losses:
            total = penalty if total is None else total + penalty
        if total is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        return total

    def _compute_loss(self, x, y, y_pred, sample_weight, training):
        """compute_loss, with `training` only if an override takes it (Keras 3.3 added
        the argument; overrides written before, as keras.io's distiller, lack it)."""
        if _takes_training(getattr(self.compute_loss, "__func__", self.compute_loss)):
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def _output_masks(self, x):
        """[mask or None] per output for the batch x, or None (no output carries one)."""
        output_masks = getattr(self, "output_masks", None)  # a subclassed model: none
        return output_masks(x) if x is not None and output_masks else None

    def _masked_sample_weight(self, x, sample_weight):
        """The sample weights with the outputs' masks applied, as Keras's loss applies
        the mask y_pred carries: masked steps (padding) weigh 0 and a mean is taken over
        the others (losses.loss.apply_mask)."""
        masks = self._output_masks(x)
        if masks is None:
            return sample_weight
        compiled = self._compiled_loss
        if not isinstance(compiled, _compile_outputs().OutputLosses):
            return kerasmini.losses.loss.apply_mask(sample_weight, masks[0],
                                                    compiled.dtype, compiled.reduction)
        weights = compiled.sample_weights(sample_weight)
        weights = weights if isinstance(weights, list) else [weights] * len(masks)
        return [w if m is None or loss is None else kerasmini.losses.loss.apply_mask(
                    w, m, loss.dtype, loss.reduction)
                for w, m, loss in zip(weights, masks, compiled.losses)]

    def train_step(self, x, y, sample_weight):
        with _step_completes():
            with GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self._compute_loss(x, y, y_pred, sample_weight, training=True)
                # loss_scale_factor, or a LossScaleOptimizer's dynamic scale (the
                # optimizer divides the gradients by it again), as Keras's step does
                scaled_loss = self.optimizer.scale_loss(loss)
            weights = self._weights_to_train()
            if weights:
                with _overflow_expected(self.optimizer):
                    grads = tape.gradient(scaled_loss, weights)
                self.optimizer.apply_gradients(zip(grads, weights))
            else:
                warnings.warn("The model does not have any trainable weights.")
        return self._record_batch(x, y, _numpy(y_pred), np.asarray(loss), sample_weight)

    def _weights_to_train(self):
        """Keras's rule: a change of `trainable` takes effect when the model is compiled
        again. tf.keras's fit traces its step once, at the first training batch after
        compile, and keeps the weights it read then; with run_eagerly=True it reads them
        at every step, and so does kerasmini then."""
        if self.run_eagerly:
            return self.trainable_weights
        if self._stepped_weights is None:
            self._stepped_weights = self.trainable_weights
        return self._stepped_weights

    def test_step(self, x, y, sample_weight):
        y_pred = self(x, training=False)
        loss = self._compute_loss(x, y, y_pred, sample_weight, training=False)
        return self._record_batch(x, y, _numpy(y_pred), np.asarray(loss), sample_weight)

    def _step(self, method, x, y, sample_weight):
        """train_step / test_step on one batch. A subclass may override them as in
        Keras's "customizing fit" guide, `train_step(self, data)` with data = (x, y) or
        (x, y, sample_weight), returning its logs; its compiled metrics are then built
        before the first call, so that `self.metrics` holds them, as in Keras."""
        if not _overridden(self, method):
            return getattr(self, method)(x, y, sample_weight)
        if self._compiled_metrics is None:
            if any(self._metric_identifiers):
                self._build_metrics(y, _numpy(self._state_kept_call(x)))
            else:  # nothing to build: a model without call() (a GAN) is never called
                self._compiled_metric_groups, self._compiled_metrics = ([], []), []
        # x alone (not a 1-tuple) when there are no targets, as Keras passes it
        batch = x if y is None else (x, y) if sample_weight is None else (
            x, y, sample_weight)
        logs = getattr(self, method)(batch)
        return {name: logged_value(value) for name, value in logs.items()}

    # ----- what an overridden train_step / test_step calls (Keras 3's Model API) -----
    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with one batch (weighted ones with sample_weight);
        returns get_metrics_result(). The loss tracker is the caller's to update."""
        self._update_compiled_metrics(y, _numpy(y_pred), sample_weight,
                                      self._output_masks(x))
        return self.get_metrics_result()

    def get_metrics_result(self):
        """{name: value} of every metric in `self.metrics` (a dict result is merged in)."""
        results = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, dict):
                results.update({k: logged_value(v) for k, v in result.items()})
            else:
                results[metric.name] = logged_value(result)
        return results

    def compiled_loss(self, y, y_pred, sample_weight=None, regularization_losses=None):
        """Keras 2's name, kept by Keras 3 as a deprecated alias of compute_loss."""
        warnings.warn("`model.compiled_loss()` is deprecated. Instead, use "
                      "`model.compute_loss(x, y, y_pred, sample_weight, training)`.")
        return self.compute_loss(x=None, y=y, y_pred=y_pred, sample_weight=sample_weight)

    @property
    def compiled_metrics(self):
        """Keras 2's `compiled_metrics.update_state(y, y_pred)`, deprecated in Keras 3,
        which then updates every metric of `self.metrics`: the compiled ones with
        (y, y_pred), and (as Keras's shim does) the "loss" tracker with y_pred."""
        model = self

        class DeprecatedCompiledMetrics:
            def update_state(self, y, y_pred, sample_weight=None):
                warnings.warn("`model.compiled_metrics()` is deprecated. Instead, use e.g.:"
                              "\n```\nfor metric in self.metrics:\n    metric.update_"
                              "state(y, y_pred)\n```\n", stacklevel=2)
                model._loss_tracker.update_state(_numpy(y_pred), sample_weight=sample_weight)
                model.compute_metrics(None, y, y_pred, sample_weight)

        return DeprecatedCompiledMetrics()

    def make_train_function(self, force=False):
        _no_compiled_functions("make_train_function")

    def make_test_function(self, force=False):
        _no_compiled_functions("make_test_function")

    def make_predict_function(self, force=False):
        _no_compiled_functions("make_predict_function")

    def _record_batch(self, x, y, y_pred, loss, sample_weight):
        self._loss_tracker.update_state(loss, sample_weight=len(data.flatten(x)[0]))
        if _own_metrics(self):  # the built-in step returns what the override returns
            logs = self.compute_metrics(x, y, y_pred, sample_weight)
            return {name: logged_value(value) for name, value in logs.items()}
        self._update_compiled_metrics(y, y_pred, sample_weight, self._output_masks(x))
        return self._logs()

    def _update_compiled_metrics(self, y, y_pred, sample_weight, masks=None):
        self._build_metrics(y, y_pred)
        if self._multi_output():  # a dict of outputs: in the outputs' order, as y
            y_pred = self._compiled_loss.predictions(y_pred)
        unweighted, weighted = self._compiled_metric_groups
        for metric in unweighted:
            metric.update_state(y, y_pred, **_masked_metric_weight(metric, None, masks))
        for metric in weighted:
            metric.update_state(y, y_pred, **_masked_metric_weight(metric, sample_weight,
                                                                   masks))

    def _build_metrics(self, y, y_pred):
        if self._compiled_metrics is not None:
            return
        plain, weighted = self._metric_identifiers
        if self._multi_output():
            names, preds = self._compiled_loss.names, self._compiled_loss.predictions(y_pred)
            self._compiled_metric_groups = (
                _compile_outputs().output_metrics(plain, names, y, preds),
                _compile_outputs().output_metrics(weighted, names, y, preds))
            self._compiled_metrics = [*self._compiled_metric_groups[0],
                                      *self._compiled_metric_groups[1]]
            return
        y_shape, p_shape = np.shape(y), np.shape(y_pred)
        self._compiled_metric_groups = (
            [kerasmini.metrics.get_metric(m, y_shape, p_shape) for m in plain],
            [kerasmini.metrics.get_metric(m, y_shape, p_shape) for m in weighted])
        self._compiled_metrics = [*self._compiled_metric_groups[0],
                                  *self._compiled_metric_groups[1]]

    def _logs(self):
        """{name: float} of the loss and every metric, sorted by name as Keras's logs."""
        return dict(sorted(self._named_results()))

    def _named_results(self, values=True):
        """(name, value) of the loss and each compiled metric in compile order. Repeated
        names are told apart as Keras does ('accuracy', 'accuracy_1'; a weighted metric
        named like a plain one becomes 'weighted_accuracy') instead of overwriting.
        values=False: the names alone (value None), no metric's result computed."""
        def result(metric, log=float):
            return log(metric.result()) if values else None
        results = [(self._loss_tracker.name, result(self._loss_tracker))]
        trackers = [(t.name, result(t)) for t in self._output_loss_trackers()]
        if self._compiled_metrics is None:
            return results + trackers
        plain, weighted = self._compiled_metric_groups
        taken = set()
        for metric in plain:
            results.append((_unique_name(metric.name, taken), result(metric, logged_value)))
        for metric in weighted:
            name = metric.name if metric.name not in taken else _weighted_name(metric)
            results.append((_unique_name(name, taken), result(metric, logged_value)))
        return results + trackers

    def _in_order(self, logs):
        """evaluate's list: the loss, then the metrics in compile's order (a single value
        when there are no metrics). With several outputs, as Keras orders them: the
        loss, each output's loss, then the `<output>_<metric>` values sorted by name."""
        names = [name for name, _ in self._named_results(values=False)]
        trackers = [t.name for t in self._output_loss_trackers()]
        if trackers:
            names = [names[0], *trackers, *sorted(set(names) - {names[0], *trackers})]
        values = [logs[name] for name in names if name in logs]
        return values[0] if len(values) == 1 else values

    # ----- fit ---------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Train for `epochs` epochs over (x, y); returns the History callback."""
        self._assert_compile_called("fit")
        batch_size = _batch_size(batch_size, "batch_size")
        steps_per_epoch = steps_or_all(steps_per_epoch, "steps_per_epoch")
        verbose = verbosity(verbose)
        if not isinstance(validation_split, (int, float)) or not 0 <= validation_split < 1:
            raise ValueError("Argument `validation_split` must be a float in [0, 1). "
                             f"Received: validation_split={validation_split}")
        if not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"Argument `epochs` must be a non-negative integer. "
                             f"Received: epochs={epochs}")
        _check_validation_freq(validation_freq)
        epochs = _limited(epochs, kerasmini.config.max_epochs(), "epochs")
        if epoch_batches.is_dataset(x):
            batches, val = self._dataset_batches(x, y, sample_weight, class_weight,
                                                 validation_split, validation_data, "fit",
                                                 shuffle)
        else:
            batches, val = self._array_batches(x, y, sample_weight, class_weight,
                                               validation_split, validation_data,
                                               batch_size, steps_per_epoch, shuffle)
            batch_size = batches.batch_size
        steps_per_epoch = limited_steps(steps_per_epoch, batches.num_batches)
        steps = steps_per_epoch or batches.num_batches
        self._check_executions(steps_per_epoch, "steps_per_epoch")
        self._check_executions(validation_steps, "validation_steps")
        callbacks = kerasmini.callbacks.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self,
            verbose=verbose, epochs=epochs, steps=steps)
        self.stop_training = False
        callbacks.on_train_begin()
        # a BackupAndRestore callback sets where an interrupted fit resumes; as Keras,
        # a restored epoch 0 leaves initial_epoch as given. Unlike Keras, the value is
        # used by this fit only (Keras keeps it on the model for every later fit).
        initial_epoch = self.__dict__.pop("_initial_epoch", None) or initial_epoch
        epoch_logs = None
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            callbacks.on_epoch_begin(epoch)
            logs = {}
            for first, last, group in self._executions(batches.epoch(steps_per_epoch)):
                callbacks.on_train_batch_begin(first)
                for x_batch, y_batch, weight_batch in group:
                    logs = self._step("train_step", x_batch, y_batch, weight_batch)
                callbacks.on_train_batch_end(last, logs)
                if self.stop_training:
                    break
            epoch_logs = (self._logs() if self._compiled_metrics is not None
                          and not _own_logs(self, "train_step") else dict(logs))
            if val is not None and _should_validate(epoch, validation_freq):
                val_logs = self.evaluate(*val[:2], sample_weight=val[2],
                                         batch_size=validation_batch_size or batch_size,
                                         steps=validation_steps, callbacks=callbacks,
                                         return_dict=True, verbose=0)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callbacks.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        if epochs > 0 and self.optimizer.built:  # use_ema: the weights become the averages
            self.optimizer.finalize_variable_values(self.trainable_weights)
        callbacks.on_train_end(logs=epoch_logs)
        return callbacks.history

    def _array_batches(self, x, y, sample_weight, class_weight, validation_split,
                       validation_data, batch_size, steps_per_epoch, shuffle):
        """fit's arrays checked (and split) before any step: (batches, validation)."""
        x, y, sample_weight = self._prepare(x, y, sample_weight, class_weight, "fit")
        count = data.sample_count(x, y, sample_weight)
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = data.train_validation_split(
                (x, y, sample_weight), validation_split, count)
            count = data.sample_count(x, y, sample_weight)
        val = None
        if validation_data is not None and epoch_batches.is_dataset(validation_data):
            val = (validation_data, None, None)
        elif validation_data is not None:
            val = self._prepare(*_unpack_validation(validation_data), None, "fit")
            data.sample_count(*val)
        for inputs in (x, None if val is None else val[0]):
            if not epoch_batches.is_dataset(inputs):
                self._check_forward(inputs)
        batch_size = batch_size or default_batch_size(count, steps_per_epoch)
        steps = data.batch_count(count, batch_size)
        if steps_per_epoch is not None and steps_per_epoch > steps:
            raise ValueError(
                f"Argument `steps_per_epoch={steps_per_epoch}` asks for more batches "
                f"than the data holds: {count} samples make {steps} batches of "
                f"batch_size={batch_size}.")
        batches = epoch_batches.ArrayBatches(x, y, sample_weight, batch_size, shuffle,
                                             numpy_generator())
        return batches, val

    def _dataset_batches(self, x, y, sample_weight, class_weight, validation_split,
                         validation_data, method, shuffle=False):
        """A PyDataset or generator as x: its batches, checked one by one as they come."""
        for name, value in (("y", y), ("sample_weight", sample_weight)):
            if value is not None:
                raise ValueError(f"Argument `{name}` is not supported when `x` is a "
                                 f"dataset, generator or PyDataset: its batches hold it. "
                                 f"Received: {name} of type {type(value).__name__}")
        if validation_split:
            raise ValueError("Argument `validation_split` is only supported for NumPy "
                             "arrays, not for a dataset, generator or PyDataset as x. "
                             f"Received: validation_split={validation_split}")
        batches = epoch_batches.DatasetBatches(
            x, lambda *batch: self._prepare(*batch, class_weight, method), shuffle,
            numpy_generator(), reset=True)
        val = None
        if validation_data is not None:
            val = ((validation_data, None, None) if epoch_batches.is_dataset(validation_data)
                   else tuple(_unpack_validation(validation_data)))
        return batches, val

    # ----- evaluate ----------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """The loss and metrics over (x, y), batch by batch, with the metrics reset first."""
        if kwargs:
            raise ValueError(f"Arguments not recognized: {kwargs}")
        self._assert_compile_called("evaluate")
        batch_size = _batch_size(batch_size, "batch_size")
        steps = steps_or_all(steps, "steps")
        self._check_executions(steps, "steps")
        verbose = verbosity(verbose)
        if epoch_batches.is_dataset(x):
            batches, _ = self._dataset_batches(x, y, sample_weight, None, 0.0, None,
                                               "evaluate")
        else:
            x, y, sample_weight = self._prepare(x, y, sample_weight, None, "evaluate")
            count = data.sample_count(x, y, sample_weight)
            batches = epoch_batches.ArrayBatches(
                x, y, sample_weight, batch_size or default_batch_size(count, steps), False,
                None)
        steps = limited_steps(steps, batches.num_batches)
        if not isinstance(callbacks, kerasmini.callbacks.CallbackList):
            callbacks = kerasmini.callbacks.CallbackList(
                callbacks, add_progbar=verbose != 0, model=self, verbose=verbose, epochs=1,
                steps=_capped(steps, batches.num_batches))
        self.reset_metrics()
        callbacks.on_test_begin()
        logs = {}
        for first, last, group in self._executions(
                batches.epoch(_capped(steps, batches.num_batches))):
            callbacks.on_test_batch_begin(first)
            for x_batch, y_batch, weight_batch in group:
                logs = self._step("test_step", x_batch, y_batch, weight_batch)
            callbacks.on_test_batch_end(last, logs)
        logs = logs if _own_logs(self, "test_step") else self._logs()
        callbacks.on_test_end(logs)
        return logs if return_dict else self._in_order(logs)

    # ----- steps_per_execution ----------------------------------------------------------
    def _executions(self, batches):
        """(first step, last step, batches) per execution of `steps_per_execution` steps:
        the batch callbacks run once around each, named by those steps as Keras names
        them (a last, shorter group still reports first + steps_per_execution - 1), and
        see the logs after its last step. The steps themselves are the same ones."""
        size = getattr(self, "steps_per_execution", 1)
        batches = iter(batches)
        for first in itertools.count(0, size):
            group = list(itertools.islice(batches, size))
            if not group:
                return
            yield first, first + size - 1, group

    def _check_executions(self, steps, argument):
        """Keras runs whole executions, so a step count that is not a multiple of
        steps_per_execution runs more steps than asked there (and continues the data
        where it stopped): refused rather than imitated."""
        size = getattr(self, "steps_per_execution", 1)
        if steps and steps % size:
            raise NotImplementedError(
                f"kerasmini runs `{argument}` in whole executions of steps_per_execution="
                f"{size} steps: use a multiple of it. Received: {argument}={steps}")

    # ----- single batches ------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """One training step on exactly this batch; the logs are this batch's alone."""
        self._assert_compile_called("train_on_batch")
        if class_weight is not None and sample_weight is not None:
            raise ValueError("Arguments `sample_weight` and `class_weight` cannot be "
                             f"specified at the same time. Received: sample_weight="
                             f"{sample_weight}, class_weight={class_weight}")
        x, y, sample_weight = self._prepare(x, y, sample_weight, class_weight,
                                            "train_on_batch")
        data.sample_count(x, y, sample_weight)
        self.reset_metrics()
        logs = self._step("train_step", x, y, sample_weight)
        return logs if return_dict else self._in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compile_called("test_on_batch")
        x, y, sample_weight = self._prepare(x, y, sample_weight, None, "test_on_batch")
        data.sample_count(x, y, sample_weight)
        self.reset_metrics()
        logs = self._step("test_step", x, y, sample_weight)
        return logs if return_dict else self._in_order(logs)

    # ----- checking the data before anything changes -------------------------------
    def _prepare(self, x, y, sample_weight, class_weight, method):
        if x is None:
            raise ValueError(f"`{method}()` needs input data: received x=None.")
        if self._multi_output():
            return self._prepare_outputs(x, y, sample_weight, class_weight, method)
        if isinstance(y, (list, tuple, dict)) and len(data.flatten(y)) > 1:
            raise ValueError(f"The model has one output but received "
                             f"{len(data.flatten(y))} target arrays in y.")
        x = data.as_arrays(x, "x")
        y = data.as_arrays(y, "y")
        if isinstance(y, list):
            y = y[0]
        sample_weight = data.as_arrays(sample_weight, "sample_weight")
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot `class_weight` and `sample_weight` at the "
                                 "same time.")
            if y is None:
                raise ValueError("Argument `class_weight` needs targets `y`.")
            sample_weight = data.class_weight_to_sample_weights(y, class_weight, "float32")
        if y is None and self._compiled_loss is not None:
            raise ValueError(f"`{method}()` received no targets (y=None) but the model was "
                             f"compiled with loss={self.loss!r}.")
        if y is not None and self._compiled_loss is not None:
            self._check_targets(x, y)
        return x, y, sample_weight

    def _prepare_outputs(self, x, y, sample_weight, class_weight, method):
        """_prepare for compile_outputs.OutputLosses: y (and sample weights given per
        output) become lists in the outputs' order, each output's targets checked."""
        outputs = self._compiled_loss
        if class_weight is not None:
            raise ValueError("`class_weight` is only supported for models with a single "
                             f"output. Received: class_weight={class_weight}")
        if y is None:
            raise ValueError(f"`{method}()` received no targets (y=None) but the model was "
                             f"compiled with loss={self.loss!r}.")
        x = data.as_arrays(x, "x")
        y = [data.as_arrays(t, "y") for t in outputs.targets(y)]
        sample_weight = outputs.sample_weights(sample_weight)
        sample_weight = (None if sample_weight is None else
                         [None if w is None else data.as_arrays(w, "sample_weight")
                          for w in sample_weight] if isinstance(sample_weight, list)
                         else data.as_arrays(sample_weight, "sample_weight"))
        shapes = self._output_shapes(x)
        for loss, target, shape in zip(outputs.losses, y, shapes or [None] * len(y)):
            if loss is not None and shape is not None:
                _check_target(loss, target, shape)
        return x, y, sample_weight

    def _output_shapes(self, x):
        """The output shapes as a list in the outputs' order, or None if unknown."""
        try:
            shapes = _shapes(data.take(x, slice(0, 1)))
            if not self.built:
                self.build(shapes)
            out = self.compute_output_shape(shapes)
        except Exception:  # the model cannot say: the first step will
            return None
        if isinstance(out, dict):
            return [out[name] for name in self._output_names()]
        return list(out) if isinstance(out, list) else [out]

    def _check_forward(self, x):
        """One sample through the model (inference): inputs that do not fit it raise
        here, before a callback writes a file or a training epoch changes the weights
        (validation inputs were found out only after the first epoch)."""
        if x is None or not len(data.flatten(x)[0]) or not self._has_own_call():
            return  # a model that only overrides train_step (a GAN) is never called
        self._state_kept_call(data.take(x, slice(0, 1)))

    def _state_kept_call(self, x):
        """self(x) in inference, for a check Keras does not make: the state a call may
        change (SeedGenerators, a user's counting weights) is put back, so that fit
        draws and counts as Keras's does."""
        with state_kept(self):
            return self(x, training=False)

    def _has_own_call(self):
        return any("call" in vars(cls) for cls in type(self).__mro__
                   if cls.__name__ not in ("Layer", "Model", "Trainer", "object"))

    def _check_targets(self, x, y):
        """Run the loss on one sample of y against a dummy prediction of the model's output
        shape (its own checks name the mismatch), and check sparse labels in full."""
        # train_on_batch checks every call: what passed for these shapes passes again
        key = (_shapes(x), y.shape[1:], y.dtype)
        if self._targets_checked is not None and self._targets_checked[0] == key:
            return _check_labels(self._compiled_loss, y, self._targets_checked[1])
        shapes = self._output_shapes(x)
        if shapes is None or len(shapes) != 1:
            return
        classes = _check_target(self._compiled_loss, y, shapes[0])
        if classes is not None:
            self._targets_checked = (key, classes)


def _check_target(loss, y, out_shape):
    """Run the loss on one sample of y against a dummy prediction of the output's shape
    (its own checks name the mismatch), and check sparse labels in full. Returns the
    number of classes checked against (None when the output shape is not known)."""
    if not isinstance(out_shape, tuple) or any(d is None for d in out_shape[1:]):
        return None
    classes = out_shape[-1] if out_shape else 1
    dummy = np.full((1,) + tuple(out_shape[1:]), 1.0 / max(classes, 1), "float32")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss.value_and_vjp(y[:1], dummy)
    except ValueError as error:
        raise ValueError(f"The targets y (shape {y.shape}) do not fit the model's "
                         f"output (shape {out_shape}) for the loss {loss.name}: "
                         f"{error}") from None
    _check_labels(loss, y, classes)
    return classes


def _check_labels(loss, y, classes):
    """Sparse labels must index the model's `classes` outputs: all of them checked."""
    fn = getattr(loss, "fn", None)
    if fn is kerasmini.losses.sparse_categorical_crossentropy and y.size:
        low, high = np.min(y), np.max(y)
        if low < 0 or high >= classes:
            bad = low if low < 0 else high
            raise ValueError(f"Received a label value of {bad} which is outside the "
                             f"valid range of [0, {classes}) in y (sparse categorical "
                             f"crossentropy over the model's {classes} outputs).")


# ----- helpers ----------------------------------------------------------------------------
def limited_steps(steps, num_batches):
    """The steps of an epoch of fit, evaluate or predict (None: all `num_batches`,
    unknown for a generator) capped by keras.config.max_steps_per_epoch(), with Keras's
    warning (which names steps_per_epoch for all three) when the cap applies."""
    return _limited(steps, kerasmini.config.max_steps_per_epoch(), "steps_per_epoch",
                    steps or num_batches)


def _limited(value, limit, argument, effective=None):
    """`value` (which means `effective`) lowered to `limit` when above it, with Keras's
    warning ("Limiting epochs to 2"); a limit of None changes nothing."""
    effective = value if effective is None else effective
    if limit is None or (effective is not None and effective <= limit):
        return value
    warnings.warn(f"Limiting {argument} to {limit}", stacklevel=3)
    return limit


def _capped(steps, num_batches):
    """evaluate's `steps`, never more than the batches there are (Keras stops there)."""
    if steps is None or num_batches is None:
        return steps or num_batches
    return min(steps, num_batches)


def _overridden(model, method):
    """Whether the model's class replaces Trainer's train_step / test_step with Keras's
    one-argument form, `train_step(self, data)`."""
    function = getattr(type(model), method)
    if function is getattr(Trainer, method):
        return False
    parameters = list(inspect.signature(function).parameters)
    if len(parameters) != 2:
        raise NotImplementedError(
            f"{type(model).__name__}.{method} must take one argument, `data` (as in "
            f"Keras 3). Received a {method} with parameters {parameters}")
    return True


@functools.lru_cache(maxsize=None)
def _takes_training(compute_loss):
    """Whether a compute_loss function takes `training`: read once per function, not
    per step (inspect.signature costs ~16 us, 1.6% of a batch-1 step)."""
    return "training" in inspect.signature(compute_loss).parameters


def _weighted_name(metric):
    """A weighted metric named like a plain one, as Keras renames it: 'weighted_accuracy',
    or after its output's prefix, 'kind_weighted_accuracy'."""
    prefix = getattr(metric, "prefix", "")
    return f"{prefix}weighted_{metric.name[len(prefix):]}"


def _own_metrics(model):
    """Whether the model's class overrides compute_metrics (its result is the logs)."""
    return type(model).compute_metrics is not Trainer.compute_metrics


def _own_logs(model, method):
    """Whether a step's logs come from the user's code rather than from _logs()."""
    return _overridden(model, method) or _own_metrics(model)


def _numpy(structure):
    """Predictions as plain arrays (a list for several outputs), off the tape."""
    if isinstance(structure, dict):
        return {k: np.asarray(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [np.asarray(v) for v in structure]
    return np.asarray(structure)


def _masked_metric_weight(metric, sample_weight, masks):
    """{'sample_weight': ...} for one compiled metric: with its output's mask applied as
    Keras's MeanMetricWrapper applies y_pred's (masked steps weigh 0; reduction 'sum'),
    the others as given. A metric of one output of several reads its own weights."""
    index = getattr(metric, "index", 0)  # compile_outputs.OutputMetric: its output
    inner = getattr(metric, "metric", metric)
    mask = None if masks is None else masks[index]
    if mask is None or not isinstance(inner, kerasmini.metrics.MeanMetricWrapper):
        return {} if sample_weight is None else {"sample_weight": sample_weight}
    if isinstance(sample_weight, list):
        sample_weight = sample_weight[index]
    return {"sample_weight": kerasmini.losses.loss.apply_mask(sample_weight, mask,
                                                              inner.dtype, "sum")}


def _compiled_loss(loss):
    if loss is None:
        return None
    resolved = kerasmini.losses.get(loss)
    if isinstance(resolved, kerasmini.losses.Loss):
        return resolved
    name = loss if isinstance(loss, str) else getattr(resolved, "__name__", None)
    return kerasmini.losses.LossFunctionWrapper(resolved, name=name)


def _serialize_loss(loss):
    if isinstance(loss, dict):
        return {k: _serialize_loss(v) for k, v in loss.items()}
    if isinstance(loss, (list, tuple)):
        return [_serialize_loss(v) for v in loss]
    if loss is None or isinstance(loss, str):
        return loss
    return kerasmini.losses.serialize(loss)


def _deserialize_loss(config):
    """A file's loss: a name or config, or a list / dict of them (one per output)."""
    if isinstance(config, list):
        return [_deserialize_loss(v) for v in config]
    if isinstance(config, dict) and "class_name" not in config:
        return {k: _deserialize_loss(v) for k, v in config.items()}
    return kerasmini.losses.get(config)


def _serialize_metric(metric):
    if isinstance(metric, str):
        return metric
    if isinstance(metric, kerasmini.metrics.Metric):
        return serialize_keras_object(metric, "keras.metrics")
    return getattr(metric, "__name__", metric)


def _serialize_metrics(structure):
    """compile's metrics for a file: a list (of lists, per output) or a dict of them."""
    if isinstance(structure, dict):
        return {k: _serialize_metrics(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_serialize_metrics(v) for v in structure]
    return None if structure is None else _serialize_metric(structure)


def _deserialize_metrics(config):
    """A file's metrics: names or configs, in a list, lists per output, or a dict."""
    if isinstance(config, list):
        return [_deserialize_metrics(v) for v in config]
    if isinstance(config, dict) and "class_name" not in config:
        return {k: _deserialize_metrics(v) for k, v in config.items()}
    return None if config is None else _deserialize_metric(config)


def _deserialize_metric(config):
    if isinstance(config, dict):
        return deserialize(config, kerasmini.metrics.ALL_OBJECTS_DICT, "metric")
    return config


def _check_metric(identifier):
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if str(identifier).lower() in ("accuracy", "acc"):
        return
    kerasmini.metrics.get(identifier)


def _as_list(metrics, argument):
    if metrics is None:
        return []
    if isinstance(metrics, dict):
        raise NotImplementedError(f"kerasmini trains single-output models: pass `{argument}` "
                                  "as a list.")
    if not isinstance(metrics, (list, tuple)):
        raise ValueError(f"Expected `{argument}` argument to be a list, tuple, or dict. "
                        f"Received instead: {argument}={metrics} of type {type(metrics)}")
    return metrics


def _single_output(value, argument):
    """A one-output model's loss or metrics may come wrapped in a list with one entry
    per output (loss=['mse'], metrics=[['accuracy']]), as Keras accepts them."""
    if argument == "loss":
        per_output = isinstance(value, (list, tuple))
    else:  # metrics: a list of lists is one list per output
        per_output = bool(value) and all(isinstance(e, (list, tuple)) for e in value)
    if not per_output:
        return value
    entries = value
    if len(entries) != 1:
        raise NotImplementedError(f"kerasmini trains single-output models: `{argument}` "
                                  f"with {len(entries)} entries (one per output) is not "
                                  f"supported. Received: {argument}={value!r}")
    return entries[0]


def _no_compiled_functions(method):
    raise NotImplementedError(
        f"kerasmini runs train_step / test_step / predict_step eagerly, in NumPy: there "
        f"is no compiled function for `{method}()` to build. Override `train_step(self, "
        "data)` (or test_step) to change what fit (or evaluate) does per batch.")


def _unsupported(method, **arguments):
    for name, (value, default) in arguments.items():
        if value != default:
            raise NotImplementedError(f"kerasmini's {method}() does not support "
                                      f"{name}={value!r} (only the default {default!r}).")


def _batch_size(batch_size, argument):
    """A positive integer, or None for `default_batch_size`."""
    return None if batch_size is None else _positive_int(batch_size, argument)


def default_batch_size(count, steps):
    """Keras's batch size when none is given: 32, or with `steps`, the samples spread
    over that many batches (so predict(x, steps=2) covers all of x, as in Keras)."""
    return max(math.ceil(count / steps), 1) if steps else 32


def steps_or_all(steps, argument):
    """None or 0 (Keras takes any false value) means every batch; else a positive int."""
    if steps is None or (isinstance(steps, (int, np.integer)) and steps == 0):
        return None
    return _positive_int(steps, argument)


def _positive_int(value, argument):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"Argument `{argument}` must be a positive integer. "
                         f"Received: {argument}={value}")
    return int(value)


def verbosity(verbose):
    """Keras's reading of `verbose`, which it never refuses: "auto" is 1, 1 draws a bar,
    2 prints a line per epoch, 0 nothing; any other value prints no progress, yet fit
    still prints "Epoch i/n" headers for a true one (7, "silent"), as tf.keras does."""
    return 1 if isinstance(verbose, str) and verbose == "auto" else verbose


def _unpack_validation(validation_data):
    if isinstance(validation_data, (list, tuple)) and len(validation_data) in (2, 3):
        return tuple(validation_data) + (None,) * (3 - len(validation_data))
    raise ValueError("When passing a `validation_data` argument, it must contain either 2 "
                     "items (x_val, y_val), or 3 items (x_val, y_val, val_sample_weights). "
                     f"Received: validation_data={validation_data!r}"[:400])


def _check_validation_freq(validation_freq):
    """An int >= 1 (every that many epochs) or a list of 1-based epochs, checked before
    the first step (Keras finds out only when it first validates, after training)."""
    if isinstance(validation_freq, (list, tuple)):
        if all(_is_int(e) and e >= 1 for e in validation_freq):
            return
    elif _is_int(validation_freq):
        if validation_freq >= 1:
            return
    else:
        raise ValueError("Expected `validation_freq` to be a list or int. Received: "
                         f"validation_freq={validation_freq} of the type "
                         f"{type(validation_freq)}.")
    raise ValueError("Argument `validation_freq` must be a positive integer or a list of "
                     f"epoch numbers from 1. Received: validation_freq={validation_freq}")


def logged_value(result):
    """A metric's result as Keras logs it: a Python float, or (a metric with several
    thresholds, e.g. Precision(thresholds=[0.3, 0.7])) an array of them."""
    result = np.asarray(result)
    return float(result) if result.ndim == 0 else result.copy()


def _unique_name(name, taken):
    """`name`, or `name_1`, `name_2`, ... the first not in `taken` (which it joins)."""
    candidate, index = name, 0
    while candidate in taken:
        index += 1
        candidate = f"{name}_{index}"
    taken.add(candidate)
    return candidate


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _should_validate(epoch, validation_freq):
    if _is_int(validation_freq):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq


def _shapes(x):
    if isinstance(x, dict):
        return {k: _shapes(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_shapes(v) for v in x]
    return (None, *x.shape[1:])


def _overflow_expected(optimizer):
    """Under dynamic loss scaling, float16 gradients that overflow are how the scale is
    found (the step is skipped and the scale halved): NumPy's warnings would be noise."""
    if isinstance(optimizer, kerasmini.optimizers.LossScaleOptimizer):
        return np.errstate(over="ignore", invalid="ignore")
    return contextlib.nullcontext()


class _step_completes:
    """`with _step_completes():` holds a Ctrl-C (SIGINT) until the step has finished,
    then raises KeyboardInterrupt. (The C module's `signal`: the public one converts
    handlers to and from enums, 4x the cost, twice a step.)"""

    def __enter__(self):
        self.received = []
        self.main = threading.current_thread() is threading.main_thread()
        if self.main:
            self.previous = _signal.signal(
                _signal.SIGINT, lambda signum, frame: self.received.append(signum))

    def __exit__(self, *exc):
        if self.main:
            _signal.signal(_signal.SIGINT, self.previous)
        if self.received and exc[0] is None:
            raise KeyboardInterrupt


# what Keras 3 writes in a compile_config: compile()'s arguments (jit_compile is XLA's
# and auto_scale_loss mixed precision's business: neither changes a NumPy result)
COMPILE_CONFIG_KEYS = ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics",
                       "run_eagerly", "steps_per_execution", "jit_compile",
                       "auto_scale_loss")


def _is_builtin_function(name):
    """Whether a function a file names under module 'builtins' is one of kerasmini's
    (Keras looks for it among its activations, losses and metrics)."""
    return any(inspect.isfunction(getattr(module, name, None)) for module in (
        kerasmini.activations, kerasmini.losses, kerasmini.metrics))


def _checked_compile_config(config):
    """A compile_config from a file: a dict of compile()'s arguments, as Keras passes
    it to compile(**config) (a TypeError otherwise, as there)."""
    if not isinstance(config, dict):
        raise TypeError("A compile config must be a dict of compile() arguments. "
                        f"Received: compile_config={str(config)[:200]}")
    unknown = sorted(set(config) - set(COMPILE_CONFIG_KEYS))
    if unknown:
        raise TypeError(f"compile() got unexpected keyword arguments {unknown} in the "
                        f"compile config. Received: compile_config={str(config)[:200]}")
    if not isinstance(config.get("run_eagerly", False), bool):
        raise ValueError("`run_eagerly` must be True or False. Received: "
                         f"run_eagerly={config['run_eagerly']!r}")
    return config
