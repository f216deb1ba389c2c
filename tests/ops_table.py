"""The table of keras.ops cases shared by tests/test_keras_ops.py (NumPy references and
finite differences) and conformance/test_keras_ops.py (keras.ops and tf.GradientTape).

A case: (name, op, inputs, kwargs, differentiable, reference). `op` is the function's
name in kerasmini.ops and in keras.ops; `inputs` are (shape, kind) pairs made by
`make_inputs`; `kwargs` are passed to both libraries; `differentiable` says whether the
gradient with respect to the float inputs is compared (False: an op whose output is
an index, a bool or a constant, for which TensorFlow gives None and kerasmini no
gradient either; `_leading`: positional arguments before the arrays, as einsum's
subscripts); `reference(*arrays, **kwargs)` is an independent NumPy formula where
kerasmini's implementation is composed of other operations (None: the values are
compared with keras.ops only, in conformance/). A `_pick` keyword names the one
output compared of an op with several (eigenvectors' signs are a convention of each
library's solver, so eigh compares its eigenvalues). `_symmetric`: the op reads a
symmetric matrix's lower triangle only, and the libraries' rules differ in where they
put the gradient of the upper one (TensorFlow: symmetrized for cholesky, folded onto the
lower triangle for eigh), so the op is applied to (x + x^T) / 2, which both agree on.
"""
import numpy as np

KINDS = {
    "any": lambda rng, shape: rng.standard_normal(shape),
    "positive": lambda rng, shape: rng.uniform(0.5, 2.0, shape),
    "unit": lambda rng, shape: rng.uniform(-0.9, 0.9, shape),
    "above1": lambda rng, shape: rng.uniform(1.2, 3.0, shape),
    "prob": lambda rng, shape: rng.uniform(0.05, 0.95, shape),
    "nans": lambda rng, shape: np.where(rng.random(shape) < 0.25, np.nan,
                                        rng.standard_normal(shape)),
    "int": lambda rng, shape: rng.integers(0, 4, shape).astype("int32"),
    "bool": lambda rng, shape: rng.random(shape) > 0.5,
    "spd": lambda rng, shape: _spd(rng, shape),
    "onehot": lambda rng, shape: np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])],
    "count": lambda rng, shape: rng.integers(1, 9, shape).astype("int32"),
    # ids 0, 1, 2 in some order, each used at least once
    "segments": lambda rng, shape: rng.permutation(np.arange(shape[0]) % 3).astype("int32"),
    "sorted": lambda rng, shape: np.sort(rng.standard_normal(shape), axis=-1),
    # (k, 2) distinct (row, column) positions in a 3 x 4 array
    "cells": lambda rng, shape: np.stack(divmod(rng.permutation(12)[:shape[0]], 4),
                                         -1).astype("int32"),
}


def _spd(rng, shape):
    a = rng.standard_normal(shape)
    return a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])


def make_inputs(inputs, float_dtype="float64", seed=0):
    """The case's input arrays: float kinds in `float_dtype`, ints int32, bools bool."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape, kind in inputs:
        array = np.asarray(KINDS[kind](rng, shape))
        arrays.append(array.astype(float_dtype) if array.dtype.kind == "f" else array)
    return arrays


def _c(name, op, inputs, differentiable=True, reference=None, **kwargs):
    return (name, op, inputs, kwargs, differentiable, reference)


# NumPy formulas of activations whose float64 TensorFlow forward uses float32 constants
_REFERENCES = {
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "gelu": lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))),
}



def _attention(query, key, value, is_causal=False):
    """softmax(q k^T / sqrt(depth)) v per head, kv heads shared by groups of query
    heads; masked logits excluded by -inf."""
    groups = query.shape[2] // key.shape[2]
    key, value = np.repeat(key, groups, axis=2), np.repeat(value, groups, axis=2)
    logits = np.einsum("btnh,bsnh->bnts", query, key) / np.sqrt(query.shape[-1])
    if is_causal:
        logits = np.where(np.tri(*logits.shape[2:], dtype=bool), logits, -np.inf)
    weights = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return np.einsum("bnts,bsnh->btnh", weights / weights.sum(-1, keepdims=True), value)


A, B, M, V = ((3, 4), "any"), ((3, 4), "any"), ((4, 4), "any"), ((4,), "any")
POS, UNIT = ((3, 4), "positive"), ((3, 4), "unit")
INT, BOOL = ((3, 4), "int"), ((3, 4), "bool")

_UNARY = ["sin", "cos", "tan", "arctan", "sinh", "cosh", "arcsinh", "tanh", "exp", "exp2",
          "expm1", "negative", "square", "abs", "deg2rad", "rad2deg", "relu", "relu6",
          "sigmoid", "softplus", "softsign", "silu", "log_sigmoid", "selu", "gelu",
          "hard_sigmoid", "hard_tanh", "elu", "leaky_relu", "softmax", "log_softmax", "erf"]
_POSITIVE = ["log", "log2", "log10", "log1p", "sqrt", "cbrt", "reciprocal", "rsqrt"]
_BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum",
           "arctan2", "logaddexp", "hypot"]
_CONSTANT = ["floor", "ceil", "round", "sign", "trunc", "isnan", "isinf", "isfinite"]
_COMPARE = ["equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
            "logical_and", "logical_or", "logical_xor"]

CASES = (
    [_c(op, op, [A], reference=_REFERENCES.get(op)) for op in _UNARY]
    + [_c(op, op, [POS]) for op in _POSITIVE]
    + [_c(op, op, [UNIT]) for op in ("arcsin", "arccos", "arctanh")]
    + [_c("arccosh", "arccosh", [((3, 4), "above1")])]
    + [_c(op, op, [A, B]) for op in _BINARY]
    + [_c("add_broadcast", "add", [A, ((4,), "any")]),
       _c("multiply_int_float", "multiply", [INT, A]),
       _c("power", "power", [POS, B]),
       _c("mod", "mod", [POS, ((3, 4), "above1")]),
       _c("floor_divide", "floor_divide", [POS, ((3, 4), "above1")], False),
       _c("matmul", "matmul", [A, ((4, 2), "any")])]
    + [_c(op, op, [A], False) for op in _CONSTANT]
    + [_c(op, op, [A, B], False) for op in _COMPARE]
    + [_c("logical_not", "logical_not", [BOOL], False)]
    # reductions
    + [_c(f"{op}_{i}", op, [A], **kw) for op in ("sum", "mean", "max", "min", "var", "std",
                                                 "prod")
       for i, kw in enumerate([{}, {"axis": 1}, {"axis": 0, "keepdims": True}])]
    + [_c("sum_int", "sum", [INT], False), _c("mean_int", "mean", [INT], False),
       _c("sum_bool", "sum", [BOOL], False),
       _c("median", "median", [A], reference=np.median, axis=1),
       _c("median_all", "median", [A], reference=np.median),
       _c("quantile", "quantile", [A], reference=np.quantile, q=[0.2, 0.75], axis=0),
       _c("quantile_lower", "quantile", [A], reference=np.quantile, q=0.4, axis=1,
          method="lower"),
       _c("logsumexp", "logsumexp", [A], axis=1),
       _c("percentile", "percentile", [A], reference=np.percentile, q=[10, 90], axis=1),
       _c("ptp", "ptp", [A], axis=0),
       _c("nansum", "nansum", [((3, 4), "nans")], reference=np.nansum, axis=1),
       _c("nanmean", "nanmean", [((3, 4), "nans")], reference=np.nanmean, axis=0),
       _c("nanmax", "nanmax", [((3, 4), "nans")], reference=np.nanmax, axis=1),
       _c("nanmin", "nanmin", [((3, 4), "nans")], reference=np.nanmin),
       _c("isclose", "isclose", [A, B], False), _c("allclose", "allclose", [A, A], False),
       _c("cumsum", "cumsum", [A], axis=1), _c("cumsum_flat", "cumsum", [A]),
       _c("cumprod", "cumprod", [POS], axis=0),
       _c("batch_normalization", "batch_normalization", [A, V, ((4,), "positive")], axis=1),
       _c("sort", "sort", [A], reference=np.sort, axis=1),
       _c("sort_0", "sort", [A], reference=np.sort, axis=0),
       _c("argsort", "argsort", [A], False, axis=1),
       _c("argmax", "argmax", [A], False, axis=1), _c("argmin", "argmin", [A], False),
       _c("any", "any", [BOOL], False, axis=0), _c("all", "all", [BOOL], False),
       _c("count_nonzero", "count_nonzero", [INT], False, axis=1),
       _c("norm", "norm", [A]), _c("norm_1", "norm", [A], ord=1, axis=1),
       _c("norm_inf", "norm", [A], ord=np.inf, axis=0),
       _c("norm_fro", "norm", [M], reference=np.linalg.norm, ord="fro", axis=(0, 1)),
       _c("norm_matrix_1", "norm", [M], reference=np.linalg.norm, ord=1, axis=(0, 1))]
    # arrays
    + [_c("reshape", "reshape", [A], newshape=(2, 6)),
       _c("transpose", "transpose", [((2, 3, 4), "any")], axes=(2, 0, 1)),
       _c("expand_dims", "expand_dims", [A], axis=1),
       _c("squeeze", "squeeze", [((3, 1, 4), "any")], axis=1),
       _c("swapaxes", "swapaxes", [A], axis1=0, axis2=1),
       _c("moveaxis", "moveaxis", [((2, 3, 4), "any")], source=0, destination=2),
       _c("broadcast_to", "broadcast_to", [((1, 4), "any")], shape=(3, 4)),
       _c("concatenate", "concatenate", [[A, B]], axis=1),
       _c("stack", "stack", [[A, B]], axis=1),
       _c("split", "split", [((6, 4), "any")], indices_or_sections=3),
       _c("split_at", "split", [((6, 4), "any")], indices_or_sections=[1, 4], axis=0),
       _c("tile", "tile", [A], reference=lambda x, repeats: np.tile(x, repeats),
          repeats=(2, 1, 3)),
       _c("repeat", "repeat", [A], repeats=2, axis=1),
       _c("roll", "roll", [A], reference=np.roll, shift=2, axis=1),
       _c("roll_flat", "roll", [A], reference=np.roll, shift=-5),
       _c("flip", "flip", [A], reference=np.flip, axis=1),
       _c("flip_all", "flip", [A], reference=np.flip),
       _c("fliplr", "fliplr", [A], reference=np.fliplr),
       _c("flipud", "flipud", [A], reference=np.flipud),
       _c("pad", "pad", [A], pad_width=((1, 2), (0, 1))),
       _c("pad_reflect", "pad", [A], reference=np.pad, pad_width=((1, 2), (2, 1)),
          mode="reflect"),
       _c("pad_symmetric", "pad", [A], reference=np.pad, pad_width=((2, 2), (3, 1)),
          mode="symmetric"),
       _c("take", "take", [A, ((5,), "int")], axis=1, reference=np.take),
       _c("take_flat", "take", [A, ((2, 2), "int")], reference=np.take),
       _c("take_along_axis", "take_along_axis", [A, ((3, 2), "int")], axis=1),
       _c("tril", "tril", [M], reference=np.tril, k=-1),
       _c("triu", "triu", [((3, 4, 4), "any")], reference=np.triu, k=1),
       _c("diag", "diag", [M], reference=np.diag, k=1),
       _c("diag_vector", "diag", [V], reference=np.diag),
       _c("diagonal", "diagonal", [((2, 3, 4), "any")], reference=np.diagonal,
          offset=1, axis1=1, axis2=2),
       _c("trace", "trace", [M], reference=np.trace),
       _c("where", "where", [BOOL, A, B]),
       _c("clip", "clip", [A], x_min=-0.5, x_max=0.5),
       _c("nan_to_num", "nan_to_num", [A]),
       _c("ravel", "ravel", [A]),
       _c("append", "append", [A, B], axis=0),
       _c("hstack", "hstack", [[A, B]]), _c("vstack", "vstack", [[A, B]])]
    # products
    + [_c("einsum", "einsum", [A, ((4, 2), "any")], _leading=("ij,jk->ik",)),
       _c("einsum_batch", "einsum", [((2, 3, 4), "any"), ((2, 4, 5), "any")],
          _leading=("bij,bjk->bik",)),
       _c("tensordot", "tensordot", [((2, 3, 4), "any"), ((4, 3, 2), "any")],
          reference=np.tensordot, axes=([1, 2], [1, 0])),
       _c("tensordot_int", "tensordot", [A, ((4, 2), "any")], reference=np.tensordot,
          axes=1),
       _c("dot", "dot", [((2, 3, 4), "any"), ((4, 2), "any")], reference=np.dot),
       _c("dot_vector", "dot", [A, V], reference=np.dot),
       _c("inner", "inner", [A, B], reference=np.inner),
       _c("outer", "outer", [V, ((3,), "any")], reference=np.outer),
       _c("vdot", "vdot", [A, B], reference=np.vdot)]
    # nn
    + [_c("one_hot", "one_hot", [((5,), "int")], False, num_classes=4),
       _c("multi_hot", "multi_hot", [((2, 3), "int")], False, num_classes=5),
       _c("moments", "moments", [A], axes=[0]),
       _c("normalize", "normalize", [A], axis=1),
       _c("normalize_1", "normalize", [A], order=1),
       _c("binary_crossentropy", "binary_crossentropy", [((3, 4), "prob"),
                                                          ((3, 4), "prob")]),
       _c("binary_crossentropy_logits", "binary_crossentropy", [((3, 4), "prob"), A],
          from_logits=True),
       _c("categorical_crossentropy", "categorical_crossentropy",
          [((3, 4), "onehot"), POS]),
       _c("categorical_crossentropy_logits", "categorical_crossentropy",
          [((3, 4), "onehot"), A], from_logits=True),
       _c("sparse_categorical_crossentropy", "sparse_categorical_crossentropy",
          [((3,), "int"), POS]),
       _c("sparse_categorical_crossentropy_logits", "sparse_categorical_crossentropy",
          [((3,), "int"), A], from_logits=True),
       _c("dot_product_attention", "dot_product_attention",
          [((2, 3, 2, 4), "any"), ((2, 5, 2, 4), "any"), ((2, 5, 2, 4), "any")],
          reference=_attention),
       _c("dot_product_attention_causal", "dot_product_attention",
          [((1, 4, 4, 3), "any"), ((1, 4, 2, 3), "any"), ((1, 4, 2, 3), "any")],
          reference=_attention, is_causal=True)]
    # linalg, core
    + [_c("inv", "inv", [((4, 4), "spd")], reference=np.linalg.inv),
       _c("det", "det", [((2, 3, 3), "spd")], reference=np.linalg.det),
       _c("solve", "solve", [((4, 4), "spd"), ((4, 2), "any")], reference=np.linalg.solve),
       _c("cholesky", "cholesky", [((4, 4), "spd")], reference=np.linalg.cholesky,
          _symmetric=True),
       _c("eigh", "eigh", [((4, 4), "spd")], _pick=0, _symmetric=True),
       _c("slice", "slice", [A], start_indices=(1, 1), shape=(2, 2)),
       _c("scatter", "scatter", [((5, 2), "cells"), ((5,), "any")], shape=(3, 4)),
       _c("scatter_update", "scatter_update", [A, ((4, 2), "cells"), ((4,), "any")]),
       _c("cast", "cast", [INT], False, dtype="float32"),
       _c("rgb_to_grayscale", "image.rgb_to_grayscale", [((2, 3, 4, 3), "positive")]),
       _c("rgb_to_grayscale_wide", "image.rgb_to_grayscale", [((2, 4, 5, 3), "positive")]),
       _c("rgb_to_grayscale_channels_first", "image.rgb_to_grayscale",
          [((2, 3, 4, 5), "positive")], data_format="channels_first"),
       _c("top_k", "top_k", [A], k=2, _pick=0)]
)


def _complex(function):
    """A NumPy transform of complex z as Keras's ops take and give it: (real, imag)."""
    def apply(pair, **kwargs):
        z = function(pair[0] + 1j * pair[1], **kwargs)
        return z.real, z.imag
    return apply


NANS, SQ = ((3, 4), "nans"), ((4, 4), "spd")
PAIR = [A, B]
CASES += (
    # elementwise
    [_c(op, op, [A, B], reference=getattr(np, op)) for op in ("fmax", "fmin",
                                                                "logaddexp2")]
    + [_c(op, op, [A], reference=getattr(np, op)) for op in ("fabs", "sinc", "i0", "real",
                                                            "conj", "conjugate")]
    + [_c(op, op, [A], False, reference=getattr(np, op))
       for op in ("signbit", "isneginf", "isposinf", "isreal", "imag", "angle")]
    + [_c(op, op, [INT, ((3, 4), "count")], False, reference=getattr(np, op))
       for op in ("gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift",
                  "right_shift", "bitwise_left_shift", "bitwise_right_shift")]
    + [_c("bitwise_invert", "bitwise_invert", [INT], False, reference=np.invert),
       _c("bitwise_not", "bitwise_not", [INT], False, reference=np.invert),
       _c("fmod", "fmod", [A, ((3, 4), "above1")], reference=np.fmod),
       _c("heaviside", "heaviside", [INT, A], reference=np.heaviside),
       _c("ldexp", "ldexp", [A, INT], reference=np.ldexp),
       _c("nextafter", "nextafter", [INT, ((3, 4), "count")], False,
          reference=np.nextafter),
       _c("divide_no_nan", "divide_no_nan", [A, INT], reference=lambda a, b: np.where(
           b == 0, 0, a / np.where(b == 0, 1, b))),
       _c("erfc", "erfc", [A]), _c("erfinv", "erfinv", [UNIT])]
    # reductions and counting
    + [_c("nanargmax", "nanargmax", [NANS], False, axis=1),
       _c("nanargmin", "nanargmin", [NANS], False, axis=0),
       _c("nanprod", "nanprod", [NANS], reference=np.nanprod, axis=1),
       _c("nancumsum", "nancumsum", [NANS], reference=np.nancumsum, axis=1),
       _c("nancumprod", "nancumprod", [NANS], reference=np.nancumprod, axis=0),
       _c("nanvar", "nanvar", [NANS], reference=np.nanvar, axis=0),
       _c("nanstd", "nanstd", [NANS], reference=np.nanstd, axis=1),
       _c("nanmedian", "nanmedian", [NANS], reference=np.nanmedian, axis=1),
       _c("nanquantile", "nanquantile", [NANS], reference=np.nanquantile, q=[0.3, 0.8],
          axis=0),
       _c("nanpercentile", "nanpercentile", [NANS], reference=np.nanpercentile, q=40,
          axis=1),
       _c("average", "average", [A], reference=np.average, axis=1),
       _c("corrcoef", "corrcoef", [A], reference=np.corrcoef),
       _c("diff", "diff", [A], reference=np.diff, n=2, axis=1),
       _c("diff_bool", "diff", [BOOL], False, reference=np.diff, axis=0),
       _c("trapezoid", "trapezoid", [A], reference=np.trapezoid, dx=0.5, axis=0),
       _c("bincount", "bincount", [((7,), "int")], False, reference=np.bincount,
          minlength=6),
       _c("histogram", "histogram", [((9,), "any")], False, bins=4, _pick=0),
       _c("digitize", "digitize", [A], False, reference=np.digitize,
          bins=np.array([-1.0, 0.0, 1.0])),
       _c("searchsorted", "searchsorted", [((5,), "sorted"), ((4,), "any")], False,
          reference=np.searchsorted, side="right"),
       _c("unique", "unique", [((8,), "int")], False, size=5, return_counts=True),
       _c("isin", "isin", [INT, ((3,), "int")], False, reference=np.isin),
       ]
    # arrays and products
    + [_c("array_split", "array_split", [((7, 4), "any")], reference=np.array_split,
          indices_or_sections=3),
       _c("hsplit", "hsplit", [A], reference=np.hsplit, indices_or_sections=2),
       _c("vsplit", "vsplit", [((4, 3), "any")], reference=np.vsplit,
          indices_or_sections=2),
       _c("dsplit", "dsplit", [((2, 2, 4), "any")], reference=np.dsplit,
          indices_or_sections=2),
       _c("dstack", "dstack", [PAIR], reference=np.dstack),
       _c("rot90", "rot90", [A], reference=np.rot90),
       _c("rot90_k3", "rot90", [((2, 3, 4), "any")], reference=np.rot90, k=3, axes=(1, 2)),
       _c("diagflat", "diagflat", [((2, 2), "any")], reference=np.diagflat, k=1),
       _c("select", "select", [[BOOL, BOOL], PAIR], reference=np.select),
       _c("unravel_index", "unravel_index", [((5,), "int")], False,
          reference=np.unravel_index, shape=(2, 2)),
       _c("size", "size", [A], False, reference=np.size),
       _c("kron", "kron", [((2, 2), "any"), ((2, 3), "any")], reference=np.kron),
       _c("cross", "cross", [((3, 3), "any"), ((3, 3), "any")], reference=np.cross),
       _c("cross_2d", "cross", [((3, 2), "any"), ((3, 2), "any")],
          reference=lambda a, b: a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0]),
       _c("vander", "vander", [V], reference=np.vander, N=3)]
    + [_c(f"correlate_{mode}", "correlate", [((6,), "any"), ((3,), "any")],
          reference=np.correlate, mode=mode) for mode in ("valid", "same", "full")]
    # math: segments, distances, transforms
    + [_c("segment_min", "segment_min", [((5, 3), "any"), ((5,), "segments")],
          num_segments=3),
       _c("segment_prod", "segment_prod", [((5, 3), "any"), ((5,), "int")],
          num_segments=5),
       _c("cdist", "cdist", [((3, 2), "any"), ((4, 2), "any")],
          reference=lambda x, y: np.sqrt(((x[:, None] - y[None]) ** 2).sum(-1))),
       _c("fft", "fft", [PAIR], reference=_complex(np.fft.fft)),
       _c("fft2", "fft2", [PAIR], reference=_complex(np.fft.fft2)),
       _c("ifft2", "ifft2", [PAIR], reference=_complex(np.fft.ifft2)),
       _c("rfft", "rfft", [A], fft_length=6,
          reference=lambda x, fft_length: (np.fft.rfft(x, fft_length).real,
                                           np.fft.rfft(x, fft_length).imag)),
       _c("irfft", "irfft", [[((2, 3), "any"), ((2, 3), "any")]], fft_length=5,
          reference=lambda z, fft_length: np.fft.irfft(z[0] + 1j * z[1], fft_length)),
       _c("extract_sequences", "extract_sequences", [((2, 10), "any")],
          sequence_length=4, sequence_stride=3),
       _c("stft", "stft", [((2, 20), "any")], sequence_length=6, sequence_stride=3,
          fft_length=8),
       _c("stft_hamming", "stft", [((19,), "any")], sequence_length=8, sequence_stride=4,
          fft_length=8, window="hamming", center=False),
       _c("istft", "istft", [[((2, 5, 5), "any"), ((2, 5, 5), "any")]],
          sequence_length=8, sequence_stride=4, fft_length=8),
       _c("istft_length", "istft", [[((6, 5), "any"), ((6, 5), "any")]],
          sequence_length=6, sequence_stride=2, fft_length=8, length=9, center=False),
       _c("istft_center_length", "istft", [[((2, 6, 5), "any"), ((2, 6, 5), "any")]],
          sequence_length=8, sequence_stride=4, fft_length=8, length=13)]
    # einops
    + [_c("rearrange", "rearrange", [((2, 4, 3), "any")], pattern="b (h1 h) c -> b h (c h1)",
          h1=2, reference=lambda x, pattern, h1: np.reshape(np.transpose(
              np.reshape(x, (2, 2, 2, 3)), (0, 2, 3, 1)), (2, 2, 6))),
       _c("rearrange_merge", "rearrange", [((2, 3, 4), "any")], pattern="b h w -> (w b) h",
          reference=lambda x, pattern: np.reshape(np.transpose(x, (2, 0, 1)), (8, 3)))]
    # linalg
    + [_c("solve_triangular", "solve_triangular", [SQ, ((4, 2), "any")], lower=True,
          reference=lambda a, b, lower: np.linalg.solve(np.tril(a), b)),
       _c("cholesky_inverse", "cholesky_inverse", [SQ],
          reference=lambda x: np.linalg.inv(np.tril(x) @ np.tril(x).T)),
       _c("pinv", "pinv", [((4, 3), "any")], reference=np.linalg.pinv),
       _c("lstsq", "lstsq", [((4, 3), "any"), ((4, 2), "any")],
          reference=lambda a, b: np.linalg.lstsq(a, b)[0]),
       _c("matrix_rank", "matrix_rank", [M], False, reference=np.linalg.matrix_rank),
       _c("lu_factor_pivots", "lu_factor", [M], False, _pick=1)]
)


def split_kwargs(kwargs):
    """(the op's keyword arguments, the output index to compare or None, whether the
    first input is symmetrized)."""
    kwargs = dict(kwargs)
    return kwargs, kwargs.pop("_pick", None), kwargs.pop("_symmetric", False)


def leading(kwargs):
    """The positional arguments before the arrays (einsum's subscripts), taken out of
    `kwargs` (given as `_leading`)."""
    return kwargs.pop("_leading", ())


def symmetrized(x, transpose):
    """(x + x^T) / 2 with the library's own transpose (recorded by its tape)."""
    return (x + transpose(x)) * 0.5


def resolve(module, op):
    """module.op, for op names such as 'image.rgb_to_grayscale'."""
    for part in op.split("."):
        module = getattr(module, part)
    return module


def outputs(result, pick):
    """The op's outputs compared, as a list of arrays."""
    if pick is not None:
        result = result[pick]
    return list(result) if isinstance(result, (list, tuple)) else [result]


def case_inputs(inputs, float_dtype="float64", seed=0):
    """The case's arguments: arrays, and a list of arrays for a [list of specs]."""
    flat = [spec for item in inputs for spec in (item if isinstance(item, list) else [item])]
    arrays = iter(make_inputs(flat, float_dtype, seed))
    return [[next(arrays) for _ in item] if isinstance(item, list) else next(arrays)
            for item in inputs]


def float_arrays(args):
    """The float arrays among the arguments (the gradients' sources)."""
    return [a for arg in args for a in (arg if isinstance(arg, list) else [arg])
            if np.asarray(a).dtype.kind == "f"]


def call(module, op, args, kwargs):
    """module.op(*args) with the case's keywords (kerasmini.ops or keras.ops): the
    leading positional arguments first, a `_symmetric` case's matrix symmetrized with
    the module's own swapaxes."""
    kwargs, _, symmetric = split_kwargs(kwargs)
    if symmetric:
        args = [symmetrized(args[0], lambda x: module.swapaxes(x, -1, -2))] + list(args[1:])
    return resolve(module, op)(*leading(kwargs), *args, **kwargs)


# keras.ops.nn's window ops, normalizations, rearrangements and CTC, and keras.ops.image
# (in their own file)
from tests.ops_table_nn import NN_CASES, NN_KINDS  # noqa: E402

CASES = CASES + NN_CASES
KINDS.update(NN_KINDS)
