"""Mutants the sweep cannot kill because they are no bug: each computes what the original
computes (for every input the kernel accepts), or changes only how work is cut, with the
reason. `python -m conformance.mutation_sweep report` lists them apart from survivors.

Keyed by (file, the mutated line as written, original text, mutated text), so that an
edit elsewhere in the file keeps the entry; an entry whose text is gone matches nothing.
"""
WORK_CUT = "only how the work is cut (block sizes, thread shares, workspace estimates)"
SWAP_SYMMETRIC = "swapaxes(x, i, j) is swapaxes(x, j, i)"
TAPE_CASTS = ("a rule's returned dtype: tape.gradient hands every gradient back in its "
              "source's dtype (autodiff/tape.py, _source_gradient); a wider one on the way "
              "only adds precision")

EQUIVALENT = {
    ("kerasmini/ops/windows.py",
     "stop = (out_rows.stop - 1) * stride_h + effective_kernel_size(kernel_h, dilation_h)",
     "out_rows.stop - 1", "(out_rows.stop)"):
        "a band one stride taller than its windows need: the extra rows are never read",
    ("kerasmini/ops/convolution_vjp.py",
     "* np.dtype(wide).itemsize * (1 + (scatter and kernel_gradient)))",
     "scatter and kernel_gradient", "scatter"):
        WORK_CUT + ": the workspace per row counted twice when only the scatter needs it",
    ("kerasmini/ops/convolution_vjp.py", "patches = patches.astype(g_rows.dtype, copy=False)",
     "patches.astype(g_rows.dtype, copy=False)", "patches"):
        "the patches and the output gradient have one dtype (the layer's); the cast only "
        "spares BLAS a mixed-dtype product when they differ, which NumPy promotes alike",
    ("kerasmini/ops/threads.py",
     "if WORKERS < 2 or batch < 2 or nbytes < PARALLEL_BYTES:", "2", "3"): WORK_CUT,
    ("kerasmini/ops/threads.py", "_executor = ThreadPoolExecutor(max(WORKERS - 1, 1), "
     'thread_name_prefix="kerasmini-pool")', "1", "2"):
        WORK_CUT + ": the pool's thread count (kernels use WORKERS - 1 of them)",
    ("kerasmini/ops/windows.py", "band[:, inner_top:inner_bottom, :left] = value", "left",
     "left + 1"):
        "the border fill reaches into the image's first column, which the copy of the "
        "image two lines below overwrites",
    ("kerasmini/ops/threads.py", "if self.threads < self.before:",
     "self.threads < self.before", "self.threads <= self.before"):
        "at equality BLAS's thread count is set to the value it has, then restored",
    ("kerasmini/ops/max_pooling_vjp.py", "if index < len(offsets) - 1:", "len(offsets) - 1",
     "(len(offsets))"):
        "the claimed mask is also updated after the last offset, and never read again",
    ("kerasmini/ops/average_pooling_vjp.py",
     "if direct(geometry) and g.dtype in (np.float32, np.float64):",
     "direct(geometry) and g.dtype in (np.float32, np.float64)",
     "g.dtype in (np.float32, np.float64)"):
        "strided slices for every window instead of running sums: the same sums, only "
        "slower for large windows (the choice is the forward's, docs/performance.md)",
    ("kerasmini/ops/average_pooling_vjp.py",
     "if direct(geometry) and g.dtype in (np.float32, np.float64):",
     "(np.float32, np.float64)", "(np.float64, np.float32)"):
        "membership in a tuple does not depend on its order",
    ("kerasmini/ops/bias_activation_vjp.py",
     "def bias_add_relu_vjp(g, out, x, bias, axis=-1, needed=(True, True)):",
     "True", "False"):
        "the default is never used: the tape (autodiff.differentiable) always passes "
        "`needed`",
    ("kerasmini/ops/threads.py", "work()", "work()", "pass"):
        WORK_CUT + ": the calling thread leaves its share to the pool threads, which "
        "take parts until none is left",
    ("kerasmini/ops/threads.py", "if WORKERS < 2 or batch < 2 or nbytes < PARALLEL_BYTES:",
     "nbytes < PARALLEL_BYTES", "nbytes <= PARALLEL_BYTES"): WORK_CUT,
    ("kerasmini/ops/threads.py", "over_batch_parts(blocks, rows, rows * row_bytes)",
     "rows * row_bytes", "rows / row_bytes"):
        WORK_CUT + ": the byte count only decides whether two threads share the rows",
    ("kerasmini/ops/volume_transposed_convolution_vjp.py",
     "geometry = TransposeGeometry(x.shape[1:4], kernel.shape[:3], strides, padding,",
     "3", "4"): "a (kd, kh, kw, C, F) kernel's first four sizes zip with the three axes: "
                "the fourth is never read",
    ("kerasmini/ops/volume_transposed_convolution_vjp.py",
     "geometry = TransposeGeometry(x.shape[1:4], kernel.shape[:3], strides, padding,",
     "3", "2"): "the rule reads the geometry's depth crop and 2D options, not the output "
                "sizes the third kernel size feeds",
    ("kerasmini/ops/volume_convolution_vjp.py",
     "dstack = dstack.reshape(count, planes.stop - planes.start, h, w, groups, -1,",
     "-1", "-2"): "NumPy's reshape infers any negative size, not only -1",
    ("kerasmini/ops/transposed_convolution_vjp.py", "keep = min(out_n, full - cut)",
     "full - cut", "(full)"):
        "'same' crops cut = (full - out_n) // 2 <= full - out_n, so out_n <= full - cut and "
        "min() picks out_n either way; 'valid' has cut = 0 and nothing changes",
    ("kerasmini/ops/transposed_convolution_vjp.py", "keep = min(out_n, full - cut)",
     "full - cut", "full + cut"):
        "as for (full): out_n <= full - cut whenever cut > 0",
    ("kerasmini/ops/average_pooling_vjp.py",
     "share = g.astype(np.float64) / geometry.counts(np.dtype(np.float64))",
     "np.float64", "np.float32"):
        "the counts are whole numbers of pixels, exact in float32, and the quotient is "
        "float64 either way",
    ("kerasmini/ops/transposed_convolution_vjp.py", "dkernel.astype(kernel.dtype))",
     "dkernel.astype(kernel.dtype)", "dkernel"): TAPE_CASTS,
    ("kerasmini/ops/volume_convolution_vjp.py",
     "dx = from_channels_last(dx.astype(x.dtype, copy=False), data_format)",
     "dx.astype(x.dtype, copy=False)", "dx"): TAPE_CASTS,
    ("kerasmini/ops/products.py",
     "rows = max(MIN_ROWS, -(-m // (BLOCKS_PER_WORKER * WORKERS)))",
     "BLOCKS_PER_WORKER * WORKERS", "(WORKERS)"): WORK_CUT,
    ("kerasmini/ops/products.py",
     "rows = max(MIN_ROWS, -(-m // (BLOCKS_PER_WORKER * WORKERS)))",
     "BLOCKS_PER_WORKER * WORKERS", "(BLOCKS_PER_WORKER)"): WORK_CUT,
    ("kerasmini/ops/linear_vjp.py", "flat_g = g.reshape(-1, kernel.shape[-1])", "-1", "1"):
        "a Dense kernel is 2D: its axis 1 is its last",
    ("kerasmini/ops/batch_product_vjp.py",
     "return batch_product(g, np.swapaxes(b, -1, -2)), batch_product(np.swapaxes(a, -1, -2), g)",
     "np.swapaxes(b, -1, -2)", "np.swapaxes(b, -2, -1)"): SWAP_SYMMETRIC,
    ("kerasmini/ops/batch_product_vjp.py",
     "return batch_product(g, np.swapaxes(b, -1, -2)), batch_product(np.swapaxes(a, -1, -2), g)",
     "np.swapaxes(a, -1, -2)", "np.swapaxes(a, -2, -1)"): SWAP_SYMMETRIC,
    ("kerasmini/ops/resizing_vjp.py", "wide = np.float32 if g.dtype == np.float16 else g.dtype",
     "np.float32", "np.float64"):
        "float16's gradient summed in float64 rather than float32: more precise than the "
        "float16 result it is rounded to",
    ("kerasmini/ops/resizing_vjp.py",
     "rows_t = interpolation_matrix(height, size[0], interpolation).T.astype(wide)",
     "interpolation_matrix(height, size[0], interpolation).T.astype(wide)",
     "interpolation_matrix(height, size[0], interpolation).T"):
        "the float64 weights kept: the products run in float64, " + TAPE_CASTS,
    ("kerasmini/optimizers/adam.py",
     "if (self.amsgrad or len(variables) < 2 or len(dtypes) > 1", "len(dtypes) > 1",
     "len(dtypes) >= 1"):
        "every step one variable at a time instead of one flat array: the same elementwise "
        "bits (optimizers/flat_state.py says why), only slower",
}


# Lines that only estimate a block's workspace: a wrong estimate cuts the work into
# other blocks (every cut is covered, tests/test_kernel_paths.py), never other values.
WORKSPACE_ESTIMATES = ("row_bytes = ", "budget = ")


def reason(row):
    """Why the mutant in a results row is equivalent, or None."""
    source = row.get("source", "")
    if row["new"] in ("True", "False") and f"copy={row['old']}" in source:
        return "copy= decides whether a copy is made, not its values (no longer generated)"
    if row["path"].startswith("kerasmini/ops/") and source.startswith(WORKSPACE_ESTIMATES):
        return WORK_CUT
    return EQUIVALENT.get((row["path"], source, row["old"], row["new"]))
