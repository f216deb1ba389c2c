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
    scale = float(np.max(np.abs(expected), initial=1.0))
    error = np.abs(actual.astype(np.float64) - expected)
    bad = error > rtol * np.abs(expected) + rtol * scale
    assert not bad.any(), (
        f"{context}: {int(bad.sum())} of {error.size} elements differ; "
        f"max abs error {error.max():.3g} (output scale {scale:.3g}, rtol {rtol})")


def random_input(shape, dtype="float64", seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)
