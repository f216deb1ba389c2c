"""blas_threads: the product and thread-count rule, each path against a plain matmul."""
import numpy as np
import pytest

from kerasmini.ops import blas_threads


def _operands(m, k, n, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((m, k)), rng.standard_normal((k, n)), np.empty((m, n)))


@pytest.mark.parametrize("shape", [(1, 3, 2), (37, 11, 5), (300, 64, 90)])
@pytest.mark.parametrize("small_product", [1, 10**9])  # every product large / every one small
def test_matmul_with_the_switch(monkeypatch, shape, small_product):
    monkeypatch.setattr(blas_threads, "SMALL_PRODUCT", small_product)
    a, b, out = _operands(*shape)
    assert blas_threads.matmul(a, b, out) is out
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("piece", [1, 7 * 5, 10**9])  # one row a piece, 7 rows, one piece
def test_matmul_without_the_switch_cuts_row_pieces(monkeypatch, piece):
    monkeypatch.setattr(blas_threads, "_control", None)
    monkeypatch.setattr(blas_threads, "PIECE", piece)
    a, b, out = _operands(37, 7, 5)
    blas_threads.matmul(a, b, out)
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)
    monkeypatch.setattr(blas_threads, "SMALL_PRODUCT", 1)  # large: one call
    a, b, out = _operands(20, 6, 4, seed=1)
    blas_threads.matmul(a, b, out)
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)


def test_limited_sets_and_restores_the_count():
    functions = blas_threads.control()
    if functions is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS with a thread switch on this machine")
    get, set_threads = functions
    before = get()
    with blas_threads.limited(1):
        assert get() == 1
    assert get() == before
    with blas_threads.limited(before + 5):  # never more than BLAS had
        assert get() == before
    assert get() == before


def test_limited_without_the_switch_changes_nothing(monkeypatch):
    monkeypatch.setattr(blas_threads, "_control", None)
    with blas_threads.limited(1) as limit:
        assert limit.before is None


@pytest.mark.parametrize("cores, others, expected", [
    (2, 0.0, 2), (2, 0.2, 2), (2, 0.3, 1), (2, 1.0, 1), (2, 5.0, 1), (4, 1.0, 3),
    (1, 0.0, 1)])
def test_cores_left(cores, others, expected):
    assert blas_threads._cores_left(cores, others) == expected


def test_idle_cores_from_two_samples(monkeypatch):
    """Other processes' ticks = machine busy ticks - this process's ticks, per window."""
    samples = iter([(0.0, 100, 1000, 50), (1.0, 100 + 150, 1000 + 200, 50 + 50)])
    monkeypatch.setattr(blas_threads, "_read_ticks", lambda now: next(samples))
    monkeypatch.setattr(blas_threads, "_sample", None)
    monkeypatch.setattr(blas_threads.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(blas_threads.os, "sched_getaffinity", lambda pid: {0, 1},
                        raising=False)
    monkeypatch.setattr(blas_threads.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(blas_threads.time, "monotonic", iter([0.0, 1.0, 1.1]).__next__)
    assert blas_threads.idle_cores() == 2  # first call: load average 0
    # 100 of 200 ticks busy by others on 2 cores: one core's worth -> one left
    assert blas_threads.idle_cores() == 1
    assert blas_threads.idle_cores() == 1  # within LOAD_WINDOW: the same answer, no read
    assert blas_threads.threads_for(blas_threads.SMALL_PRODUCT) == 1
