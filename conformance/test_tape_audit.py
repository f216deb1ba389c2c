"""The tape audit's keras.ops calls (tests/tape_audit.py: every case of tests/ops_table.py
with each keyword of the op's signature varied) against tf.GradientTape over keras.ops,
in float32 and float64, with float64 central differences of kerasmini's forward as the
reference (its values are checked against keras.ops by test_keras_ops.py):

* kerasmini gives the reference's gradient, or refuses (NoGradientError naming the op);
* where tf.GradientTape's float64 gradient meets the reference, kerasmini's meets
  tf.GradientTape's, in float64 and (at float32's tolerance) in float32;
* where TensorFlow's gradient is off the reference, or None where the reference is not
  0, a TensorFlow divergence is recorded (as the rest of the suite records them) and
  kerasmini does not copy it;
* kerasmini's forward values are keras.ops's (every keyword value the audit varies),
  unless the case's NumPy formula (tests/ops_table.py) shows keras.ops wrong, which is
  recorded as a divergence; a difference otherwise, or keras.ops raising on arguments
  kerasmini computes with, fails.

CI runs a seeded sample of SAMPLE calls; KM_TAPE_AUDIT=all runs every one.
"""
import functools
import os

import numpy as np
import pytest

from conformance.gradients import GRAD_RTOL
from conformance.harness import fail, keras, record_divergence
from conformance.test_keras_ops import (TF_CANNOT, _error, _keras_call,
                                        _kerasmini_gradients, _reference_outputs,
                                        _tf_tape_gradients, _weighted)
from kerasmini import ops
from kerasmini.autodiff import NoGradientError
from tests.ops_table import call, float_arrays, outputs, resolve, split_kwargs
from tests.tape_audit import _numeric, _outputs, ops_cases, sample

SAMPLE = 80
# bound = GRAD_RTOL of the gradient's scale + ROUNDING * sum|out * R|: in float64 the
# rounding of the differences (test_keras_ops.py's bar), in float32 that of the
# forward's float32 outputs (eps32 ~ 1.2e-7 per output, summed over those a step moves)
ROUNDING = {"float64": 1e-9, "float32": 1e-6}


def _runs(case):
    """The call is valid for kerasmini (the audit's other calls are its "invalid": keyword
    values the op refuses) and has a finite float output to differentiate."""
    try:
        with np.errstate(all="ignore"):
            results = [np.asarray(o) for o in _outputs(case.fn(*case.inputs))]
    except Exception:  # noqa: BLE001
        return False
    floats = [r for r in results if r.dtype.kind == "f"]
    return bool(floats) and all(np.all(np.isfinite(r)) for r in floats)


def _in_keras(case):
    try:
        resolve(keras.ops, case.spec[0])
    except AttributeError:  # kerasmini's own ops (batch_product): the audit alone
        return False
    return True


def _cases():
    cases = [case for case in ops_cases() if _in_keras(case) and _runs(case)]
    return cases if os.environ.get("KM_TAPE_AUDIT") == "all" else sample(cases, SAMPLE, 1)


def _cast(args, dtype):
    cast = lambda a: a.astype(dtype) if np.asarray(a).dtype.kind == "f" else a
    return [[cast(a) for a in arg] if isinstance(arg, list) else cast(arg) for arg in args]


@pytest.mark.parametrize("case", _cases(), ids=str)
def test_gradient_against_tf_gradient_tape(case):
    op, args, kwargs = case.spec
    pick = split_kwargs(kwargs)[1]
    results = [np.asarray(o, np.float64) for o in outputs(call(ops, op, args, kwargs), pick)]
    weights = [np.random.default_rng(1).standard_normal(np.shape(r)) for r in results]
    float_weights = [w for w, o in zip(weights, outputs(call(ops, op, args, kwargs), pick))
                     if np.asarray(o).dtype.kind == "f"]  # the audit's, in its order
    sources = float_arrays(args)
    flat = case.inputs
    numeric = functools.cache(lambda: [  # only for gradients kerasmini gives
        _numeric(case.reference or case.fn, [np.array(a) for a in flat], float_weights, i)
        for i, a in enumerate(flat) if np.asarray(a).dtype.kind == "f"])
    magnitude = max(float(_weighted([np.abs(r) for r in results],
                                    [np.abs(w) for w in weights])), 1.0)
    same_forward = _same_forward(case, op, args, kwargs, pick)
    for dtype in ("float64", "float32"):
        shapes = [np.shape(o) for o in outputs(call(ops, op, _cast(args, dtype), kwargs),
                                               pick)]
        if shapes != [np.shape(w) for w in weights]:
            continue  # a bit view of float32 inputs (ops.view): other outputs entirely
        # an op asked to compute in float32 (dtype=) is as precise as float32
        precision = "float32" if "float32" in (dtype, kwargs.get("dtype")) else dtype
        _compare(case, op, _cast(args, dtype), kwargs, pick, weights, numeric,
                 ROUNDING[precision] * magnitude, dtype, precision, len(sources),
                 same_forward)


# ops whose outputs' order is unspecified: compared as sorted along the last axis
# (top_k(sorted=False): TensorFlow's order is its heap's; eig: LAPACK's order)
def _unordered(op, kwargs):
    return op == "eig" or op == "top_k" and kwargs.get("sorted") is False


def _same_forward(case, op, args, kwargs, pick):
    """Whether keras.ops's float64 outputs are kerasmini's, so that a gradient off
    kerasmini's finite differences is TensorFlow's gradient's fault. (To 1e-6 of their
    scale: some of TensorFlow's float64 kernels compute in float32, resize and quantile
    among them; test_keras_ops.py says which, and its float64 reference decides.)
    False without failing where TensorFlow's CPU kernels cannot run the case
    (TF_CANNOT), where the order of the outputs is unspecified, and where keras.ops is
    off the case's NumPy formula while kerasmini meets it (a recorded divergence);
    any other difference, or keras.ops refusing the arguments, fails."""
    ours = outputs(call(ops, op, args, kwargs), pick)
    try:
        theirs = _keras_call(op, args, kwargs)
    except Exception as error:  # noqa: BLE001 (an argument error kerasmini lacks)
        fail(f"{case}: keras.ops raises {type(error).__name__} ({error}) where kerasmini "
             "computes a value")
    if theirs is None:
        return False  # TensorFlow cannot run it here: kerasmini against the reference
    theirs = outputs(theirs, pick)
    if _unordered(op, kwargs):
        ours, theirs = ([np.sort(np.asarray(o), axis=-1) for o in x] for x in (ours, theirs))
    if _within(ours, theirs):
        return not _unordered(op, kwargs)
    reference = _reference_outputs((None, op, None, kwargs, None, case.formula), args, pick)
    if reference is not None and _within(ours, reference) and not _within(theirs, reference):
        record_divergence("tf-wrong-values", f"{case}", "keras.ops is off the NumPy "
                          "formula, kerasmini meets it")
        return False
    fail(f"{case}: keras.ops computes other values" + (
        "" if len(ours) != len(theirs) else ": max difference " + ", ".join(
            f"{_difference(a, b):.3g}" for a, b in zip(ours, theirs))))


def _difference(a, b):
    if np.shape(a) != np.shape(b):
        return np.inf
    return float(np.max(np.abs(np.asarray(a, complex) - np.asarray(b, complex)),
                        initial=0.0))


def _within(ours, theirs):
    """Every output the same shape and within 1e-6 of its scale (complex ones too)."""
    return len(ours) == len(theirs) and all(
        _difference(a, b) <= 1e-6 * max(float(np.max(np.abs(a), initial=0.0)), 1.0)
        for a, b in zip(ours, theirs))


def _compare(case, op, args, kwargs, pick, weights, numeric, atol, dtype, precision,
             count, same_forward):
    where = f"{case} {dtype}"
    try:
        ours = _kerasmini_gradients(op, args, kwargs, pick, weights)
    except NoGradientError as error:
        if case.name not in str(error) and op not in str(error):
            fail(f"{where}: refused without naming the op: {error}")
        return
    try:
        theirs = _tf_tape_gradients(op, args, kwargs, pick, weights)
    except TF_CANNOT + (LookupError, ValueError, TypeError) as error:
        theirs = [error] * count
    if not same_forward:  # TensorFlow's gradient is of another function
        theirs = [ValueError("keras.ops computes other values")] * count
    for i, (a, b, c) in enumerate(zip(ours, theirs, numeric())):
        scale = max(float(np.max(np.abs(c), initial=0.0)), 1e-3)
        bound = GRAD_RTOL[precision] * scale + atol
        if a is None:
            if np.any(c):
                fail(f"{where}: input {i}: kerasmini gives None, finite differences "
                     f"reach {np.max(np.abs(c)):.3g}")
            continue
        if _error(a, c) > bound:
            fail(f"{where}: input {i}: kerasmini is {_error(a, c):.3g} from finite "
                 f"differences (bound {bound:.3g})")
        if isinstance(b, BaseException):
            continue  # TensorFlow refuses the call or its gradient: the reference decides
        if b is None:
            if np.any(c):
                record_divergence("tf-none-gradient", where,
                                  f"input {i}: None where finite differences reach "
                                  f"{np.max(np.abs(c)):.3g}")
            continue
        if _error(b, c) > bound:
            record_divergence("tf-wrong-gradient", where, f"input {i}: {_error(b, c):.3g} "
                              f"from finite differences (bound {bound:.3g})")
            continue
        if _error(a, b) > 2 * bound:
            fail(f"{where}: input {i}: kerasmini and tf.GradientTape differ by "
                 f"{_error(a, b):.3g} where both meet the reference")
