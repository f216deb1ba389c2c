"""Every 2D product of the kernels (conv, dense and their gradients), on one core or two.

(Named products, not matmul: `kerasmini.ops.matmul` is keras.ops.matmul.)

- A small product (at most SMALL_PRODUCT multiply-adds) runs on the calling thread with
  BLAS on one thread: waking a second thread costs more than it saves, and when the other
  core is busy the wake-up waits for a scheduler tick (~8 ms measured).
- A larger one is cut into blocks of rows that the kernel threads take from a queue, each
  block a single-threaded BLAS product (`threads.over_parts`, which says why not BLAS's
  own threads, and uses only cores other processes leave idle).
- A large product with too few rows for two blocks (a kernel gradient `patches.T @ g`:
  kh*kw*C rows, a long reduction, F columns) is cut into blocks of columns instead: by
  rows, 288 rows made blocks of 256 and 32, one thread doing nearly all the work.
- A product whose b is larger than LARGE_OPERAND_BYTES counts as large whatever its
  multiply-adds: at batch 1 a Dense layer is a matrix-vector product that reads its
  kernel from memory once, and two cores read it faster than one.
"""
import numpy as np

from kerasmini.ops.threads import WORKERS, blas_control, limited, over_parts

# Measured on a quiet 2-core machine: one thread and two run alike up to ~4M multiply-adds;
# above that two threads win (6.8M: 0.133 ms on two, 0.169 ms on one).
SMALL_PRODUCT = 4 * 2**20
# Blocks per thread of a large product: more than one, so that a thread slowed by another
# process takes fewer; rows per block at least MIN_ROWS (BLAS's efficiency falls below).
BLOCKS_PER_WORKER = 4
MIN_ROWS = 256
# Columns per block of a product cut by columns: BLAS keeps its rate down to ~16
# (measured, one thread: (288, 1815) @ (1815, 64) 0.61 ms whole, 0.63 ms as two halves).
MIN_COLUMNS = 16
# A b (the kernel of a Dense layer) this large makes a product large (see above).
# Measured, (1, 512) @ (512, 4096) float32 (8 MiB), kernels cycled through 96 MiB so that
# each is read from memory, load 9.5: 1.00 ms on one thread, 0.79 ms shared by columns.
LARGE_OPERAND_BYTES = 4 * 2**20
# Without a BLAS switch: row pieces of at most this many multiply-adds stay on one thread.
PIECE = 2**19


def matmul_into(a, b, out):
    """out = a @ b for 2D a (m, k), b (k, n); returns out."""
    (m, k), n = a.shape, b.shape[1]
    large = m * k * n > SMALL_PRODUCT or b.nbytes > LARGE_OPERAND_BYTES
    if large and m < 2 * MIN_ROWS and n >= 2 * MIN_COLUMNS:
        columns = max(MIN_COLUMNS, -(-n // WORKERS))
        over_parts(lambda c: np.matmul(a, b[:, c], out=out[:, c]), row_slices(n, columns))
    elif large:
        rows = max(MIN_ROWS, -(-m // (BLOCKS_PER_WORKER * WORKERS)))
        over_parts(lambda r: np.matmul(a[r], b, out=out[r]), row_slices(m, rows))
    elif blas_control() is None:
        for r in row_slices(m, max(1, PIECE // max(k * n, 1))):
            np.matmul(a[r], b, out=out[r])
    else:
        with limited(1):
            np.matmul(a, b, out=out)
    return out


def row_slices(count, step):
    """slice(0, step), slice(step, 2 * step), ... covering range(count)."""
    return [slice(start, min(start + step, count)) for start in range(0, count, step)]


def product(a, b):
    """a @ b for 2D a (m, k) and b (k, n), in a new (m, n) array (the gradient rules')."""
    if a.shape[1] == 1:  # an outer product (a Dense kernel's gradient at batch 1): each
        # element is one multiplication either way, and BLAS's k = 1 path took 4x longer
        return np.multiply(a, b, dtype=np.result_type(a, b))
    out = np.empty((a.shape[0], b.shape[1]), np.result_type(a, b))
    return matmul_into(a, b, out)


def batch_product(a, b):
    """a @ b for stacks of matrices (..., m, k) @ (..., k, n) with the same leading axes
    (attention's scores and their combination with the values).

    np.matmul on a stack leaves the threads to BLAS (and on transposed views it loops in
    NumPy, 10-80x slower); here each matrix is one single-threaded BLAS product and the
    stack is split between the kernel threads."""
    a, b = np.ascontiguousarray(a), np.ascontiguousarray(b)
    out = np.empty(a.shape[:-1] + b.shape[-1:], np.result_type(a, b))
    count, (m, k), n = int(np.prod(a.shape[:-2])), a.shape[-2:], b.shape[-1]
    # the count spelled out: reshape cannot infer a -1 beside a zero size (m, k or n 0)
    stack_a, stack_b = a.reshape(count, m, k), b.reshape(count, k, n)
    stack_out = out.reshape(count, m, n)
    per_part = max(1, -(-SMALL_PRODUCT // max(m * k * n, 1)))  # matrices per part
    over_parts(lambda r: np.matmul(stack_a[r], stack_b[r], out=stack_out[r]),
               row_slices(count, max(per_part, -(-count // (BLOCKS_PER_WORKER * WORKERS)))))
    return out
