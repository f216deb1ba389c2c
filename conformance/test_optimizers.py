"""Optimizers: kerasmini vs keras.optimizers vs a float64 reference, fed the same weights
and the same sequence of gradients; compared after 1 step and after 50 steps.

Tolerances (|got - ref| <= rtol * scale, scale = the largest |weight|):
- float64: 1e-12. Each step is a few float64 operations per element; 50 steps of them
  accumulate ~50 * few * 2**-53 ~ 1e-14 of the scale.
- float32: 1e-5 after one step (a handful of roundings of 2**-24 each); 5e-5 after 50
  steps, i.e. 50 steps of one float32 rounding of the weight each (50 * 2**-24 ~ 3e-6)
  plus the rounding of the update itself, which Adam-like rules divide by sqrt(v) and so
  scale up by up to 1/|g|: a bound measured at 8e-6 worst case on these cases.
tf.keras is compared with the same reference at the same tolerance; if it alone is off
the case passes and is recorded as a TensorFlow divergence. Measured: in float64, tf.keras
rounds Python hyperparameters (SGD's momentum 0.9, Adam's 1 - beta_1, ...) through a
float32 tensor before casting them to float64 (e.g. momentum * m with float32(0.9) =
0.899999976...), which moves 50-step float64 trajectories by ~2e-7 of the scale. kerasmini
uses the float64 value the user wrote, as the reference does (the learning rate alone is
a float32 *variable* in Keras, so float32(lr) is the definition, and both use it).
"""
import inspect
import re

import numpy as np
import pytest

from conformance import harness
from conformance import reference_optimizers as ref
from conformance.harness import keras

import kerasmini

STEPS = 50
RTOL = {"float32": (1e-5, 5e-5), "float64": (1e-12, 1e-12)}

CASES = [
    ("sgd", {}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"learning_rate": 0.05, "weight_decay": 0.1}),
    ("adam", {}),
    ("adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("adam", {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}),
    ("adamw", {}),
    ("adamw", {"learning_rate": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("rmsprop", {}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.5}),
    ("rmsprop", {"learning_rate": 0.01, "centered": True}),
    ("rmsprop", {"learning_rate": 0.01, "momentum": 0.9, "centered": True, "rho": 0.8}),
    ("adagrad", {}),
    ("adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5}),
    ("nadam", {}),
    ("nadam", {"learning_rate": 0.01, "beta_1": 0.8}),
    ("adamax", {}),
    ("adamax", {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9, "epsilon": 1e-3}),
    ("adadelta", {}),
    ("adadelta", {"learning_rate": 1.0, "rho": 0.9, "epsilon": 1e-6}),
    ("lion", {}),
    ("lion", {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9}),
    ("sgd", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("adam", {"learning_rate": 0.01, "clipvalue": 0.3}),
    ("rmsprop", {"learning_rate": 0.01, "global_clipnorm": 0.7}),
    # Keras 3's optimizer-wide options: moving averages of the weights, accumulation
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "use_ema": True}),
    ("adam", {"learning_rate": 0.01, "use_ema": True, "ema_momentum": 0.9,
              "ema_overwrite_frequency": 7}),
    ("adam", {"learning_rate": 0.01, "gradient_accumulation_steps": 3}),
    ("nadam", {"learning_rate": 0.01, "gradient_accumulation_steps": 2, "use_ema": True}),
    ("rmsprop", {"learning_rate": 0.01, "gradient_accumulation_steps": 4,
                 "global_clipnorm": 0.7, "weight_decay": 0.05}),
    ("adamax", {"learning_rate": 0.01, "weight_decay": 0.1}),
    ("ftrl", {}),
    # (the L1 soft threshold, (clip(z, -l1, l1) - z) / q, cancels when |z| is just above
    # l1: one float32 ulp of z then weighs ~1e-5 of the scale, in tf.keras as here, so
    # the L1 case keeps the default power, whose trajectories stay within 1e-6)
    ("ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.05,
              "l2_regularization_strength": 0.1, "l2_shrinkage_regularization_strength": 0.02,
              "beta": 0.5, "initial_accumulator_value": 0.5}),
    ("ftrl", {"learning_rate": 0.1, "learning_rate_power": -0.7}),
    ("adagrad", {"learning_rate": 0.1, "weight_decay": 0.1,
                 "gradient_accumulation_steps": 2}),
    ("lamb", {}),
    ("lamb", {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9, "weight_decay": 0.1}),
    ("adafactor", {}),
    ("adafactor", {"learning_rate": 0.1, "relative_step": False, "clip_threshold": 0.5,
                   "beta_2_decay": -0.5}),
    ("adafactor", {"learning_rate": 0.01, "epsilon_2": 0.1, "clipnorm": 0.5}),
]

SCHEDULES = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7,
                          "decay_rate": 0.5}),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7, "decay_rate": 0.5,
                          "staircase": True}),
    ("PiecewiseConstantDecay", {"boundaries": [5, 20], "values": [0.1, 0.05, 0.01]}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 30, "alpha": 0.1}),
    ("CosineDecay", {"initial_learning_rate": 0.0, "decay_steps": 30,
                     "warmup_target": 0.1, "warmup_steps": 10}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 30}),
    ("PolynomialDecay", {"initial_learning_rate": 0.1, "decay_steps": 12,
                         "end_learning_rate": 0.01, "power": 2.0, "cycle": True}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 7,
                          "decay_rate": 0.5}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 7,
                          "decay_rate": 0.5, "staircase": True}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 5}),
    ("CosineDecayRestarts", {"initial_learning_rate": 0.1, "first_decay_steps": 8,
                             "t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1}),
]

CLASS = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop",
         "adagrad": "Adagrad", "nadam": "Nadam", "adamax": "Adamax", "adadelta": "Adadelta",
         "lion": "Lion", "ftrl": "Ftrl", "lamb": "Lamb", "adafactor": "Adafactor"}
SHAPES = [(3, 4), (4,), (2, 2, 3)]


def _problem(name, args, dtype, scales=(1e-3, 1.0, 3.0)):
    rng = np.random.default_rng(harness.seed_of(name, sorted(args.items()), dtype))
    weights = [rng.normal(size=s).astype(dtype) for s in SHAPES]
    grads = [[rng.normal(size=s).astype(dtype) * rng.choice(scales)
              for s in SHAPES] for _ in range(STEPS)]
    for g in grads[3]:
        g[...] = 0  # an all-zero gradient step (clipnorm's zero-norm branch)
    return weights, grads


def _run_km(name, args, weights, grads, dtype):
    optimizer = getattr(kerasmini.optimizers, CLASS[name])(**args)
    variables = [kerasmini.Variable(w, name=f"w{i}", path=f"layer/w{i}")
                 for i, w in enumerate(weights)]
    out = []
    for step in grads:
        optimizer.apply_gradients(zip(step, variables))
        averages = optimizer._averages if optimizer.use_ema else []
        out.append([v.numpy() for v in variables] + [a.numpy() for a in averages])
    updates = len(grads) // (optimizer.gradient_accumulation_steps or 1)
    assert int(np.asarray(optimizer.iterations)) == updates
    return out


def _run_tf(name, args, weights, grads, dtype):
    optimizer = getattr(keras.optimizers, CLASS[name])(**args)
    variables = [keras.Variable(w, dtype=dtype, name=f"w{i}") for i, w in enumerate(weights)]
    if args.get("gradient_accumulation_steps"):
        # tf.keras adds a gradient to its accumulator before casting it to the weight's
        # dtype, so a float64 gradient of a float32 weight raises there (kerasmini casts
        # first); give it gradients of the weights' dtype
        grads = [[g.astype(dtype) for g in step] for step in grads]
    out = []
    for step in grads:
        optimizer.apply_gradients(zip([harness.tf.constant(g) for g in step], variables))
        averages = optimizer._model_variables_moving_average if optimizer.use_ema else []
        out.append([np.array(v.numpy()) for v in [*variables, *averages]])
    return out


def _compare(km, tf_out, reference, dtype, where, tf_reference=None):
    tf_reference = reference if tf_reference is None else tf_reference
    for step, rtol in ((0, RTOL[dtype][0]), (STEPS - 1, RTOL[dtype][1])):
        for i in range(len(reference[step])):  # the weights, then any moving averages
            r = reference[step][i]
            scale = np.max(np.abs(r))
            km_err = np.max(np.abs(km[step][i] - r)) / scale
            tf_err = np.max(np.abs(tf_out[step][i] - tf_reference[step][i])) / scale
            harness.record_error(km_err * scale, 0.0)
            if km_err > rtol:
                harness.fail(f"{where}: step {step + 1}, weight {i}: kerasmini is "
                             f"{km_err:.2e} of the scale from the float64 reference "
                             f"(tf.keras: {tf_err:.2e}; tolerance {rtol:.0e})")
            if tf_err > rtol:
                harness.record_divergence(
                    "tf-float64-hyperparameters-rounded-to-float32" if dtype == "float64"
                    else "optimizer", where, f"tf.keras {tf_err:.2e} off at step {step + 1}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,args", CASES, ids=[f"{n}-{i}" for i, (n, _) in
                                                  enumerate(CASES)])
def test_trajectory(name, args, dtype):
    # float32 Ftrl with a power other than -1/2 is ill-conditioned for tiny gradients:
    # n'^p - n^p cancels, so one float32 ulp of n moves the first step by ~5e-5 of the
    # scale (1e-4 in tf.keras; measured). Its float32 run gets gradients of scale 1 and 3
    # only, where the difference is well conditioned; float64 keeps the 1e-3 ones.
    scales = ((1.0, 3.0) if dtype == "float32" and name == "ftrl"
              and "learning_rate_power" in args else (1e-3, 1.0, 3.0))
    harness.note(CLASS[name], dtype, "optimizer")
    weights, grads = _problem(name, args, dtype, scales)
    averages = []
    reference = [w + a for w, a in zip(ref.run(name, args, weights, grads, averages=averages),
                                       averages or [[]] * STEPS)]
    _compare(_run_km(name, args, weights, grads, dtype),
             _run_tf(name, args, weights, grads, dtype), reference, dtype,
             f"{CLASS[name]}({args}) {dtype}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("schedule,sargs", SCHEDULES,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULES)])
@pytest.mark.parametrize("name", ["adam"])  # the step size enters Adam as it enters SGD
def test_schedules(name, schedule, sargs, dtype):
    harness.note(schedule, dtype, "optimizer")
    weights, grads = _problem(name, sargs, dtype)
    km_schedule = getattr(kerasmini.optimizers.schedules, schedule)(**sargs)
    tf_schedule = getattr(keras.optimizers.schedules, schedule)(**sargs)
    km = _run_km(name, {"learning_rate": km_schedule}, weights, grads, dtype)
    tf_out = _run_tf(name, {"learning_rate": tf_schedule}, weights, grads, dtype)
    # Both compute the rate in float32: within a few float32 ulps of the float64
    # definition, 2**-21 (4 ulps) of the largest rate (cos(pi t) near -1 cancels, so the
    # bound is absolute). Each implementation's own rates then drive a float64 reference
    # of the trajectory, so that a float32 ulp of the rate is not counted twice.
    km_rates = [float(km_schedule(step)) for step in range(STEPS)]
    tf_rates = [float(np.asarray(tf_schedule(step))) for step in range(STEPS)]
    top = max(abs(v) for k, v in sargs.items() if k in ("initial_learning_rate",
                                                         "warmup_target", "values")
              for v in (v if isinstance(v, list) else [v]))
    for step, (rate, tf_rate) in enumerate(zip(km_rates, tf_rates)):
        exact = ref.SCHEDULES[schedule](step, **sargs)
        assert abs(rate - exact) <= 2**-21 * top, \
            f"{schedule}({sargs}) at step {step}: {rate} vs float64 {exact} (tf {tf_rate})"
    where = f"{CLASS[name]}({schedule}{sargs}) {dtype}"
    km_reference = ref.run(name, {}, weights, grads, lr_at=lambda step: km_rates[step])
    tf_reference = ref.run(name, {}, weights, grads, lr_at=lambda step: tf_rates[step])
    _compare(km, tf_out, km_reference, dtype, where, tf_reference)


@pytest.mark.parametrize("name,args", CASES, ids=[f"{n}-{i}" for i, (n, _) in
                                                  enumerate(CASES)])
def test_config(name, args):
    km = getattr(kerasmini.optimizers, CLASS[name])(name="opt", **args)
    tf_opt = getattr(keras.optimizers, CLASS[name])(name="opt", **args)
    assert km.get_config() == tf_opt.get_config()
    again = type(km).from_config(km.get_config())
    assert again.get_config() == km.get_config()
    assert kerasmini.optimizers.get(name).__class__ is type(km)


def test_schedule_configs():
    for schedule, sargs in SCHEDULES:
        km = getattr(kerasmini.optimizers.schedules, schedule)(**sargs)
        tf_schedule = getattr(keras.optimizers.schedules, schedule)(**sargs)
        assert km.get_config() == tf_schedule.get_config()
        km_opt = kerasmini.optimizers.Adam(learning_rate=km, name="o")
        tf_opt = keras.optimizers.Adam(learning_rate=tf_schedule, name="o")
        assert km_opt.get_config() == tf_opt.get_config()
        again = kerasmini.optimizers.Adam.from_config(km_opt.get_config())
        assert again.get_config() == km_opt.get_config()


BAD_ARGS = [
    ("SGD", {"momentum": 1.5}),
    ("SGD", {"momentum": 1}),
    ("SGD", {"learning_rate": 1}),
    ("Adam", {"clipnorm": 1.0, "clipvalue": 1.0}),
    ("AdamW", {"weight_decay": None}),
    ("Adam", {"foo": 1}),
    ("RMSprop", {"gradient_accumulation_steps": 1}),
    ("Lion", {"beta_1": 0.0}),
    ("Lion", {"beta_1": 1.5}),
]


@pytest.mark.parametrize("cls,args", BAD_ARGS)
def test_bad_arguments(cls, args):
    with pytest.raises(Exception) as tf_error:
        getattr(keras.optimizers, cls)(**args)
    with pytest.raises(type(tf_error.value)) as km_error:
        getattr(kerasmini.optimizers, cls)(**args)
    assert str(km_error.value) == str(tf_error.value)


def test_state_variables_in_keras_order():
    for name, args in CASES:
        weights, grads = _problem(name, args, "float32")
        km = getattr(kerasmini.optimizers, CLASS[name])(**args)
        tf_opt = getattr(keras.optimizers, CLASS[name])(**args)
        km_vars = [kerasmini.Variable(w, name=f"w{i}", path=f"w{i}")
                   for i, w in enumerate(weights)]
        tf_vars = [keras.Variable(w, name=f"w{i}") for i, w in enumerate(weights)]
        for step in grads[:3]:
            km.apply_gradients(zip(step, km_vars))
            tf_opt.apply_gradients(zip(step, tf_vars))
        # Nadam's product variable has no name in Keras ('variable', 'variable_4', ...)
        unnamed = lambda name: re.sub(r"^variable_\d+$", "variable", name)  # noqa: E731
        assert [v.name for v in km.variables] == [unnamed(v.name) for v in tf_opt.variables]
        for a, b in zip(km.variables, tf_opt.variables):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


OPTIMIZER_CLASSES = sorted(name for name, value in vars(kerasmini.optimizers).items()
                           if isinstance(value, type)
                           and issubclass(value, kerasmini.optimizers.Optimizer)
                           and value is not kerasmini.optimizers.Optimizer)


@pytest.mark.parametrize("name", OPTIMIZER_CLASSES)
def test_constructor_signature_matches_keras(name):
    """Same parameter names, order, kinds and defaults as keras.optimizers.<name>, so a
    positional call means the same thing in both."""
    def parameters(cls):
        return [(p.name, p.kind, p.default)
                for p in inspect.signature(cls.__init__).parameters.values()]

    assert parameters(getattr(kerasmini.optimizers, name)) == \
        parameters(getattr(keras.optimizers, name))
