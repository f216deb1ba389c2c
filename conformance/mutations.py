"""Does the suite catch bugs? Apply each mutation to a scratch copy of the repository, run
the quick tier against it, and count the tests that fail *beyond* the unmutated baseline.

    python -m conformance.mutations            # all mutations (~30 s each on 2 cores)
    python -m conformance.mutations same_padding_top_left kernel_flipped

The working tree is never touched: each run copies it to a temporary directory.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> (file, exact text, replacement, what the bug is)
MUTATIONS = {
    "adam_without_bias_correction": (
        "kerasmini/optimizers/adam.py",
        "alpha = lr * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)",
        "alpha = lr",
        "Adam without bias correction (caught by conformance/test_optimizers.py)"),
    "same_padding_top_left": (
        "kerasmini/ops/shapes.py",
        "    return total // 2, total - total // 2",
        "    return total - total // 2, total // 2",
        "'same' padding puts the odd pixel top/left instead of bottom/right"),
    "kernel_flipped": (
        "kerasmini/ops/convolution.py",
        'def conv(inputs, kernel, strides=1, padding="valid", data_format=None, '
        'dilation_rate=1):\n',
        'def conv(inputs, kernel, strides=1, padding="valid", data_format=None, '
        'dilation_rate=1):\n    kernel = kernel[::-1, ::-1]\n',
        "kernel spatially flipped (convolution instead of cross-correlation)"),
    "channels_first_as_last": (
        "kerasmini/ops/layout.py",
        '    if data_format == "channels_first":\n        return np.moveaxis(x, 1, -1)',
        '    if False:\n        return np.moveaxis(x, 1, -1)',
        "channels_first input treated as channels_last by the kernels"),
    "maxpool_strides_default_ignored": (
        "kerasmini/layers/pooling/base_pooling.py",
        "strides = pool_size if strides is None else",
        "strides = (1,) * rank if strides is None else",
        "MaxPool2D strides=None means 1 instead of pool_size"),
    "dense_wrong_axis_rank3": (
        "kerasmini/ops/linear.py",
        "    x = np.asarray(inputs)\n",
        "    x = np.asarray(inputs)\n    if x.ndim == 3:\n        x = np.swapaxes(x, 1, 2)\n",
        "Dense contracts axis 1 instead of the last axis for rank-3 input"),
    "glorot_fan_without_receptive_field": (
        "kerasmini/initializers/random_initializers.py",
        "        receptive_field = math.prod(shape[:-2])",
        "        receptive_field = 1",
        "glorot fan-in/fan-out computed without the receptive field"),
    "vjp_dense_reshape_for_transpose": (
        "kerasmini/ops/linear_vjp.py",
        "    dx = product(flat_g, kernel.T).reshape(x.shape)",
        "    dx = product(flat_g, kernel.reshape(kernel.shape[::-1])).reshape(x.shape)",
        "Dense input gradient with a dropped transpose (W reshaped instead of W.T)"),
    "vjp_conv_scatter_column_stride": (
        "kerasmini/ops/window_gradients.py",
        "            cols = slice(b * dw, b * dw + sw * (ow - 1) + 1, sw)",
        "            cols = slice(b * dw, b * dw + dw * (ow - 1) + 1, dw)",
        "input gradient of strided windows scattered with the wrong (dilation) stride"),
    "vjp_batch_norm_without_mean_term": (
        "kerasmini/ops/normalization.py",
        "    dx = g - g_mean - x_hat * g_x_hat_mean",
        "    dx = g - x_hat * g_x_hat_mean",
        "BatchNormalization training gradient without the path through the batch mean"),
    "vjp_depthwise_kernel_not_rotated": (
        "kerasmini/ops/depthwise_convolution_vjp.py",
        "    rotated = kernel[::-1, ::-1].reshape(",
        "    rotated = kernel.reshape(",
        "depthwise input gradient (stride 1) correlated with the unrotated kernel"),
    "vjp_conv_transpose_same_crop_forgotten": (
        "kerasmini/ops/transposed_convolution_vjp.py",
        "        cut = conv_transpose_crop(n, out_n, k, s, padding, d)",
        "        cut = 0",
        "transposed convolution's output gradient aligned with the uncropped output"),
    "vjp_bilinear_weights_swapped": (
        "kerasmini/ops/resizing_vjp.py",
        "    np.add.at(matrix, (o, below), 1.0 - weight)",
        "    np.add.at(matrix, (o, below), weight)",
        "bilinear resize gradient sends the above neighbour's weight to the one below"),
    "no_error_for_filters_0": (
        "kerasmini/layers/convolutional/base_conv.py",
        "if not is_int(filters) or filters <= 0:",
        "if not is_int(filters) or filters < 0:",
        "no ValueError for Conv2D(filters=0)"),
    # Bugs in the chunked, blocked and threaded paths: they change outputs only for
    # inputs larger than a chunk, a block or the threading threshold, which
    # test_kernel_paths.py reaches by shrinking those limits.
    "chunk_last_images_dropped": (
        "kerasmini/ops/windows.py",
        "        for n0 in range(0, batch, images):",
        "        for n0 in range(0, batch - images + 1, images):",
        "the last, shorter group of whole images is never computed"),
    "chunk_last_band_dropped": (
        "kerasmini/ops/windows.py",
        "        for r0 in range(0, out_h, rows_per_block):",
        "        for r0 in range(0, out_h - rows_per_block + 1, rows_per_block):",
        "the last, shorter band of output rows is never computed"),
    "conv_band_starts_a_row_early": (
        "kerasmini/ops/windows.py",
        "    start = out_rows.start * stride_h\n",
        "    start = out_rows.start * stride_h - (out_rows.start > 0)\n",
        "every conv row band after the first reads its input one row too high"),
    "maxpool_block_offset_ignores_thread_part": (
        "kerasmini/ops/window_reduction.py",
        "            block = slice(images.start + block.start, images.start + block.stop)",
        "            block = slice(block.start, block.stop)",
        "the second thread pools the first thread's images"),
    "bias_relu_gradient_first_block_dropped": (
        "kerasmini/ops/bias_activation_vjp.py",
        "        total = sum(sums[start] for start in sorted(sums))",
        "        total = sum(sums[start] for start in sorted(sums)[1:])",
        "the bias gradient of a conv + relu leaves out the first block of images"),
    "max_pool_of_relu_mask_dropped": (
        "kerasmini/ops/max_pooling_vjp.py",
        "    masked = np.multiply(g, out > 0)",
        "    masked = np.multiply(g, out >= 0)",
        "the joint max pooling + relu rule routes the gradient of windows whose relu "
        "outputs are all 0 (caught by test_gradients.py's TestConvReluPoolGradients)"),
    "patch_columns_offsets_swapped": (
        "kerasmini/ops/windows.py",
        "    columns = np.ascontiguousarray(windows.transpose(3, 4, 5, 0, 1, 2))",
        "    columns = np.ascontiguousarray(windows.transpose(4, 3, 5, 0, 1, 2))",
        "a few-channel patch matrix built column by column swaps the window's rows and "
        "columns"),
    "thread_last_part_dropped": (
        "kerasmini/ops/threads.py",
        "    over_parts(task, [slice(i, min(i + step, batch)) for i in range(0, batch, step)])",
        "    over_parts(task, [slice(i, min(i + step, batch)) for i in range(0, batch - step, "
        "step)])",
        "the second thread's share of the batch is never computed"),
    # Winograd F(2x2, 3x3) (ops/winograd.py): conformance/test_winograd.py forces small
    # inputs through it.
    "winograd_input_transform_row": (
        "kerasmini/ops/winograd.py",
        "        np.subtract(d[1], d[3], out=out)",
        "        np.subtract(d[2], d[3], out=out)",
        "the last row of the input transform B^T takes d2 - d3 instead of d1 - d3"),
    "winograd_kernel_transform_sign": (
        "kerasmini/ops/winograd.py",
        "    return 0.5 * (ends + middle) if k == 1 else 0.5 * (ends - middle)",
        "    return 0.5 * (ends + middle) if k == 1 else 0.5 * (ends + middle)",
        "the kernel transform's third row G[2] adds the middle tap instead of taking it"),
    "winograd_odd_row_misplaced": (
        "kerasmini/ops/winograd.py",
        "        rows = slice(2 * tile_rows.start + a, min(2 * tile_rows.stop, out_h), 2)",
        "        rows = slice(2 * tile_rows.start + a, min(2 * tile_rows.stop, out_h) - a, 2)",
        "odd output rows of every row band stop one row early: the last is never written"),
}


def copy_repo(dest):
    ignore = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.pyc", ".pytest_cache")
    shutil.copytree(ROOT, dest, ignore=ignore)


def run_quick(repo, junit):
    env = dict(os.environ, PYTHONPATH=repo, KM_CONFORMANCE_SEED=os.environ.get(
        "KM_CONFORMANCE_SEED", "12345"))
    env.pop("KM_CONFORMANCE_LAYER", None)
    start = time.time()
    proc = subprocess.run([sys.executable, "-m", "conformance", "--quick", "--junit", junit],
                          cwd=repo, env=env, capture_output=True, text=True)
    failed = set()
    if os.path.exists(junit):
        for case in ET.parse(junit).iter("testcase"):
            if case.get("classname", "").startswith("conformance.models"):
                continue  # another suite living under conformance/ (models); not counted
            if case.find("failure") is not None or case.find("error") is not None:
                failed.add(f"{case.get('classname')}::{case.get('name')}")
    return proc.returncode, failed, time.time() - start, proc.stdout


def main(names):
    names = names or list(MUTATIONS)
    with tempfile.TemporaryDirectory(prefix="km_mutants_") as tmp:
        base_repo = os.path.join(tmp, "baseline")
        copy_repo(base_repo)
        rc, baseline, secs, _ = run_quick(base_repo, os.path.join(tmp, "baseline.xml"))
        print(f"baseline (unmutated): exit {rc}, {len(baseline)} failing tests, {secs:.0f}s")
        rows, all_caught = [], True
        for name in names:
            path, old, new, what = MUTATIONS[name]
            repo = os.path.join(tmp, name)
            copy_repo(repo)
            target = os.path.join(repo, path)
            text = open(target).read()
            if text.count(old) != 1:
                print(f"{name}: SKIPPED, the text to mutate is not in {path} exactly once")
                all_caught = False
                continue
            with open(target, "w") as f:
                f.write(text.replace(old, new))
            rc, failed, secs, _ = run_quick(repo, os.path.join(tmp, name + ".xml"))
            new_failures = sorted(failed - baseline)
            caught = rc != 0 and bool(new_failures)
            all_caught &= caught
            by_file = {}
            for t in new_failures:
                key = t.split("::")[0].rsplit(".", 1)[-1]
                by_file[key] = by_file.get(key, 0) + 1
            rows.append((name, what, caught, len(new_failures), by_file, secs))
            print(f"{name}: {'CAUGHT' if caught else 'MISSED'} ({what}): exit {rc}, "
                  f"{len(new_failures)} new failing tests {by_file}, {secs:.0f}s", flush=True)
            for t in new_failures[:3]:
                print(f"    e.g. {t}")
            shutil.rmtree(repo, ignore_errors=True)
    return 0 if all_caught else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
