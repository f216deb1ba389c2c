"""ops.matmul and ops.threads: every path of the product rule against a plain matmul."""
import threading

import numpy as np
import pytest

from kerasmini.ops import matmul as matmul_module
from kerasmini.ops import threads
from kerasmini.ops.matmul import matmul


def _operands(m, k, n, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((m, k)), rng.standard_normal((k, n)), np.empty((m, n)))


@pytest.mark.parametrize("shape", [(1, 3, 2), (37, 11, 5), (300, 64, 90)])
@pytest.mark.parametrize("small_product", [0, 10**9])  # every product large / every one small
@pytest.mark.parametrize("min_rows", [1, 7, 256])  # row blocks of 1, 7 rows; one block
def test_matmul_paths(monkeypatch, shape, small_product, min_rows):
    monkeypatch.setattr(matmul_module, "SMALL_PRODUCT", small_product)
    monkeypatch.setattr(matmul_module, "MIN_ROWS", min_rows)
    a, b, out = _operands(*shape)
    assert matmul(a, b, out) is out
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("piece", [1, 7 * 5, 10**9])  # one row a piece, 7 rows, one piece
def test_matmul_without_the_blas_switch_cuts_row_pieces(monkeypatch, piece):
    monkeypatch.setattr(threads, "_control", None)
    monkeypatch.setattr(matmul_module, "PIECE", piece)
    a, b, out = _operands(37, 7, 5)
    matmul(a, b, out)
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)


def test_limited_sets_and_restores_the_blas_count():
    functions = threads.blas_control()
    if functions is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS with a thread switch on this machine")
    get, set_threads = functions
    before = get()
    with threads.limited(1):
        assert get() == 1
    assert get() == before
    with threads.limited(before + 5):  # never more than BLAS had
        assert get() == before
    assert get() == before


def test_limited_without_the_switch_changes_nothing(monkeypatch):
    monkeypatch.setattr(threads, "_control", None)
    with threads.limited(1) as limit:
        assert limit.before is None


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_over_parts_runs_every_part_once(monkeypatch, workers):
    monkeypatch.setattr(threads, "WORKERS", workers)
    monkeypatch.setattr(threads, "_executor", None)  # a pool of this size
    seen, lock = [], threading.Lock()

    def task(part):
        with lock:
            seen.append(part)
        threads.over_parts(lambda inner: seen.append((part, inner)), [0, 1])  # nested: serial

    threads.over_parts(task, range(10))
    assert sorted(p for p in seen if isinstance(p, int)) == list(range(10))
    assert sorted(p for p in seen if isinstance(p, tuple)) == [(i, j) for i in range(10)
                                                               for j in (0, 1)]


def test_over_parts_reraises_a_part_error(monkeypatch):
    monkeypatch.setattr(threads, "WORKERS", 2)

    def task(part):
        if part == 3:
            raise ValueError("part 3")

    with pytest.raises(ValueError, match="part 3"):
        threads.over_parts(task, range(8))
    threads.over_parts(lambda part: None, range(4))  # the pool still works afterwards
