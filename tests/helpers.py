"""One assertion helper: on failure it reports the config, the shapes and the max error."""
import numpy as np

# float32: rtol 1e-5 with atol scaled to the output's magnitude (sums of many products
# cancel, so a near-zero element can carry the rounding error of its large terms).
TOLERANCES = {"float64": 1e-12, "float32": 1e-5, "float16": 1e-2}


def assert_close(actual, expected, dtype, context):
    actual, expected = np.asarray(actual), np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, (
        f"{context}: shape {actual.shape} != expected {expected.shape}")
    assert actual.dtype == np.dtype(dtype), f"{context}: dtype {actual.dtype} != {dtype}"
    rtol = TOLERANCES[np.dtype(dtype).name]
    # non-finite values must match exactly (same NaN positions, same signed infinities);
    # the scale is that of the finite ones (an inf would make every error tolerable)
    finite = np.isfinite(expected)
    actual = actual.astype(np.float64)
    same = (np.isnan(actual) & np.isnan(expected)) | (actual == expected)
    assert np.all(same | finite), (
        f"{context}: {int((~same & ~finite).sum())} non-finite expected elements differ")
    assert np.all(np.isfinite(actual) | ~finite), (
        f"{context}: {int((~np.isfinite(actual) & finite).sum())} non-finite elements "
        f"where finite values are expected")
    scale = float(np.max(np.abs(expected), initial=1.0, where=finite))
    with np.errstate(invalid="ignore"):  # inf - inf where both are inf: not counted
        error = np.where(finite, np.abs(actual - expected), 0.0)
    bad = error > rtol * np.abs(np.where(finite, expected, 0)) + rtol * scale
    assert not bad.any(), (
        f"{context}: {int(bad.sum())} of {error.size} elements differ; "
        f"max abs error {error.max():.3g} (output scale {scale:.3g}, rtol {rtol})")


def random_input(shape, dtype="float64", seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)
