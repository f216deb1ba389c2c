"""ops/products.py and ops.threads: every path of the product rule against a plain matmul."""
import os
import threading

import numpy as np
import pytest

from kerasmini.ops import load, threads
from kerasmini.ops import products as matmul_module  # the module, not ops.matmul
from kerasmini.ops.products import matmul_into as matmul
from kerasmini.ops.products import product


def _operands(m, k, n, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((m, k)), rng.standard_normal((k, n)), np.empty((m, n)))


@pytest.mark.parametrize("shape", [(1, 3, 2), (37, 11, 5), (300, 64, 90), (0, 3, 2),
                                   (4, 0, 2), (4, 3, 0)])
@pytest.mark.parametrize("small_product", [0, 10**9])  # every product large / every one small
@pytest.mark.parametrize("min_rows", [1, 7, 256])  # row blocks of 1, 7 rows; one block
def test_matmul_paths(monkeypatch, shape, small_product, min_rows):
    monkeypatch.setattr(matmul_module, "SMALL_PRODUCT", small_product)
    monkeypatch.setattr(matmul_module, "MIN_ROWS", min_rows)
    a, b, out = _operands(*shape)
    assert matmul(a, b, out) is out
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)


def _shared_parts(monkeypatch, workers):
    """`workers` threads on idle cores; returns the list the parts that products share
    are appended to."""
    monkeypatch.setattr(threads, "WORKERS", workers)
    monkeypatch.setattr(matmul_module, "WORKERS", workers)
    monkeypatch.setattr(load, "idle_cores", lambda: workers)
    parts = []
    real_over_parts = matmul_module.over_parts

    def spied(task, blocks):
        parts.extend(blocks)
        real_over_parts(task, blocks)

    monkeypatch.setattr(matmul_module, "over_parts", spied)
    return parts


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("min_columns", [16, 40])
def test_few_rows_cut_into_column_blocks(monkeypatch, workers, min_columns):
    # (9, 500) @ (500, 64): too few rows for two row blocks, so the columns are shared
    # (unless the columns are too few for two blocks either: then one row block)
    monkeypatch.setattr(matmul_module, "SMALL_PRODUCT", 0)
    monkeypatch.setattr(matmul_module, "MIN_COLUMNS", min_columns)
    parts = _shared_parts(monkeypatch, workers)
    a, b, out = _operands(9, 500, 64)
    a = np.asfortranarray(a)  # as patches.T arrives
    matmul(a, b, out)
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)
    if min_columns == 40:
        expected = [slice(0, 9)]
    else:
        expected = [slice(0, 32), slice(32, 64)] if workers == 2 else [slice(0, 64)]
    assert parts == expected


@pytest.mark.parametrize("large_operand", [0, 10**9])  # every b large / none
def test_a_large_b_makes_a_small_product_shared(monkeypatch, large_operand):
    # (1, 20) @ (20, 64): 1,280 multiply-adds, but b alone may count as large (a Dense
    # kernel read once at batch 1): then its columns are shared by the two threads
    monkeypatch.setattr(matmul_module, "LARGE_OPERAND_BYTES", large_operand)
    parts = _shared_parts(monkeypatch, 2)
    a, b, out = _operands(1, 20, 64)
    matmul(a, b, out)
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)
    assert parts == ([slice(0, 32), slice(32, 64)] if large_operand == 0 else [])


@pytest.mark.parametrize("piece", [1, 7 * 5, 10**9])  # one row a piece, 7 rows, one piece
@pytest.mark.parametrize("shape", [(37, 7, 5), (3, 0, 5), (3, 7, 0)])  # and empty products
def test_matmul_without_the_blas_switch_cuts_row_pieces(monkeypatch, piece, shape):
    monkeypatch.setattr(threads, "_control", None)
    monkeypatch.setattr(matmul_module, "PIECE", piece)
    a, b, out = _operands(*shape)
    matmul(a, b, out)
    np.testing.assert_allclose(out, a @ b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stack", [(), (5,), (0,), (2, 3), (3, 0)])
@pytest.mark.parametrize("mkn", [(4, 3, 2), (0, 3, 2), (4, 0, 2)])
@pytest.mark.parametrize("small_product", [0, 10**9])  # a matrix a part / the whole stack
def test_batch_product_of_every_stack(monkeypatch, stack, mkn, small_product):
    # stacks of any rank (attention's are 4D), empty stacks and matrices, transposed views
    monkeypatch.setattr(matmul_module, "SMALL_PRODUCT", small_product)
    rng = np.random.default_rng(1)
    (m, k, n) = mkn
    a = rng.standard_normal(stack + (m, k))
    b = np.swapaxes(rng.standard_normal(stack + (n, k)), -1, -2)
    np.testing.assert_allclose(matmul_module.batch_product(a, b), np.matmul(a, b),
                               rtol=1e-12, atol=1e-12)


def test_limited_sets_and_restores_the_blas_count():
    functions = threads.blas_control()
    if functions is None:
        pytest.skip("NumPy's BLAS is not an OpenBLAS with a thread switch on this machine")
    get, set_threads = functions
    original = get()
    # from two threads, whatever an earlier test left: at one, limited(1) would change
    # nothing, and a restore that never happens would go unseen
    set_threads(2)
    try:
        with threads.limited(1):
            assert get() == 1
        assert get() == 2
        with threads.limited(7):  # never more than BLAS had
            assert get() == 2
        assert get() == 2
    finally:
        set_threads(original)


def test_limited_without_the_switch_changes_nothing(monkeypatch):
    monkeypatch.setattr(threads, "_control", None)
    with threads.limited(1) as limit:
        assert limit.before is None


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_over_parts_runs_every_part_once(monkeypatch, workers):
    monkeypatch.setattr(threads, "WORKERS", workers)
    monkeypatch.setattr(load, "idle_cores", lambda: workers)
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
    monkeypatch.setattr(load, "idle_cores", lambda: 2)

    def task(part):
        if part == 3:
            raise ValueError("part 3")

    with pytest.raises(ValueError, match="part 3"):
        threads.over_parts(task, range(8))
    threads.over_parts(lambda part: None, range(4))  # the pool still works afterwards


def test_over_parts_stays_on_the_calling_thread_when_other_processes_are_busy(monkeypatch):
    monkeypatch.setattr(threads, "WORKERS", 2)
    monkeypatch.setattr(load, "idle_cores", lambda: 1)
    callers = set()
    threads.over_parts(lambda part: callers.add(threading.get_ident()), range(6))
    assert callers == {threading.get_ident()}


@pytest.mark.parametrize("cores, others, expected", [
    (2, 0.0, 2), (2, 0.2, 2), (2, 0.3, 1), (2, 1.0, 1), (2, 5.0, 1), (4, 1.0, 3),
    (1, 0.0, 1)])
def test_cores_left(cores, others, expected):
    assert load._cores_left(cores, others) == expected


def test_idle_cores_from_two_samples(monkeypatch):
    """Other processes' ticks = machine busy ticks - this process's ticks, per window."""
    samples = iter([(0.0, 100, 1000, 50), (1.0, 100 + 150, 1000 + 200, 50 + 50)])
    monkeypatch.setattr(load, "_read_ticks", lambda now: next(samples))
    monkeypatch.setattr(load, "_sample", None)
    monkeypatch.setattr(load.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(load, "cores", lambda: 2)
    monkeypatch.setattr(load.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(load.time, "monotonic", iter([0.0, 1.0, 1.1]).__next__)
    assert load.idle_cores() == 2  # first call: load average 0
    # 100 of 200 ticks busy by others on 2 cores: one core's worth -> one left
    assert load.idle_cores() == 1
    assert load.idle_cores() == 1  # within LOAD_WINDOW: the same answer, no read


def test_idle_cores_reads_this_machine():
    assert 1 <= load.idle_cores() <= load.cores()
    ticks = load._read_ticks(0.0)
    if os.path.exists("/proc/stat"):  # Linux (CI): the counters must parse, not be None
        now, busy, total, own = ticks
        assert 0 <= busy <= total and total > 0 and own >= 0
    else:
        assert ticks is None


@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("float32", "float64"),
                                    ("float16", "float16")])
def test_an_outer_product_is_the_loop_of_single_products(dtypes):
    """k = 1 (a Dense kernel's gradient at batch 1) is computed as a multiplication:
    each element is a[i, 0] * b[0, j], the matmul's value, in its dtype."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((7, 1)).astype(dtypes[0])
    b = rng.standard_normal((1, 5)).astype(dtypes[1])
    result = product(a, b)
    dtype = np.result_type(a, b)
    expected = np.array([[dtype.type(a[i, 0]) * dtype.type(b[0, j]) for j in range(5)]
                         for i in range(7)], dtype)
    assert result.dtype == dtype and result.shape == (7, 5)
    np.testing.assert_array_equal(result, expected)
    np.testing.assert_array_equal(result, np.matmul(a.astype(dtype), b.astype(dtype)))
