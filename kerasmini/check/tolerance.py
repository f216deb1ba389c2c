"""When do two float outputs agree? The tolerance policy of `check` and conformance/.

An output agrees with its float64 reference when, elementwise,
    |got - ref| <= rtol * |ref| + atol,     atol = rtol * scale by default,
scale = the largest finite |ref| of the output; non-finite entries must match exactly
(same NaN positions, same infinities with the same sign).

* float32: rtol = 1e-5. A float32 result carries one rounding of the output (2**-24
  relative) plus the rounding of a K-term sum (about sqrt(K) * 2**-24 of the largest
  partial sum): far below 1e-5 of the output's scale for the sums of ordinary layers.
  atol is scaled to the output's magnitude because an element that cancels to near zero
  still carries the absolute error of the sum that produced it.
* float64: rtol = 1e-12, the same argument with 2**-53.
* float16: rtol = 1e-2. float16 has 2**-11 ~ 4.9e-4 unit roundoff; NumPy and TensorFlow
  accumulate float16 sums with different internal precision, so the bound must hold for a
  sum rounded at every step: ~sqrt(K) * u ~ 6e-3 of the scale for K = 150; 1e-2 (about
  20 float16 ulps) covers it and is still 10x smaller than a structural bug (a wrong tap,
  pad or axis changes outputs by O(1) of the scale).
* boolean and integer outputs (a mask, token ids, an argmax): equal, element for element;
  no rounding makes them differ.
"""
import math

import numpy as np

RTOL = {"float16": 1e-2, "float32": 1e-5, "float64": 1e-12}

# Two float64 runs of different code (kerasmini's and tf.keras's float64 twins of a layer)
# agree closely enough to arbitrate a layer of this dtype: 100x inside its rtol (float64:
# the rtol itself, nothing finer is meaningful). tf.keras's float64 layers round a few
# constants to float32 (~1e-8 relative): inside the float32 and float16 bounds, outside
# the float64 one, where divergences.py names that cause instead.
ARBITER_RTOL = {"float16": 1e-4, "float32": 1e-7, "float64": 1e-12}


def compare(got, ref, dtype, rtol=None, atol=None):
    """(ok, max_abs_err, ulps, why) for one output against its float64 reference.

    `dtype` is the precision the output was computed in (it sets rtol and the ulp);
    rtol / atol override the policy above when given."""
    got = np.asarray(got)
    if np.dtype(dtype).kind not in "f":  # a mask, token ids, an argmax: exact
        return _compare_exact(got, np.asarray(ref))
    ref_d = np.asarray(ref, np.float64)
    if got.shape != ref_d.shape:
        return False, math.inf, math.inf, f"shape {got.shape} != reference {ref_d.shape}"
    got64 = got.astype(np.float64)
    with np.errstate(over="ignore"):
        ref_in_dtype = ref_d.astype(dtype)  # where the reference overflows the dtype
    nonfinite = ~np.isfinite(ref_in_dtype)
    if not np.array_equal(np.isnan(got64), np.isnan(ref_in_dtype)):
        return False, math.inf, math.inf, (
            f"NaN positions differ ({int(np.isnan(got64).sum())} vs reference "
            f"{int(np.isnan(ref_in_dtype).sum())})")
    infs = np.isinf(ref_in_dtype)
    if not np.array_equal(got64[infs], ref_in_dtype[infs].astype(np.float64)) or \
            np.isinf(got64[~nonfinite]).any():
        return False, math.inf, math.inf, "infinities differ from the reference"
    finite = ~nonfinite
    if not finite.any():
        return True, 0.0, 0.0, ""
    g, r = got64[finite], ref_d[finite]
    rtol = RTOL[dtype] if rtol is None else rtol
    scale = float(np.max(np.abs(r)))
    atol = rtol * scale if atol is None else atol
    err = np.abs(g - r)
    max_err = float(err.max())
    ulp = float(np.spacing(np.array(scale, dtype=dtype))) if scale > 0 else \
        float(np.finfo(dtype).smallest_subnormal)
    ulps = max_err / ulp
    bad = err > rtol * np.abs(r) + atol
    if bad.any():
        return False, max_err, ulps, (
            f"max abs err {max_err:.3g} (scale {scale:.3g}, {ulps:.1f} {dtype} ulps), "
            f"{int(bad.sum())}/{bad.size} elements beyond rtol={rtol:g}, atol={atol:.3g}")
    return True, max_err, ulps, ""


def _compare_exact(got, ref):
    """(ok, max_abs_err, 0, why) of a boolean or integer output: equal or not."""
    if got.shape != ref.shape:
        return False, math.inf, math.inf, f"shape {got.shape} != reference {ref.shape}"
    differ = got != ref
    if not differ.any():
        return True, 0.0, 0.0, ""
    error = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64))))
    return False, error, 0.0, (f"{int(differ.sum())}/{differ.size} elements differ "
                               f"(exact {ref.dtype} output)")
