"""keras.ops: kerasmini against keras.ops (TensorFlow backend), over tests/ops_table.py.

For every case, in float32 and float64:
* values: the same dtype as keras.ops gives, and the same values (float32 within
  RTOL of the output's scale, float64 within 1e-12 of it); on a disagreement the
  message gives both libraries' distance to the float64 reference (the case's NumPy
  formula where it has one, else the other library's float64 run);
* symbolic: the op on KerasTensors gives the same output shapes and dtypes;
* gradients (float64, differentiable cases): kerasmini's GradientTape against central
  differences of a float64 forward (the case's NumPy formula, else TensorFlow's) within
  conformance/gradients.py's tolerance, and against tf.GradientTape wherever TensorFlow's
  own gradient meets that reference; for the others, where TensorFlow gives None (or,
  for sign, zeros), kerasmini gives None.
Where TensorFlow's value or gradient is off the float64 reference (its float64
leaky_relu and gelu use float32 constants; its float64 quantile interpolates in
float32), the reference decides and kerasmini does not copy TensorFlow.
Then files: a model of keras.ops calls saved by tf.keras loads in kerasmini with the
same predictions, and kerasmini's file loads in tf.keras.
"""
import inspect
import json
import os
import tempfile
import unittest
import zipfile

import numpy as np
from parameterized import parameterized

import kerasmini
from conformance import harness
from conformance.gradients import GRAD_RTOL
from kerasmini import ops
from kerasmini.autodiff import NoGradientError
from tests.gradcheck import numeric_gradient
from tests.ops_table import (CASES, call, case_inputs, float_arrays, leading, outputs,
                             split_kwargs, symmetrized)

tf, keras = harness.tf, harness.keras
TOLERANCE = {"float32": harness.RTOL["float32"], "float64": 1e-12}


def case_name(func, num, param):
    return f"{func.__name__}_{param.args[0]}"


def _numpy(value):
    return [np.asarray(v) for v in value] if isinstance(value, (list, tuple)) \
        else np.asarray(value)


def _keras_call(op, args, kwargs):
    """keras.ops's result on TensorFlow tensors (as a TF user calls it: given NumPy
    arrays, some of Keras's TF kernels fail on their shapes (adaptive pooling) or
    compute float64 in float32 (max_pool)); None where TensorFlow's CPU kernels
    refuse the case (float64 3D pooling, some float64 channels-first convolutions:
    TF_CANNOT), whose float64 reference then decides alone."""
    try:
        return _numpy(call(keras.ops, op, _tensors(args), kwargs))
    except TF_CANNOT:
        return None


# TensorFlow's refusals of a kernel on this device or dtype (not argument errors)
TF_CANNOT = (tf.errors.UnimplementedError, tf.errors.NotFoundError,
             tf.errors.InvalidArgumentError)


def _error(a, b):
    return float(np.max(np.abs(np.asarray(a, "float64") - b), initial=0.0))


def _assert_close(name, got, expected, dtype, reference=None):
    """got within tolerance of keras.ops, or, where keras.ops is not within it of the
    float64 reference (a TensorFlow divergence), of the reference."""
    scale = max(float(np.max(np.abs(expected.astype("float64")), initial=0.0)), 1.0)
    bound = TOLERANCE[dtype] * scale
    error = _error(got, expected)
    if error <= bound:
        return
    if reference is not None and _error(expected, reference) > bound >= _error(got, reference):
        return  # TensorFlow diverges from the reference; kerasmini does not copy it
    detail = "" if reference is None else (
        f"; vs float64 reference: kerasmini {_error(got, reference):.3g}, "
        f"keras.ops {_error(expected, reference):.3g}")
    raise AssertionError(f"{name} ({dtype}): max error {error:.3g} against keras.ops "
                         f"(scale {scale:.3g}){detail}")


def _reference_outputs(case, args, pick):
    """The case's NumPy formula on float64 inputs, or None when it has none."""
    name, op, inputs, kwargs, _, reference = case
    if reference is None:
        return None
    kwargs, _, symmetric = split_kwargs(kwargs)
    if symmetric:
        args = [symmetrized(args[0], lambda x: np.swapaxes(x, -1, -2))] + list(args[1:])
    return outputs(_numpy(reference(*leading(kwargs), *args, **kwargs)), pick)


class KerasOpsValuesTest(unittest.TestCase):
    @parameterized.expand([(f"{c[0]}_{dtype}", dtype, c) for c in CASES
                           for dtype in ("float32", "float64")], name_func=case_name)
    def test_value_and_dtype(self, name, dtype, case):
        _, op, inputs, kwargs, _, _ = case
        pick = split_kwargs(kwargs)[1]
        args = case_inputs(inputs, dtype)
        got = outputs(_numpy(call(ops, op, args, kwargs)), pick)
        # the float64 reference: the NumPy formula, else (float32 runs) kerasmini's float64
        reference = _reference_outputs(case, case_inputs(inputs), pick) or (
            outputs(_numpy(call(ops, op, case_inputs(inputs), kwargs)), pick)
            if dtype == "float32" else [None] * len(got))
        expected = _keras_call(op, args, kwargs)
        if expected is None:  # TensorFlow cannot run it here: the reference decides
            self.assertIsNotNone(case[5], f"{name}: TensorFlow refuses it and the case "
                                          "has no reference")
            for g, r in zip(got, reference):
                self.assertEqual(g.dtype.name, dtype, name)
                _assert_close(name, g, r.astype(dtype), dtype)
            return
        expected = outputs(expected, pick)
        self.assertEqual(len(got), len(expected), name)
        for g, e, r in zip(got, expected, reference):
            self.assertEqual((g.dtype.name, g.shape), (e.dtype.name, e.shape), name)
            if g.dtype.kind in "biu":
                np.testing.assert_array_equal(g, e, err_msg=name)
            else:
                _assert_close(name, g, e, dtype, r)

    @parameterized.expand([c[:4] for c in CASES], name_func=case_name)
    def test_symbolic_shape_and_dtype(self, name, op, inputs, kwargs):
        """The op on KerasTensors, the first size unknown where it is a batch size
        (an input's first size equal to the first input's, and not fixed by the op's
        own arguments: FIXED_FIRST_SIZE): the same shapes and dtypes as Keras infers."""
        args = case_inputs(inputs, "float32")
        batch = None if name not in FIXED_FIRST_SIZE else -1

        def symbolic(library, array):
            shape = array.shape
            if array.ndim and shape[0] == np.shape(_flat(args)[0])[0]:
                shape = (batch,) + shape[1:] if batch is None else shape
            return library.Input(batch_shape=shape, dtype=array.dtype.name)

        def run(library, module):
            tensors = [[symbolic(library, a) for a in arg] if isinstance(arg, list)
                       else symbolic(library, arg) for arg in args]
            result = call(module, op, tensors, kwargs)
            result = result if isinstance(result, (list, tuple)) else [result]
            return [(tuple(t.shape) if name not in KERAS_SYMBOLIC_SHAPE else None,
                     str(t.dtype) if name not in KERAS_SYMBOLIC_DTYPE else None)
                    for t in result]

        if name in KERAS_SYMBOLIC_WRONG:  # kerasmini's inference: the eager shapes
            eager = outputs(_numpy(call(ops, op, args, kwargs)), None)
            self.assertEqual(run(kerasmini, ops), [
                ((batch,) + e.shape[1:] if batch is None else e.shape, e.dtype.name)
                for e in eager], name)
            return
        self.assertEqual(run(kerasmini, ops), run(keras, keras.ops), name)


# ops whose arguments fix the first size (a new shape, a target shape, square
# matrices, sections or a slice of the first axis), and append along the first axis
# (Keras's Append cannot add unknown sizes): their symbolic inputs keep every size known
FIXED_FIRST_SIZE = {"reshape", "inv", "solve", "split", "split_at", "slice", "tensordot",
                    "det", "cholesky", "eigh", "trace", "diag", "tril", "norm_fro",
                    "norm_matrix_1", "broadcast_to", "append", "array_split", "vsplit",
                    "bincount", "cholesky_inverse", "corrcoef", "fft2", "ifft2",
                    "lu_factor_pivots", "correlate_full", "correlate_same",
                    "correlate_valid", "solve_triangular", "stft_hamming", "searchsorted",
                    "histogram", "rearrange", "rearrange_merge",
                    "affine_transform_cf_nearest", "scale_and_translate",
                    "map_coordinates_reflect",
                    "scale_and_translate_down"}
# Keras 3.15's own shape inference fails or is wrong on these (checked against
# kerasmini's eager results instead): adaptive pooling keeps an extra axis for
# channels_last and fails on an int output_size; Conv's check rejects groups
KERAS_SYMBOLIC_WRONG = {"adaptive_average_pool_2d", "adaptive_average_pool_1d_cf",
                        "adaptive_max_pool_3d", "conv_2d_groups"}
# Keras infers multi_hot's symbolic dtype as int32 while its eager result (and
# kerasmini's, both ways) is float32: only the shapes are compared
KERAS_SYMBOLIC_DTYPE = {"multi_hot", "lu_factor_pivots"}  # and lu_factor's pivots: float32
# Keras's symbolic shapes that are not its eager ones: bincount's length depends on the
# values (unknown to Keras, the probe's to kerasmini); corrcoef's (n, n) Keras infers
# as x's (n, m). Only the dtypes are compared.
KERAS_SYMBOLIC_SHAPE = {"bincount", "corrcoef"}


class KerasOpsGradientsTest(unittest.TestCase):
    @parameterized.expand([(c[0], c) for c in CASES if float_arrays(case_inputs(c[2]))],
                          name_func=case_name)
    def test_gradient(self, name, case):
        _, op, inputs, kwargs, differentiable, reference = case
        pick = split_kwargs(kwargs)[1]
        args = case_inputs(inputs)
        sources = float_arrays(args)
        results = outputs(_numpy(call(ops, op, args, kwargs)), pick)
        weights = [np.random.default_rng(1).standard_normal(np.shape(r)) for r in results]
        theirs = _tf_gradients(op, args, kwargs, pick, weights)
        if not differentiable:  # TensorFlow: None, or zeros for sign (its derivative)
            try:
                ours = _kerasmini_gradients(op, args, kwargs, pick, weights)
            except NoGradientError as error:  # refused, naming the op
                self.assertIn(f"'{op}'", str(error), name)
                ours = [None] * len(sources)
            theirs = theirs or [None] * len(ours)
            self.assertEqual([g is None for g in ours], [True] * len(sources), name)
            self.assertTrue(all(g is None or not np.any(g) for g in theirs), name)
            return
        ours = _kerasmini_gradients(op, args, kwargs, pick, weights)
        theirs = theirs or [None] * len(ours)  # None: TensorFlow refuses the case
        forward = (lambda: _reference_outputs(case, args, pick)) if reference else (
            lambda: outputs(_keras_call(op, args, kwargs), pick))
        numeric = _finite_differences(forward, sources, weights)
        # rounding of the differences: eps |y| per output moved, weighted (gradcheck.py)
        atol = 1e-9 * max(float(_weighted([np.abs(r) for r in results],
                                          [np.abs(w) for w in weights])), 1.0)
        for i, (a, b, c) in enumerate(zip(ours, theirs, numeric)):
            self.assertIsNotNone(a, f"{name}: no kerasmini gradient for input {i}")
            bound = GRAD_RTOL["float64"] * max(float(np.max(np.abs(c))), 1e-3) + atol
            self.assertLessEqual(_error(a, c), bound, f"{name}: input {i} vs finite "
                                                      "differences")
            if b is not None and _error(b, c) <= bound:  # else TF diverges or refuses
                self.assertLessEqual(_error(a, b), 2 * bound,
                                     f"{name}: input {i} vs tf.GradientTape")


def _weighted(results, weights, total=np.sum):
    return sum(total(r * w) for r, w in zip(results, weights))


def _kerasmini_gradients(op, args, kwargs, pick, weights):
    sources = float_arrays(args)
    with kerasmini.GradientTape() as tape:
        tape.watch(sources)
        results = outputs(call(ops, op, args, kwargs), pick)
        total = _weighted([ops.cast(r, "float64") for r in results], weights)
    return tape.gradient(total, sources)


def _tensors(args):
    return [[tf.constant(a) for a in arg] if isinstance(arg, list) else tf.constant(arg)
            for arg in args]


def _tf_gradients(op, args, kwargs, pick, weights):
    """tf.GradientTape's gradients; None where TensorFlow cannot compute them (TF_CANNOT,
    or no gradient registered: ResizeArea), and finite differences decide alone."""
    try:
        return _tf_tape_gradients(op, args, kwargs, pick, weights)
    except TF_CANNOT + (LookupError,):
        return None


def _tf_tape_gradients(op, args, kwargs, pick, weights):
    tensors = _tensors(args)
    sources = [t for t, a in zip(_flat(tensors), _flat(args)) if a.dtype.kind == "f"]
    with tf.GradientTape() as tape:
        tape.watch(sources)
        results = outputs(call(keras.ops, op, tensors, kwargs), pick)
        total = _weighted([tf.cast(r, "float64") for r in results], weights,
                          tf.reduce_sum)
    return [None if g is None else np.asarray(g) for g in tape.gradient(total, sources)]


def _finite_differences(forward, sources, weights):
    """Central differences of a float64 forward (the case's NumPy formula, else
    TensorFlow's), element by element of each source (tests/gradcheck.py's)."""
    return [numeric_gradient(lambda: float(_weighted(forward(), weights)), source)
            for source in sources]


def _flat(args):
    return [a for arg in args for a in (arg if isinstance(arg, list) else [arg])]


def ops_model(library):
    """A functional model of keras.ops calls (no weights but a Dense)."""
    x = library.Input((4, 3), name="x")
    y = library.layers.Dense(3, name="d")(x)
    pooled = library.ops.mean(y, axis=1)
    spread = library.ops.std(y, axis=1)
    joined = library.ops.concatenate([pooled, spread, library.ops.max(y, axis=1)], axis=-1)
    gated = library.ops.sigmoid(joined) * library.ops.tanh(joined)
    out = library.ops.einsum("bi,bi->b", gated, library.ops.abs(joined)) + y[:, -1, 0]
    return library.Model(x, library.ops.expand_dims(out, -1) + y[..., 1:, 0])


def round_trip(saving, loading, seed, build=ops_model, shape=(5, 4, 3)):
    """A model of ops (build(library)) made in `saving`'s library, saved, loaded by
    `loading`: both predictions on inputs of `shape`, and the class names in the file."""
    model = build(saving)
    x = np.random.default_rng(seed).standard_normal(shape).astype("float32")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "ops.keras")
        model.save(path)
        names = {layer["class_name"] for layer in json.loads(
            zipfile.ZipFile(path).read("config.json"))["config"]["layers"]}
        loaded = loading.models.load_model(path)
    return _numpy(loaded.predict(x, verbose=0)), _numpy(model.predict(x, verbose=0)), names


class KerasOpsFilesTest(unittest.TestCase):
    def test_tf_keras_file_loads_in_kerasmini(self):
        got, expected, names = round_trip(keras, kerasmini, 3)
        self.assertTrue({"Mean", "Std", "Concatenate", "Einsum", "GetItem"} <= names, names)
        _assert_close("file", got, expected, "float32")

    def test_kerasmini_file_loads_in_tf_keras(self):
        got, expected, names = round_trip(kerasmini, keras, 4)
        self.assertTrue({"Mean", "Std", "Concatenate", "Einsum"} <= names, names)
        _assert_close("file", got, expected, "float32")


class KerasOpsNamesTest(unittest.TestCase):
    def test_every_keras_ops_name_outside_nn_and_image(self):
        """keras.ops's names, and those of its numpy and linalg sub-namespaces (each
        the same function as kerasmini.ops's); ops.nn and ops.image are checked with
        the layers that use them."""
        public = lambda module: {n for n in dir(module) if not n.startswith("_")}
        elsewhere = public(keras.ops.nn) | public(keras.ops.image)
        self.assertEqual(sorted(public(keras.ops) - elsewhere - public(ops)), [])
        for namespace in ("numpy", "linalg"):
            names = public(getattr(keras.ops, namespace))
            ours = getattr(ops, namespace)
            self.assertEqual(sorted(n for n in names if not hasattr(ours, n)), [], namespace)
            for name in names - {"numpy", "linalg"}:
                self.assertIs(getattr(ours, name), getattr(ops, name), name)


class KerasOpsLoopsAndConstructorsTest(unittest.TestCase):
    """The functions the table cannot hold (functions as arguments, no tensor input):
    the same values and dtypes as keras.ops."""

    def assert_same(self, got, expected, name):
        got, expected = np.asarray(got), np.asarray(expected)
        self.assertEqual((got.dtype.name, got.shape), (expected.dtype.name, expected.shape),
                         name)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6, err_msg=name)

    def test_loops(self):
        x = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
        step = lambda o: (lambda c, v: (c + o.sin(v), c * v))
        for name, run in [
            ("map", lambda o: o.map(lambda v: o.exp(v) * 2, x)),
            ("vectorized_map", lambda o: o.vectorized_map(lambda v: o.sum(v * v), x)),
            ("scan_carry", lambda o: o.scan(step(o), np.zeros(3, "float32"), x)[0]),
            ("scan_ys", lambda o: o.scan(step(o), np.zeros(3, "float32"), x,
                                         reverse=True)[1]),
            ("associative_scan", lambda o: o.associative_scan(
                lambda a, b: a * b, x, axis=1)),
            ("associative_scan_reverse", lambda o: o.associative_scan(
                lambda a, b: o.maximum(a, b), x, reverse=True)),
        ]:
            self.assert_same(run(ops), run(keras.ops), name)

    def test_jvp(self):
        x = np.array([0.5, -1.0, 2.0])
        t = np.array([1.0, 2.0, -1.0])
        ours = ops.jvp(lambda v: ops.sin(v) * ops.sum(v), [x], [t])
        theirs = keras.ops.jvp(lambda v: keras.ops.sin(v) * keras.ops.sum(v),
                               [tf.constant(x)], [tf.constant(t)])
        for a, b in zip(ours, theirs):
            self.assert_same(a, b, "jvp")

    def test_constructors_and_windows(self):
        for name, args in [("logspace", (0.0, 2.0, 7)), ("geomspace", (1.0, 1000.0, 5)),
                           ("empty", ((2, 3),)), ("array", ([1, 2, 3],)),
                           ("array", ([1.5, 2.0],)), ("bartlett", (7,)), ("blackman", (7,)),
                           ("hamming", (7,)), ("hanning", (8,)), ("kaiser", (6, 5.0))]:
            self.assert_same(getattr(ops, name)(*args), getattr(keras.ops, name)(*args),
                             name)


# Parameters of keras.ops that kerasmini spells differently on purpose
SIGNATURE_EXCEPTIONS = {
    # Keras defaults num_classes to None only to accept its deprecated alias num_tokens
    # (**kwargs); kerasmini takes num_classes alone, so it is required
    ("multi_hot", "num_classes"),
}


def _keras_op_pairs():
    for name in sorted(n for n in dir(keras.ops) if not n.startswith("_")):
        theirs = getattr(keras.ops, name)
        if inspect.isclass(theirs) or not callable(theirs) or not hasattr(ops, name):
            continue
        yield name, inspect.signature(theirs), inspect.signature(getattr(ops, name))


class KerasOpsSignaturesTest(unittest.TestCase):
    def test_every_op_takes_keras_parameters_with_keras_defaults(self):
        """Each keras.ops parameter (but **kwargs) in kerasmini's op, in Keras's order,
        of the same kind and default: a script's positional and default arguments mean
        what they mean in Keras. kerasmini may add parameters after Keras's."""
        compared, wrong = 0, []
        for name, theirs, ours in _keras_op_pairs():
            compared += 1
            wanted = [p for p in theirs.parameters.values() if p.kind != p.VAR_KEYWORD]
            have = list(ours.parameters.values())
            for i, p in enumerate(wanted):
                if (name, p.name) in SIGNATURE_EXCEPTIONS:
                    continue
                mine = have[i] if i < len(have) else None
                if mine is None or (mine.name, mine.kind, mine.default) != (
                        p.name, p.kind, p.default):
                    wrong.append(f"{name}: {p} (kerasmini: {mine})")
            extra = [p for p in have[len(wanted):] if p.default is p.empty
                     and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
            wrong += [f"{name}: kerasmini requires {p} beyond Keras's" for p in extra]
        self.assertGreater(compared, 150)
        self.assertEqual(wrong, [])

    def test_nan_lanes_give_nan_quantiles(self):
        x = np.random.default_rng(3).standard_normal((3, 5))
        x[0, 2], x[2, 4] = np.nan, np.nan
        for name, kwargs in [("median", {"axis": 1}), ("quantile", {"q": [0.2, 0.5]}),
                             ("percentile", {"q": 30, "axis": 0})]:
            got = np.asarray(getattr(ops, name)(x, **kwargs))
            theirs = np.asarray(getattr(keras.ops, name)(x, **kwargs))
            self.assertTrue(np.isnan(theirs).any(), name)
            np.testing.assert_array_equal(np.isnan(got), np.isnan(theirs), err_msg=name)
            # values against NumPy (TF's percentile divides q by 100 in float32)
            np.testing.assert_allclose(got, getattr(np, name)(x, **kwargs), rtol=1e-12,
                                       atol=1e-12, err_msg=name)
