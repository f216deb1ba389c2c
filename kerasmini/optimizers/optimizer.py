"""Optimizer: what every Keras optimizer shares (learning rate, clipping, weight decay,
state variables, apply_gradients, configs).

One step, as Keras 3 runs it (`apply_gradients(zip(grads, variables))`):
    1. drop the (grad, variable) pairs whose gradient is None (a warning names them);
    2. unscale by `loss_scale_factor`, clip (`clipnorm` per gradient, `global_clipnorm`
       over all of them, or `clipvalue` elementwise: at most one of the three);
    3. decoupled weight decay: w -= w * weight_decay * learning_rate;
    4. the subclass's `update_step(gradient, variable, learning_rate)`;
    5. each variable's constraint; then `iterations += 1`.
Arithmetic follows Keras's TensorFlow backend dtype for dtype: the learning rate is a
float32 variable cast to the weight's dtype, Python constants meet arrays in the array's
dtype, so float32 and float64 trajectories match tf.keras's.

The state lives in `Variable`s, in Keras's order (`iteration`, `learning_rate`, then the
subclass's slots), which is the order `.keras` files store them in.
"""
import warnings

import numpy as np

from kerasmini import config
from kerasmini.optimizers import accumulation
from kerasmini.optimizers.schedules import LearningRateSchedule
from kerasmini.optimizers.schedules import deserialize as deserialize_schedule
from kerasmini.optimizers.schedules import serialize as serialize_schedule
from kerasmini.variables import Variable
import re
from kerasmini.optimizers.flat_state import FlatLayout
from kerasmini.layers.layer import unique_name
from kerasmini.object_configs import snake_case


def _unique_name(base):
    return unique_name(base)


class Optimizer:
    """Base class. Subclasses implement `build(variables)` and `update_step(...)`.

    The arguments every optimizer shares are taken here, with Keras's defaults; a
    subclass names its own (beta_1, momentum, ...) first, then these in this order, as
    Keras 3 does, so a positional argument lands where it lands in Keras.
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        _check_accumulation_and_ema(gradient_accumulation_steps, use_ema, ema_momentum,
                                    ema_overwrite_frequency)
        clip_args = [clipnorm, clipvalue, global_clipnorm]
        if sum(a is not None for a in clip_args) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can "
                             f"be set. Received: clipnorm={clipnorm}, "
                             f"clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        self.name = name or _unique_name(_snake(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables = []
        self._index = {}  # id(model variable) -> its position in the built list
        self._iterations = self.add_variable((), "iteration", dtype="int64")
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            if not isinstance(learning_rate, float):
                raise ValueError(
                    "Argument `learning_rate` should be float, or an instance of "
                    "LearningRateSchedule, or a callable (that takes in the current "
                    "iteration value and returns the corresponding learning rate value). "
                    f"Received instead: learning_rate={learning_rate}")
            self._learning_rate = self.add_variable((), "learning_rate",
                                                    initial_value=learning_rate)

    # ----- state -------------------------------------------------------------------
    def add_variable(self, shape, name, dtype=None, initial_value=0.0):
        """A state variable (not trainable), tracked in Keras's saving order."""
        dtype = dtype or config.floatx()
        variable = Variable(np.full(shape, initial_value, dtype=dtype), name=name,
                            dtype=dtype, trainable=False, path=f"{self.name}/{name}")
        self._variables.append(variable)
        return variable

    def add_optimizer_variables(self, variables, names, initial_value=0.0):
        """One slot per model variable and name, interleaved variable by variable as
        Keras creates them; a list per name (a single list for a single name)."""
        single = isinstance(names, str)
        names = [names] if single else list(names)
        slots = tuple([] for _ in names)
        for variable in variables:
            prefix = variable.path.replace("/", "_")
            for slot, name in zip(slots, names):
                slot.append(Variable(np.full(variable.shape, initial_value,
                                             dtype=variable.dtype),
                                     name=f"{prefix}_{name}", dtype=variable.dtype,
                                     trainable=False, path=f"{self.name}/{prefix}_{name}"))
                self._variables.append(slot[-1])
        return slots[0] if single else slots

    def build(self, variables):
        """Index the variables; the moving averages, then the gradient accumulators,
        come first among the slots, as in Keras (so files line up)."""
        if self.use_ema:
            self._averages = self.add_optimizer_variables(variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(
                variables, "gradient_accumulator")
        self._index = {id(v): i for i, v in enumerate(variables)}
        self._trainable_variables = list(variables)
        self.built = True

    @property
    def variables(self):
        return list(self._variables)

    @property
    def iterations(self):
        """The step counter; with gradient accumulation, the number of updates made
        (calls // gradient_accumulation_steps), as Keras counts them."""
        if self.gradient_accumulation_steps:
            return np.asarray(self._iterations.value // self.gradient_accumulation_steps)
        return self._iterations

    @property
    def _updates_done(self):
        """The updates made before this one (an int): what the update rules call t - 1."""
        return int(self._iterations.value) // (self.gradient_accumulation_steps or 1)

    def _slot(self, slots, variable):
        return slots[self._index[id(variable)]]

    # ----- learning rate -----------------------------------------------------------
    @property
    def learning_rate(self):
        """The current learning rate (a schedule is evaluated at `iterations`)."""
        if isinstance(self._learning_rate, LearningRateSchedule):
            return np.asarray(self._learning_rate(self._iterations.value))
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate.value
        return np.asarray(self._learning_rate(), dtype=config.floatx())

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        if isinstance(learning_rate, LearningRateSchedule) or callable(learning_rate):
            if isinstance(self._learning_rate, Variable):
                self._variables.remove(self._learning_rate)
            self._learning_rate = learning_rate
        elif isinstance(self._learning_rate, LearningRateSchedule):
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its "
                "`learning_rate` constructor argument, hence its learning rate is not "
                "settable. If you need the learning rate to be settable, you should "
                "instantiate the optimizer with a float `learning_rate` argument.")
        elif isinstance(self._learning_rate, Variable):
            self._learning_rate.assign(learning_rate)
        else:
            self._learning_rate = self.add_variable((), "learning_rate",
                                                    initial_value=learning_rate)

    # ----- one step ----------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """Update each variable from its gradient; returns `iterations`."""
        grads, variables = zip(*grads_and_vars) if grads_and_vars else ((), ())
        self.apply(grads, variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already "
                    "be built on a list of variables. Call "
                    "`optimizer.build(trainable_variables)` first. ")
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        self._check_known(trainable_variables)
        grads, trainable_variables = self._drop_missing(grads, trainable_variables)
        grads = [self._as_gradient(g, v) for g, v in zip(grads, trainable_variables)]
        if self.loss_scale_factor is not None:
            grads = [g / self.loss_scale_factor for g in grads]
        if not self.gradient_accumulation_steps:
            self._update(grads, trainable_variables)
        elif (self._iterations.value + 1) % self.gradient_accumulation_steps == 0:
            self._update(accumulation.mean(self._accumulated(trainable_variables), grads,
                                           self.gradient_accumulation_steps),
                         trainable_variables)
            accumulation.reset(self._accumulated_gradients)
        else:
            accumulation.add(self._accumulated(trainable_variables), grads)
        if self.use_ema:
            self._update_moving_averages()
        for variable in trainable_variables:
            if variable.constraint is not None:
                variable.assign(variable.constraint(variable.value))
        self._iterations.assign(self._iterations.value + 1)

    def _update(self, grads, trainable_variables):
        """Clip, decay the weights, then run the update rule on each variable."""
        grads = self._clip_gradients(grads)
        self._apply_weight_decay(trainable_variables)
        learning_rate = self.learning_rate
        self._before_update_steps()
        self._update_steps(grads, trainable_variables, learning_rate)

    def _accumulated(self, variables):
        return [self._slot(self._accumulated_gradients, v) for v in variables]

    def _update_moving_averages(self):
        """Every variable's average moves toward it (the first update copies it); every
        `ema_overwrite_frequency` updates, the variables take their averages."""
        updates_done = self._updates_done
        accumulation.move_averages(self._averages, self._trainable_variables,
                                   self.ema_momentum, first=updates_done == 0)
        frequency = self.ema_overwrite_frequency
        if frequency and (updates_done + 1) % frequency == 0:
            self._overwrite_with_averages(self._trainable_variables)

    def _overwrite_with_averages(self, variables):
        if len(variables) != len(self._averages):
            raise ValueError(
                f"The length of model variables ({len(variables)}) to override does not "
                "match the length of model variables stored in the optimizer "
                f"({len(self._averages)}). Please check if the optimizer was called on "
                "your model.")
        for variable, average in zip(variables, self._averages):
            variable.assign(average.value)

    def finalize_variable_values(self, var_list):
        """At the end of fit: with use_ema, the variables take their moving averages."""
        if self.use_ema:
            self._overwrite_with_averages(list(var_list))

    def _before_update_steps(self):
        """A hook for state shared by every variable's update (Nadam's product)."""

    def _update_steps(self, grads, variables, learning_rate):
        """update_step for each variable (an optimizer may update them all at once)."""
        for grad, variable in zip(grads, variables):
            self.update_step(grad, variable, learning_rate)

    def _flat_layout(self, variables):
        """The FlatLayout of these variables (remembered per list of variables)."""
        key = tuple(id(v) for v in variables)
        layouts = self.__dict__.setdefault("_flat_layouts", {})
        if key not in layouts:
            layouts[key] = FlatLayout([v.shape for v in variables])
        return layouts[key]

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError

    def _check_known(self, variables):
        for v in variables:
            if id(v) not in self._index:
                raise ValueError(
                    f"Unknown variable: {v}. This optimizer can only be called for the "
                    "variables it was originally built with. When working with a new set "
                    "of variables, you should recreate a new optimizer instance.")

    @staticmethod
    def _drop_missing(grads, variables):
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if not kept:
            raise ValueError("No gradients provided for any variable.")
        missing = [v.path for g, v in zip(grads, variables) if g is None]
        if missing:
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing "
                          "the loss. If using `model.compile()`, did you forget to provide "
                          "a `loss` argument?")
        return [g for g, _ in kept], [v for _, v in kept]

    @staticmethod
    def _as_gradient(grad, variable):
        grad = np.asarray(grad)
        if grad.shape != variable.shape:
            raise ValueError(f"The gradient for variable '{variable.path}' has shape "
                             f"{grad.shape}, but the variable has shape {variable.shape}.")
        return grad.astype(variable.dtype, copy=False)

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [_clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return _clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _apply_weight_decay(self, variables):
        if self.weight_decay is None:
            return
        for variable in variables:
            if self._use_weight_decay(variable):
                lr = self.learning_rate.astype(variable.dtype)
                wd = np.asarray(self.weight_decay, dtype=variable.dtype)
                variable.assign(variable.value - variable.value * wd * lr)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Variables (or names matched as substrings/patterns) that skip weight decay."""
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before "
                             "the optimizer is built.")
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_pattern = re.compile("|".join(set(var_names))) if var_names else None

    def _use_weight_decay(self, variable):
        if id(variable) in getattr(self, "_exclude_ids", ()):
            return False
        pattern = getattr(self, "_exclude_pattern", None)
        return pattern is None or pattern.search(variable.name) is None

    # ----- weights and files -------------------------------------------------------
    def save_own_variables(self, store):
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Assign every state variable from `store` ({'0': array, ...}), all or none."""
        if len(store) != len(self.variables):
            msg = (f"Skipping variable loading for optimizer '{self.name}', because it has "
                   f"{len(self.variables)} variables whereas the saved optimizer has "
                   f"{len(store)} variables. ")
            if not self.built:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        values = [np.asarray(store[str(i)]) for i in range(len(self.variables))]
        for variable, value in zip(self.variables, values):
            if value.shape != variable.shape:
                raise ValueError(f"Optimizer variable '{variable.name}' has shape "
                                 f"{variable.shape} not compatible with the saved shape "
                                 f"{value.shape}.")
        for variable, value in zip(self.variables, values):
            variable.assign(value)

    def set_weights(self, weights):
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been "
                "built. Please call `optimizer.build(trainable_variables)` to create the "
                "optimizer weights before calling `set_weights()`.")
        self.load_own_variables({str(i): w for i, w in enumerate(weights)})

    def get_weights(self):
        return [v.numpy() for v in self._variables]

    def get_config(self):
        if isinstance(self._learning_rate, LearningRateSchedule):
            learning_rate = serialize_schedule(self._learning_rate)
        elif isinstance(self._learning_rate, Variable):
            learning_rate = float(self._learning_rate.value)
        else:
            raise NotImplementedError("kerasmini cannot serialize a callable learning rate.")
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = deserialize_schedule(config["learning_rate"])
        return cls(**config)

    def scale_loss(self, loss):
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _check_accumulation_and_ema(steps, use_ema, ema_momentum, ema_overwrite_frequency):
    """Keras's checks of gradient_accumulation_steps and of the EMA arguments."""
    if steps and not (_is_int(steps) and steps >= 2):
        raise ValueError("`gradient_accumulation_steps` must be an integer >= 2. "
                         f"Received: gradient_accumulation_steps={steps}")
    if not use_ema:
        return
    if not 0 <= ema_momentum <= 1:
        raise ValueError("`ema_momentum` must be in the range [0, 1]. "
                         f"Received: ema_momentum={ema_momentum}")
    if ema_overwrite_frequency and not (_is_int(ema_overwrite_frequency)
                                        and ema_overwrite_frequency >= 1):
        raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. "
                         f"Received: ema_overwrite_frequency={ema_overwrite_frequency}")


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _snake(name):
    return snake_case(name)


def _clip_by_norm(g, clip_norm):
    """g * clip_norm / max(|g|, clip_norm), as tf.clip_by_norm."""
    l2sum = np.sum(np.square(g))
    if l2sum <= 0:
        return g
    norm = np.sqrt(l2sum)
    return (g * np.asarray(clip_norm, g.dtype) / np.maximum(norm, np.asarray(clip_norm, g.dtype))
            ).astype(g.dtype)


def _clip_by_global_norm(grads, clip_norm):
    """Every gradient scaled by clip_norm / max(global norm, clip_norm); NaN if the norm
    is not finite (as Keras, so that a bad step is visible rather than hidden)."""
    norm = np.sqrt(sum(np.sum(np.square(g)) for g in grads))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = clip_norm * np.minimum(1.0 / norm, 1.0 / clip_norm) + (norm - norm)
    return [(g * np.asarray(scale, g.dtype)).astype(g.dtype) for g in grads]
