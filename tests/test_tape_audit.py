"""The tape audit in CI: a seeded sample of tests/tape_audit.py's generated calls (every
family in it), each giving the finite-difference gradient or a refusal naming the
function, never a gradient that differs (`python -m tests.tape_audit` runs them all);
and the silent wrong gradients the audit found, each pinned by name."""
import numpy as np
import pytest

from kerasmini import GradientTape, ops
from kerasmini.autodiff import NoGradientError, TapeArray
from tests.gradcheck import numeric_gradient
from tests.tape_audit import FAMILIES, audit, sample

# per family: how many of its calls CI runs (the whole audit: about 3,300 calls)
SAMPLE = {"numpy": 150, "numpy_all": 150, "methods": 80, "inplace": 25, "indexing": 40,
          "ufunc": 150, "ops": 150}
ALLOWED = {"ok", "refused", "invalid", "gap", "nan"}


def _sampled():
    return [case for family, count in SAMPLE.items()
            for case in sample(FAMILIES[family](), count, seed=len(family))]


@pytest.mark.parametrize("case", _sampled(), ids=str)
def test_no_silent_wrong_gradient(case):
    verdict, detail = audit(case)
    assert verdict in ALLOWED, f"{case}: {verdict}: {detail}"


def test_the_audit_catches_a_wrong_rule(monkeypatch):
    """A rule that ignores a keyword (np.pad's mode, as it once did) is found WRONG."""
    from kerasmini.autodiff import numpy_rules
    from tests.tape_audit import Case
    x = np.random.default_rng(0).standard_normal((3, 4))
    case = Case("numpy", "numpy.pad", "pad(reflect)",
                lambda x: np.pad(x, 2, mode="reflect"), [x])
    assert audit(case)[0] == "ok"
    monkeypatch.setattr(numpy_rules, "_copies_elements", lambda *a, **k: False)
    monkeypatch.setitem(numpy_rules.FUNCTION_RULES, np.pad,
                        (1, lambda g, out, x, w, **_: (g[2:-2, 2:-2],), ("pad_width", "mode")))
    assert audit(case)[0] == "WRONG"


def _gradient(fn, x):
    with GradientTape() as tape:
        t = tape.watch(x)
        loss = np.sum(fn(t) * np.arange(1.0, 1.0 + np.size(fn(x))).reshape(np.shape(fn(x))))
    return tape.gradient(loss, x)


def _expected(fn, x):
    weights = np.arange(1.0, 1.0 + np.size(fn(x))).reshape(np.shape(fn(x)))
    return numeric_gradient(lambda: float(np.sum(fn(x) * weights)), x)


@pytest.mark.parametrize("mode", ["reflect", "symmetric", "edge", "wrap"])
def test_pad_modes_that_copy_elements_are_exact(mode):
    x = np.random.default_rng(1).standard_normal((3, 4))
    fn = lambda v: np.pad(v, ((2, 1), (3, 4)), mode=mode)
    np.testing.assert_allclose(_gradient(fn, x), _expected(fn, x), atol=1e-8)
    if mode in ("reflect", "symmetric"):  # keras.ops.pad's modes
        fn = lambda v: ops.pad(v, ((1, 2), (2, 1)), mode=mode)
        np.testing.assert_allclose(_gradient(fn, x), _expected(fn, x), atol=1e-8)


@pytest.mark.parametrize("call, names", [
    (lambda v: np.pad(v, 1, mode="mean"), "numpy.pad\\(mode='mean'\\)"),
    (lambda v: np.pad(v, 1, mode="maximum"), "numpy.pad\\(mode='maximum'\\)"),
    (lambda v: np.pad(v, 1, mode="reflect", reflect_type="odd"),
     "numpy.pad\\(reflect_type='odd'\\)"),
    (lambda v: np.pad(v, 1, mode="linear_ramp"), "numpy.pad\\(mode='linear_ramp'\\)"),
    (lambda v: np.pad(v, 1, constant_values=np.sum(v)),
     "numpy.pad\\(a traced value in an argument it does not differentiate\\)"),
    (lambda v: np.max(v, initial=0.5), "numpy.max\\(initial=0.5\\)"),
    (lambda v: np.prod(v, where=v > 0), "numpy.prod\\(where=array"),
    (lambda v: np.var(v, mean=np.mean(v)), "numpy.var\\(mean="),
    (lambda v: np.clip(v, min=0.0, max=0.5), "numpy.clip\\(min=0.0\\)"),
    (lambda v: np.cumsum(v, out=np.empty(v.size)), "numpy.cumsum writes in place"),
    (lambda v: np.multiply.accumulate(v, axis=0), "numpy.multiply.accumulate"),
], ids=["pad_mean", "pad_maximum", "pad_odd", "pad_ramp", "pad_traced_constant",
        "max_initial", "prod_where", "var_mean", "clip_min_max", "cumsum_out",
        "multiply_accumulate"])
def test_keywords_without_a_rule_are_refused(call, names):
    """Refused, naming the function and what it has no rule for (the argument and its
    value, or a traced value where the rule takes none)."""
    x = np.random.default_rng(2).uniform(0.2, 0.9, (3, 4))
    with pytest.raises(NoGradientError, match=names):
        _gradient(call, x)


def test_keywords_with_a_rule_are_exact():
    x = np.random.default_rng(3).standard_normal((3, 4))
    mask = x > -0.3
    for fn in (lambda v: np.sum(v, axis=1, where=mask), lambda v: np.mean(v, 0, where=mask),
               lambda v: np.var(v, axis=0, correction=1),
               lambda v: np.clip(v, -0.5, None), lambda v: v.cumsum(axis=1) * v.prod()):
        np.testing.assert_allclose(_gradient(fn, x), _expected(fn, x), atol=1e-7)
    # integer results are constants (TensorFlow: None through a cast to int)
    with GradientTape() as tape:
        t = tape.watch(x)
        loss = np.sum(t * 10, dtype="int64") + np.sum(t)
    np.testing.assert_array_equal(tape.gradient(loss, x), np.ones((3, 4)))


def test_norm_is_numpys_for_every_dtype_the_tape_follows():
    """np.linalg.norm's default on a float array is recorded as sqrt(sum(x * x)); on a
    complex one that would be wrong (|z|^2 is z * conj(z)): NumPy's value either way."""
    for x in (np.array([[1.0, -2.0], [3.0, 0.5]]), np.array([1 + 2j, 3 - 1j, -0.5j])):
        with GradientTape() as tape:
            norm = np.linalg.norm(tape.watch(x))
        np.testing.assert_allclose(np.asarray(norm), np.linalg.norm(x), rtol=1e-15)


def test_traced_clip_bounds_get_their_gradient():
    x, lo, hi = (np.random.default_rng(s).standard_normal((3, 4)) for s in (4, 5, 6))
    lo, hi = np.minimum(lo, hi) * 0.5, np.maximum(lo, hi) * 0.5
    with GradientTape() as tape:
        loss = np.sum(np.clip(*tape.watch([x, lo, hi])))
    grad_x, grad_lo, grad_hi = tape.gradient(loss, [x, lo, hi])
    np.testing.assert_array_equal(grad_lo, x < lo)
    np.testing.assert_array_equal(grad_hi, x > hi)
    np.testing.assert_array_equal(grad_x, (x >= lo) & (x <= hi))


@pytest.mark.parametrize("write", [
    lambda y: y.__setitem__(0, 5.0), lambda y: y.sort(), lambda y: y.fill(0.0),
    lambda y: y.put([0], [1.0]), lambda y: y.view().__setitem__(0, 1.0),
    lambda y: np.add.at(y, [0, 0], 1.0), lambda y: np.copyto(y, 1.0),
    lambda y: np.put_along_axis(y, np.zeros((3, 1), int), 2.0, 1),
    lambda y: np.fill_diagonal(y, 0.0), lambda y: np.nan_to_num(y, copy=False),
], ids=["setitem", "sort", "fill", "put", "view_setitem", "add_at", "copyto",
        "put_along_axis", "fill_diagonal", "nan_to_num_in_place"])
def test_writes_into_followed_arrays_raise_before_writing(write):
    x = np.random.default_rng(7).standard_normal((3, 4))
    with GradientTape() as tape:
        y = tape.watch(x) * 2.0
        before = np.array(y)
        with pytest.raises(NoGradientError):
            write(y)
    np.testing.assert_array_equal(np.asarray(y), before)


def test_writes_are_plain_numpy_without_a_tape():
    y = np.arange(4.0).view(TapeArray)
    y[0] = 7.0
    y.sort()
    np.testing.assert_array_equal(np.asarray(y), [1.0, 2.0, 3.0, 7.0])


def test_ctc_decode_scores_refuse_a_gradient():
    logits = np.random.default_rng(8).standard_normal((2, 5, 4))
    for strategy in ("greedy", "beam_search"):
        with GradientTape() as tape:
            tape.watch(logits)
            _, scores = ops.ctc_decode(logits, [5, 4], strategy=strategy)
            loss = ops.sum(scores)
        with pytest.raises(NoGradientError, match="ctc_decode"):
            tape.gradient(loss, logits)


def test_several_outputs_without_rules_are_refused():
    x = np.random.default_rng(9).uniform(0.2, 0.9, (3, 4))
    for fn in (lambda v: np.split(v, 2, axis=1)[0], lambda v: np.modf(v * 3)[0],
               lambda v: np.histogram(v, 3)[1], lambda v: np.unstack(v)[1]):
        with pytest.raises(NoGradientError, match="numpy"):
            _gradient(fn, x)


def test_new_recorded_paths_differentiate_twice():
    """Reflect padding (a gather), np.std (NumPy's own Python, whose sqrt writes out=),
    the default norm, clip and vstack under a gradient penalty: the outer gradient is
    the finite-difference derivative of the inner one."""
    x = np.random.default_rng(10).standard_normal((3, 4))
    weights = np.arange(12.0).reshape(3, 4)

    def f(v):
        return (np.sum(np.pad(v, 2, mode="reflect") ** 3) + np.sum(np.std(v, axis=0) ** 2)
                + np.linalg.norm(v) ** 3 + np.sum(np.clip(v, -0.5, 0.5) ** 2
                                                  * np.vstack([v, v])[:3]))

    def inner_gradient(v):
        with GradientTape() as inner:
            y = f(inner.watch(v))
        return inner.gradient(y, v)

    with GradientTape() as outer:
        outer.watch(x)
        penalty = np.sum(inner_gradient(x) * weights)
    expected = numeric_gradient(lambda: float(np.sum(inner_gradient(x) * weights)), x)
    np.testing.assert_allclose(outer.gradient(penalty, x), expected, rtol=1e-6, atol=1e-6)
