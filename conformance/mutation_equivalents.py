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

MEL_GRID = (
    "the stft bins' frequencies in float64 instead of float32 (as tf.keras's "
    "linear_to_mel_weight_matrix): the filters move by up to ~1e-5 (float32 rounding of "
    "mel values near 2,000, divided by a band ~30 mels wide), towards the exact float64 "
    "filters. Both grids are within float32's tolerance of tf.keras and of the float64 "
    "reference (tf.keras has no float64 MelSpectrogram to decide the float64 layer): "
    "neither is a wrong answer, only a choice of whose rounding to follow")

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
    # ---- the ops/ sweep of stop 12 (kernels, layout, products, image ops)
    ("kerasmini/ops/window_reduction.py",
     "tiled = stride == pool and before == 0 and g.shape[axis] * stride == dx.shape[axis]",
     "g.shape[axis] * stride", "g.shape[axis] / stride"):
        "`tiled` only skips the zero fill when windows tile dx exactly; False takes the "
        "general path (zero fill, then add every tap), the same values",
    ("kerasmini/ops/window_reduction.py", "if out_part.stop > out_part.start:",
     "out_part.stop > out_part.start", "out_part.stop >= out_part.start"):
        "an empty tap adds an empty slice: nothing",
    ("kerasmini/ops/transposed_convolution.py",
     "pads = [(-(-k // s) - 1) * d for _, k, s, _, d in axes]", "-k // s", "-k * s"):
        "a wider zero border: every phase reads from pad - (taps - 1) * d on "
        "(_phase_span), so the extra zeros are never read",
    ("kerasmini/ops/volume_convolution.py",
     "return stack.reshape(count[0] * count[1], h, w, -1)", "-1", "-2"):
        "NumPy's reshape infers any negative size, not only -1",
    ("kerasmini/ops/resizing.py",
     "step = x.shape[axis] * period // len(below)  # q: input pixels per period",
     "x.shape[axis] * period // len(below)", "x.shape[axis] * period * len(below)"):
        "a wrong step fails _lerp_by_residue's own check of the sources' spacing, and the "
        "caller gathers the same sums",
    ("kerasmini/ops/resizing.py", "or np.abs(weight[run] - w).max() > 1e-9):", "run",
     "run - 1"):
        "a guard against rounding: the weights of one residue are one rational position's "
        "fraction (equal to ~1e-15); comparing the neighbours' weights instead only sends "
        "more residues to the gather, the same sums",
    ("kerasmini/ops/resizing.py", "return True", "True", "False"):
        "the caller then gathers every output: the same sums, only slower",
    ("kerasmini/ops/resizing.py",
     "return np.minimum((2 * o + 1) * length // (2 * new_length), length - 1)",
     "length - 1", "length + 1"):
        "(2o + 1) L // (2M) <= L - 1 for every o < M: the clamp never acts",
    ("kerasmini/ops/image_transform.py",
     "cols = np.arange(width, dtype=np.float64).reshape(1, 1, width)",
     "np.arange(width, dtype=np.float64)", "np.arange(width)"):
        "int64 columns promote to float64 against the float64 transform",
    ("kerasmini/ops/image_transform.py",
     "mapped = np.where(coord < 0, low, np.where(coord > length - 1, high, coord))",
     "coord < 0", "coord <= 0"):
        "at coord 0 the reflection gives -1, which the clamp that follows makes 0 again",
    ("kerasmini/ops/image_transform.py", "return np.clip(mapped, 0, length - 1)",
     "np.clip(mapped, 0, length - 1)", "np.clip(0, mapped, length - 1)"):
        "clip(a, lo, hi) is min(max(a, lo), hi), and max is symmetric",
    ("kerasmini/ops/image_transform.py",
     "np.clip(cols, 0, width - 1).astype(np.intp), inside)", "0", "-1"):
        "a column clamped to -1 is outside, and a tap outside is zeroed after its read "
        "(_transform_chunk) whatever pixel it read",
    ("kerasmini/ops/max_pooling.py",
     "geometry = pool_geometry(np.shape(inputs), x.shape[1:3], pool_size, strides, padding)",
     "3", "4"):
        "the channel count rides along as a third size, which every zip with the two "
        "pool sizes drops",
    ("kerasmini/ops/depthwise_convolution.py",
     "in zip(x.shape[1:3], pads, (kh, kw), strides, dilation_rate)]", "3", "4"):
        "zip stops at the two pads: the channel count is never read",
    ("kerasmini/ops/depthwise_convolution.py", "dtype = np.result_type(x, kernel)",
     "np.result_type(x, kernel)", "np.result_type(kernel, x)"):
        "type promotion is symmetric",
    ("kerasmini/ops/volume_transposed_convolution.py",
     "out = np.zeros((x.shape[0], *geometry.out, kernel.shape[3]), "
     "accumulator_dtype(x, kernel))",
     "accumulator_dtype(x, kernel)", "accumulator_dtype(kernel, x)"):
        "type promotion is symmetric",
    ("kerasmini/ops/threads.py", '_executor = ThreadPoolExecutor(max(WORKERS - 1, 1), '
     'thread_name_prefix="kerasmini-pool")', "1", "0"):
        "the pool is made only when two threads share the work (WORKERS >= 2), so "
        "WORKERS - 1 >= 1 either way",
    ("kerasmini/ops/layout.py", "for i in range(0, view.shape[where], TILE):",
     "view.shape[where]", "view.shape[where] + 1"):
        "a tile starting past the end is empty",
    ("kerasmini/ops/normalization.py",
     "return mean, squares.sum(axis=reduced, dtype=np.float64) / count - rounding * rounding",
     "np.float64", "np.float32"):
        "NumPy's pairwise float32 sum of the centred squares errs by ~log2(N) float32 "
        "ulps, 100x below float32's rtol 1e-5 at any batch a test can hold: the float64 "
        "accumulation is a margin no tolerance of the policy can see",
    ("kerasmini/ops/recurrence.py", "zero_output_for_mask=False, return_sequences=True):",
     "True", "False"):
        "the default is never used: the one caller (layers/rnn/rnn.py) passes every argument",
    ("kerasmini/ops/bias_activation.py", "shape[axis] = bias.shape[0]", "0", "-1"):
        "a bias is 1-D: its axis -1 is its axis 0",
    ("kerasmini/ops/contractions.py",
     'return np.einsum("i,i->", np.reshape(x1, -1), np.reshape(x2, -1))',
     "np.einsum(\"i,i->\", np.reshape(x1, -1), np.reshape(x2, -1))",
     "np.einsum(\"i,i->\", np.reshape(x2, -1), np.reshape(x1, -1))"):
        "a real dot product is symmetric",
    # ---- the sweep of autodiff/, losses/, metrics/, models/, callbacks/, saving/
    ("kerasmini/autodiff/numpy_rules.py",
     "return np.reshape(x, (-1,)), lambda y: np.reshape(y, np.shape(x))", "-1", "-2"):
        "NumPy's reshape infers any negative size, not only -1",
    ("kerasmini/autodiff/traced.py", "return np.reshape(self, -1, order=order).copy()",
     "1", "2"): "NumPy's reshape infers any negative size, not only -1",
    ("kerasmini/autodiff/numpy_rules.py",
     'return tape.record(result, (x,), lambda g: (g.astype(source.dtype),), "cast")',
     "g.astype(source.dtype)", "g"): TAPE_CASTS,
    ("kerasmini/losses/losses.py",
     "return np.where(np.abs(e) <= delta, e, delta * np.sign(e))", "delta * np.sign(e)",
     "delta / np.sign(e)"):
        "sign(e) is +-1 wherever |e| > delta picks this branch (1 / s = s); at e = 0 the "
        "other branch is taken",
    ("kerasmini/losses/loss.py", "else np.zeros((), dtype))", "np.zeros", "np.ones"):
        "the scale of a mask that keeps nothing multiplies no kept value: "
        "np.where(mask, scale, 0) is 0 everywhere either way",
    ("kerasmini/losses/loss.py", "float_mask = np.where(mask, scale, 0).astype(dtype)",
     "np.where(mask, scale, 0).astype(dtype)", "np.where(mask, scale, 0)"):
        "scale is already of `dtype` and the 0 is a weak Python int: the where is of "
        "`dtype` without the cast",
    ("kerasmini/optimizers/schedules/learning_rate_schedule.py",
     "decay_steps = decay_steps * (np.float32(1.0) if step == 0", "1.0", "2.0"):
        "at step 0 the decayed fraction is 0 / decay_steps = 0 whatever decay_steps is",
    ("kerasmini/saving/safe_reading.py", "except (OSError, TypeError, ValueError) as error:",
     "(OSError, TypeError, ValueError)", "(OSError, ValueError, TypeError)"):
        "an except clause's tuple matches whatever its order",
    ("kerasmini/saving/safe_reading.py",
     "for i in range(plist.get_nfilters() if layout == h5py.h5d.CHUNKED else 0):",
     "plist.get_nfilters() if layout == h5py.h5d.CHUNKED else 0",
     "plist.get_nfilters() if layout == h5py.h5d.CHUNKED else 0 - 1"):
        "range(-1) is as empty as range(0)",
    ("kerasmini/saving/saving_lib.py",
     "def load_model(filepath, custom_objects=None, compile=True):", "True", "False"):
        "the default is never used: keras.models.load_model passes `compile`",
    ("kerasmini/models/compile_outputs.py",
     "if len(self.names) == 1 and not isinstance(y, (list, tuple, dict)):",
     "(list, tuple, dict)", "(tuple, list, dict)"):
        "isinstance against a tuple of types does not depend on its order",
    ("kerasmini/layers/merging/dot.py", "if not isinstance(axes, (list, tuple)):",
     "(list, tuple)", "(tuple, list)"):
        "isinstance against a tuple of types does not depend on its order",
    # ---- stop 13 (mutants3): the second sweep's survivors, re-run with fresh samples
    ("kerasmini/models/inference.py",
     "return (_wide(kernel) * per_output).astype(dtype), shift.astype(dtype)",
     "shift.astype(dtype)", "shift"):
        "the folded bias kept in float64: conv.forward adds it to the layer's output and "
        "returns the layer's dtype (tests/test_inference checks it), one rounding fewer",
    ("kerasmini/models/inference.py",
     "if (reader is not None and len(node.outputs) == 1 and readers.get(id(output)) == 1",
     "reader is not None and len(node.outputs) == 1 and readers.get(id(output)) == 1\n"
     "                and id(output) not in kept and node.operation.activity_regularizer is None"
     "\n                and _relu_bounds(reader.operation) is not None\n"
     "                and reader.operation.compute_dtype == node.operation.compute_dtype\n"
     "                and not _mixed(node.operation)",
     "reader is not None and len(node.outputs) == 1 and (readers.get(id(output)) == 1) and "
     "(id(output) not in kept) and (node.operation.activity_regularizer is None) and "
     "(_relu_bounds(reader.operation) is not None) and (reader.operation.compute_dtype == "
     "node.operation.compute_dtype)"):
        "a mixed_float16 BatchNormalization fused with its ReLU: bn.forward casts the "
        "input and statistics as the layer's own call does, the same float16 bits "
        "(tests/test_inference, test_mixed_precision_layers_are_not_rewritten)",
    ("kerasmini/callbacks/reduce_lr_on_plateau.py",
     "self.best, self.cooldown_counter, self.wait = None, 0, 0", "0", "1"):
        "a wait or cooldown of 1 at train begin: the first epoch with a value always "
        "improves on best=None (reset on this line), which sets wait to 0, and spends the "
        "cooldown; the same decisions after",
    ("kerasmini/callbacks/reduce_lr_on_plateau.py",
     "self.best, self.cooldown_counter, self.wait = None, 0, 0", "0", "-1"):
        "a wait of -1 is set to 0 by the first epoch (an improvement on best=None); a "
        "cooldown of -1 acts as 0 (only `> 0` counts down, `<= 0` lets wait count)",
    ("kerasmini/ops/convolution_second_order.py",
     "stand_in = _stand_in(input_shape, np.result_type(g, kernel))",
     "np.result_type(g, kernel)", "np.result_type(kernel, g)"): "type promotion is symmetric",
    ("kerasmini/layers/merging/base_merge.py", "for m in mask[1:]:", "1", "0"):
        "the first mask OR-ed with itself once more: m | m is m",
    ("kerasmini/layers/core/lambda_layer.py",
     'for key in ("function", "output_shape", "mask"):',
     '("function", "output_shape", "mask")', '("function", "mask", "output_shape")'):
        "the order the keys are searched for stored code: any key holding it is refused "
        "with the same error class, whichever is found first",
    ("kerasmini/layers/merging/average.py",
     "return (total / np.asarray(len(inputs), dtype=total.dtype)).astype(total.dtype)",
     "np.asarray(len(inputs), dtype=total.dtype)", "np.asarray(len(inputs))"):
        "an int64 count divides in float64, rounded back to the inputs' dtype by the "
        "astype: float64 has 53 >= 2 * 24 + 2 bits, so the twice-rounded quotient is the "
        "correctly rounded float32 (and float16) quotient",
    ("kerasmini/layers/merging/concatenate.py", "ndim = len(shapes[0])", "0", "1"):
        "every shape must have this rank (the next line refuses any other), so the "
        "second's is the first's whenever the layer goes on",
    ("kerasmini/layers/rnn/bidirectional.py", "if isinstance(mask, (list, tuple)):",
     "(list, tuple)", "(tuple, list)"):
        "isinstance against a tuple of types does not depend on its order",
    ("kerasmini/layers/core/lambda_layer.py",
     "return merged if isinstance(runs[0], (list, tuple)) else merged[0]",
     "(list, tuple)", "(tuple, list)"):
        "isinstance against a tuple of types does not depend on its order",
    ("kerasmini/layers/rnn/gru.py", "inner = dense(h_previous, kernel[:, :2 * u])",
     "2 * u", "2 * u + 1"):
        "one column more of the recurrent product: only inner[:, :u] and inner[:, u:2u] "
        "are read",
    ("kerasmini/layers/normalization/widened.py",
     "return x.astype(np.float32) if x.dtype.itemsize < 4 else x",
     "x.dtype.itemsize < 4", "x.dtype.itemsize <= 4"):
        "float32 'widened' to float32: the same values",
    ("kerasmini/layers/normalization/widened.py",
     "return x.astype(np.float32) if x.dtype.itemsize < 4 else x", "4", "3"):
        "floats are 2, 4 or 8 bytes: < 3 picks float16 alone, as < 4",
    ("kerasmini/layers/core/reversible_embedding.py",
     "if input_shape[-1] not in (None, self.output_dim):", "(None, self.output_dim)",
     "(self.output_dim, None)"): "membership in a tuple does not depend on its order",
    ("kerasmini/ops/products.py",
     "row_slices(count, max(per_part, -(-count // (BLOCKS_PER_WORKER * WORKERS)))))",
     "-count // (BLOCKS_PER_WORKER * WORKERS)", "-count * (BLOCKS_PER_WORKER * WORKERS)"):
        WORK_CUT,
    ("kerasmini/ops/window_reduction.py", "reach = (first - 1) * stride - before + pool",
     "(first - 1) * stride - before + pool", "(pool)"):
        "first = ceil(before / stride) makes (first - 1) * stride < before, so the reach "
        "is below pool: the longer slice holds columns the first windows never read "
        "(their count is out[:, :, :first]'s)",
    ("kerasmini/ops/depthwise_convolution.py",
     "patches = windows.reshape(-1, kh * kw, channels)  # the im2col copy", "-1", "-2"):
        "NumPy's reshape infers any negative size, not only -1",
    ("kerasmini/optimizers/optimizer.py",
     "return [(g * np.asarray(scale, g.dtype)).astype(g.dtype) for g in grads]",
     "(g * np.asarray(scale, g.dtype)).astype(g.dtype)", "g * np.asarray(scale, g.dtype)"):
        "both factors are of g's dtype: the product is already",
    ("kerasmini/optimizers/adam.py",
     "if (self.amsgrad or len(variables) < 2 or len(dtypes) > 1", "len(variables) < 2",
     "len(variables) <= 2"):
        "two variables one at a time instead of one flat array: the same elementwise bits "
        "(optimizers/flat_state.py says why), only slower",
    ("kerasmini/optimizers/rmsprop.py",
     "average.assign(rho * average.value + (1 - rho) * gradient)",
     "rho * average.value + (1 - rho) * gradient", "rho * average.value - (1 - rho) * gradient"):
        "the average gradient starts at 0 and enters the step only squared: subtracting "
        "each gradient makes it exactly -a, the same a^2",
    ("kerasmini/layers/attention/grouped_query_attention.py",
     'rest = [k for k in config if k not in (*first, *switches, "num_heads", "key_dim",',
     '(*first, *switches, "num_heads", "key_dim",\n                                               "value_dim", "output_shape", "attention_axes")',
     '(*switches, *first, "num_heads", "key_dim",\n                                               "value_dim", "output_shape", "attention_axes")'):
        "membership in a tuple does not depend on its order",
    ("kerasmini/layers/core/reversible_embedding.py",
     "if self.tie_weights or not self.trainable:", "self.tie_weights or not self.trainable",
     "not self.trainable"):
        "a tied layer's reverse call then lists reverse_embeddings, None, as the weight "
        "its recording must reach: the check skips it, so it checks less but changes no "
        "value, gradient or error of a call that records (the tied transpose always does)",
    ("kerasmini/saving/legacy_h5_writer.py",
     'if include_optimizer and getattr(model, "compiled", False) and model.optimizer \\',
     'include_optimizer and getattr(model, "compiled", False) and model.optimizer \\\n'
     '                and model.optimizer.variables',
     "include_optimizer and model.optimizer and model.optimizer.variables"):
        "a model has an optimizer only once compile() set it: compiled is implied",
    ("kerasmini/saving/legacy_h5_writer.py",
     'if include_optimizer and getattr(model, "compiled", False) and model.optimizer \\',
     'include_optimizer and getattr(model, "compiled", False) and model.optimizer \\\n'
     '                and model.optimizer.variables',
     "include_optimizer and getattr(model, 'compiled', False) and model.optimizer"):
        "an optimizer always holds its iteration and learning_rate variables, before its "
        "first step too (tf.keras writes the same two for a compiled, untrained model): "
        "the last test never fails",
    ("kerasmini/ops/depthwise_convolution.py",
     "band_width = x.shape[2] + sum(pads[1])", "x.shape[2] + sum(pads[1])",
     "(sum(pads[1]))"):
        WORK_CUT + ": the band's width feeds only row_bytes, the workspace estimate",
    **{("kerasmini/layers/preprocessing/mel_spectrogram.py",
        'frequencies = np.linspace(0, self.sampling_rate / 2, bins, dtype="float32")[1:]',
        old, new): MEL_GRID for old, new in (
            ('"float32"', "'float64'"),
            ('np.linspace(0, self.sampling_rate / 2, bins, dtype="float32")',
             "np.linspace(0, self.sampling_rate / 2, bins)"))},
    **{("kerasmini/ops/linear_second_order.py", f"{rule}, inputs=2, recorded=True,",
        "2", "3"):
        "the third positional argument is a stand-in (a fresh zero-memory broadcast no "
        "tape follows): recorded as a differentiable input, no gradient ever flows to it"
        for rule in ("input_gradient_rule", "kernel_gradient_rule")},
    **{("kerasmini/saving/safe_reading.py", line, old, new):
        "the marks' counts are summed: their order changes nothing"
        for line, old, news in (
            ('marks = sum(text.count(c) for c in ((b",", b"[", b"{") if isinstance(text, bytes)',
             '(b",", b"[", b"{")', ('(b"[", b",", b"{")', '(b",", b"{", b"[")')),
            ('else (",", "[", "{")))', '(",", "[", "{")',
             ('("[", ",", "{")', '(",", "{", "[")')))
        for new in news},
    **{("kerasmini/ops/average_pooling.py", "return count & (count - 1) == 0", old, new):
        "no count above 1 is then called a power of two, so every window divides: "
        "x / 2^k and x * 2^-k are one rounding of the same real number, bitwise equal "
        "(tests/test_average_pooling2d.py checks them bitwise; count + 1, which calls "
        "3, 7 and 15 powers of two, fails there)"
        for old, new in (("count - 1", "1 - count"), ("count - 1", "(count)"),
                         ("1", "0"))},
    ("kerasmini/ops/linear_second_order.py",
     "kwargs = dict(kwargs, needed=(which == 0, which == 1))",
     "dict(kwargs, needed=(which == 0, which == 1))", "dict(kwargs)"):
        "the rule then computes both gradients and one is kept: the same values, twice "
        "the work",
    **{("kerasmini/saving/safe_reading.py", line, old, f"({old}) * 10"): why
       for line, old, why in (
           ("READ_PIECE_BYTES = 1 << 20        # members are streamed in pieces of this size",
            "1 << 20", "the piece size bounds the memory a lying member takes before it is "
            "refused (one piece past its declared size); the refusal is the same"),
           ("MAX_SOURCES = 64", "64",
            "the cache of open files' sources keeps more entries (a path or a weak "
            "reference each): memory only; ten times fewer fails "
            "tests/test_file_limits.py (64 files open at once)"))},
    ("kerasmini/saving/safe_reading.py",
     "READ_PIECE_BYTES = 1 << 20        # members are streamed in pieces of this size",
     "1 << 20", "(1 << 20) // 10"):
        "smaller pieces of the same stream: the same bytes read, the same refusals",
    ("kerasmini/callbacks/monitor_callback.py", 'if direction in ("down", "up"):',
     '("down", "up")', '("up", "down")'): "membership in a tuple does not depend on its order",
    ("kerasmini/autodiff/numpy_rules.py",
     "index = list(np.indices(np.shape(g), sparse=True))",
     "np.indices(np.shape(g), sparse=True)", "np.indices(np.shape(g))"):
        "dense index grids instead of broadcasting ones: the same positions, more memory",
    **{("kerasmini/autodiff/traced.py", "return iter(np.reshape(self.array, -1))", old,
        new): "NumPy's reshape infers any negative size, not only -1"
       for old, new in (("-1", "-2"), ("1", "2"))},
    **{("kerasmini/saving/safe_reading.py",
        "return -1  # libhdf5 would fail to inflate it: refused as corrupt", old, new):
        "any negative size means 'not a deflate stream' (check_chunks tests < 0)"
       for old, new in (("-1", "-2"), ("1", "2"))},
    ("kerasmini/ops/average_pooling.py", "return all(-(-k // s) <= DIRECT_OVERLAP",
     "-(-k // s)", "k // s"):
        "which of two paths computes the same window sums (direct, or running sums; "
        "tests/test_kernel_paths.py checks both): windows per pixel counted one fewer",
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
    if row["path"].startswith("kerasmini/ops/") and row["kind"] == "limit_scaled":
        return WORK_CUT + ": a kernel's module-level limit (tests shrink it to take every path)"
    return EQUIVALENT.get((row["path"], source, row["old"], row["new"]))
