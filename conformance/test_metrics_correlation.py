"""PearsonCorrelation and ConcordanceCorrelation: kerasmini vs keras.metrics vs a float64
reference from the definitions (np.corrcoef for Pearson; Lin's 2 cov / (var_t + var_p +
(mean_t - mean_p)^2) for concordance), per slice along `axis`, averaged over three
batches, with and without sample weights. Tolerance: float32 means of 16 terms, rtol
1e-5, atol 1e-6 (Keras's epsilon 1e-7 in the concordance denominator is below it).
"""
import numpy as np
import pytest

from conformance import harness
from conformance.harness import keras

import kerasmini


def _batches(seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(3):
        t = rng.normal(size=(16, 4)).astype("float32")
        p = (0.6 * t + rng.normal(size=(16, 4)) * 0.8 + 0.3).astype("float32")
        w = rng.uniform(0, 2, size=16).astype("float32")
        out.append((t, p, w))
    return out


def _pearson(t, p):
    return np.corrcoef(t, p)[0, 1]


def _concordance(t, p):
    return 2 * np.cov(t, p, bias=True)[0, 1] / (t.var() + p.var() + (t.mean() - p.mean()) ** 2)


def reference(cls, axis, batches, weighted):
    fn = _pearson if cls == "PearsonCorrelation" else _concordance
    total = count = 0.0
    for t, p, w in batches:
        t, p = t.astype(np.float64), p.astype(np.float64)
        if axis == 0:  # one value per output column; the weights are per sample
            values, weights = np.array([fn(t[:, j], p[:, j]) for j in range(4)]), None
        else:
            values = np.array([fn(t[i], p[i]) for i in range(16)])
            weights = w if weighted else None
        total += np.sum(values * (1 if weights is None else weights))
        count += len(values) if weights is None else np.sum(weights)
    return total / count


# axis=0 gives one value per output column, so per-sample weights do not apply there
@pytest.mark.parametrize("axis,weighted", [(-1, False), (-1, True), (0, False)])
@pytest.mark.parametrize("cls", ["PearsonCorrelation", "ConcordanceCorrelation"])
def test_correlation(cls, axis, weighted):
    harness.note(cls, "float32", "metric")
    batches = _batches(harness.seed_of(cls, axis))
    km = getattr(kerasmini.metrics, cls)(axis=axis)
    tf_metric = getattr(keras.metrics, cls)(axis=axis)
    for t, p, w in batches:
        for metric in (km, tf_metric):
            metric.update_state(t, p, sample_weight=w if weighted else None)
    exact = reference(cls, axis, batches, weighted)
    got, tf_value = np.asarray(km.result()), np.asarray(tf_metric.result())
    assert got.dtype == np.float32 and got.shape == tf_value.shape == ()
    assert np.allclose(tf_value, exact, rtol=1e-5, atol=1e-6), (tf_value, exact)
    assert np.allclose(got, exact, rtol=1e-5, atol=1e-6), (got, exact, tf_value)
    assert km.get_config() == tf_metric.get_config()
    assert [v.name for v in km.variables] == [v.name for v in tf_metric.variables]
