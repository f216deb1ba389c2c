"""Gradients three ways: kerasmini's GradientTape, tf.GradientTape, and central finite
differences of the independent float64 reference forward (reference.py,
reference_layers.py: loops that share no code with kerasmini or TensorFlow).

The loss is sum(layer(x) * R) for a random R (a plain sum would let errors cancel), so
the gradient of the output is R and every element of the input and weight gradients is
checked:

* inputs: every element, by central differences with step 1e-6 in float64. Samples of a
  batch are independent for most layers, so the 2 * (elements per sample) perturbed
  copies of one sample go through the reference as one batch; layers that mix the batch
  (BatchNormalization with training=True, softmax or concatenation along axis 0) are
  perturbed one element at a time.
* weights: every element when the weight has at most SMALL elements (biases, gamma,
  beta); otherwise COORDINATES random elements and PROJECTIONS random directions d,
  comparing <grad, d> with (L(w + h d) - L(w - h d)) / 2h: a wrong gradient of any
  element moves a random projection, so nothing escapes, at 2 * (COORDINATES +
  PROJECTIONS) reference calls instead of 2 * size.

Each difference is taken output element by output element before it is weighted and
summed ((f(x + h) - f(x - h)) * R): outputs the perturbation does not reach cancel
exactly, so the rounding error is eps |y| / h ~ 2e-10 of the outputs it reaches, not of
the whole loss. With the truncation error h^2 f''' / 6 ~ 1e-12, central differences in
float64 with h = 1e-6 are good to ~1e-9 relative: that is the float64 tolerance
(GRAD_RTOL), 1000x below any wrong term. float32 and float16 gradients use the forward
suite's tolerances (harness.RTOL: 1e-5, 1e-2 of the gradient's scale): the products
summed per gradient element are as few as a forward output's.
"""
import json
import os

import numpy as np

from conformance import harness, reference_conv_layers, reference_layers
from conformance.harness import describe, fail, record_divergence, seed_of

tf, keras = harness.tf, harness.keras

import kerasmini  # noqa: E402

STEP = 1e-6
SMALL = 32
COORDINATES = 6
PROJECTIONS = 2
GRAD_RTOL = {"float16": 1e-2, "float32": 1e-5, "float64": 1e-9}
# KM_GRADIENT_LOG=file: one JSON line per compared gradient (layer, dtype, what, the max
# error against the reference and the max difference from tf.keras, both relative to the
# gradient's scale), for tables of measured errors.
LOG = os.environ.get("KM_GRADIENT_LOG")


def log_errors(layer, dtype, what, km_grad, reference_error, tf_grad):
    if not LOG or km_grad is None:
        return
    g = np.asarray(km_grad, np.float64)
    scale = max(float(np.max(np.abs(g), initial=0.0)), 1e-30)
    tf_diff = None
    if isinstance(tf_grad, np.ndarray) and tf_grad.shape == g.shape:
        tf_diff = float(np.max(np.abs(g - tf_grad), initial=0.0)) / scale
    with open(LOG, "a") as out:
        out.write(json.dumps(dict(layer=layer, dtype=dtype, what=what,
                                  vs_reference=reference_error / scale, vs_tf=tf_diff)) + "\n")


# layers called on a list of inputs (their grids give a list of shapes)
MERGE_LAYERS = ("Add", "Concatenate", "Multiply", "Subtract", "Average", "Maximum",
                "Minimum", "Dot")


# ----- the reference ---------------------------------------------------------------------
def reference_forward(layer, args, names, training):
    """f(inputs, weights) -> float64 output of the independent reference."""
    def forward(xs, weights):
        x = xs if layer in MERGE_LAYERS else xs[0]
        if layer in ("Conv2D", "MaxPool2D", "MaxPooling2D", "Dense"):
            return harness.reference_output(layer, args, x, weights)
        if layer == "BatchNormalization" and training:
            w = dict(zip(names, weights))
            axis = args.get("axis", -1)
            mean, variance = reference_layers.batch_moments(x, axis)
            return reference_layers.batch_norm(x, axis, args.get("epsilon", 1e-3),
                                               w.get("gamma"), w.get("beta"), mean, variance)
        if reference_conv_layers.handles(layer, args):  # issue 11's layers
            return reference_conv_layers.output(layer, args, x, weights, names)
        return reference_layers.output(layer, args, x, weights, names)
    return forward


def mixes_the_batch(layer, args, training):
    axis = args.get("axis")
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return (layer == "BatchNormalization" and training) or (
        layer in ("Softmax", "Concatenate") and 0 in axes)


def input_gradients(forward, xs, weights, seed_grad, batch_mixed):
    """d sum(forward * R) / d x for every input, element by element."""
    grads = []
    for k, x in enumerate(xs):
        if batch_mixed:
            grads.append(_elementwise(lambda v: forward(_with(xs, k, v), weights),
                                      x, seed_grad))
            continue
        grad = np.zeros(x.shape)
        per = x[0].size
        rows = np.arange(per)
        for n in range(x.shape[0]):
            stacked = [np.repeat(xi[n:n + 1], 2 * per, axis=0) for xi in xs]
            flat = stacked[k].reshape(2 * per, per)
            flat[rows, rows] += STEP
            flat[per + rows, rows] -= STEP
            out = forward(stacked, weights)
            change = ((out[:per] - out[per:]) * seed_grad[n:n + 1]).reshape(per, -1).sum(1)
            grad[n] = (change / (2 * STEP)).reshape(x.shape[1:])
        grads.append(grad)
    return grads


def weight_gradient_checks(forward, xs, weights, index, seed_grad, rng):
    """(coordinates, values, directions, projections) of the reference gradient of
    weights[index]: all coordinates of a small weight, a sample of a large one."""
    w = weights[index]

    def output_at(delta):
        return forward(xs, _with(weights, index, w + delta))

    def derivative(direction):
        change = output_at(STEP * direction) - output_at(-STEP * direction)
        return float(np.sum(change * seed_grad)) / (2 * STEP)

    output = forward(xs, weights)
    # Rounding of the differences: each output that moves carries ~eps |y| twice, weighted
    # by |R| (a bias moves every output; the truncation error is far smaller).
    noise = np.finfo(np.float64).eps * float(np.sum(np.abs(output * seed_grad))) / STEP
    count = w.size if w.size <= SMALL else COORDINATES
    coordinates = np.sort(rng.choice(w.size, count, replace=False))
    values = []
    for c in coordinates:
        unit = np.zeros(w.size)
        unit[c] = 1.0
        values.append(derivative(unit.reshape(w.shape)))
    directions = [] if w.size <= SMALL else [rng.standard_normal(w.shape)
                                             for _ in range(PROJECTIONS)]
    return (coordinates, np.array(values), directions, [derivative(d) for d in directions],
            noise)


def _with(items, index, value):
    items = list(items)
    items[index] = value
    return items


def _elementwise(output_of, x, seed_grad):
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += STEP
        down[i] -= STEP
        grad[i] = float(np.sum((output_of(up) - output_of(down)) * seed_grad)) / (2 * STEP)
    return grad


# ----- the two libraries ---------------------------------------------------------------
def km_gradients(m, xs, seed_grad, training, merge):
    with kerasmini.GradientTape() as tape:
        tape.watch(xs)
        y = m(xs if merge else xs[0], training=training)
        loss = kerasmini.ops.sum(y * seed_grad.astype(y.dtype))
    return tape.gradient(loss, [*xs, *m.trainable_weights])


def tf_gradients(t, xs, seed_grad, training, merge):
    tensors = [tf.constant(x) for x in xs]
    try:
        with tf.GradientTape() as tape:
            tape.watch(tensors)
            y = t(tensors if merge else tensors[0], training=training)
            loss = tf.reduce_sum(y * tf.constant(seed_grad, dtype=y.dtype))
        grads = tape.gradient(loss, [*tensors, *t.trainable_weights])
    except tf.errors.OpError as error:
        return error
    return [None if g is None else np.asarray(tf.convert_to_tensor(g)) for g in grads]


# ----- comparison ------------------------------------------------------------------------
def partial_agreement(grad, checks, dtype, floor):
    """(ok, why): a gradient against the reference's sampled coordinates and projections,
    within the dtype's tolerance of the gradient's scale, plus the differences' rounding.

    The scale is at least `floor`, the largest gradient element of the whole case: a
    gradient that is zero by symmetry (a bias under a softmax across the bias's axis)
    still carries the rounding of the O(1) terms that cancel in it."""
    if grad is None:
        return False, "no gradient"
    coordinates, values, directions, projections, noise = checks
    rtol = GRAD_RTOL[dtype]
    g = np.asarray(grad, np.float64)
    scale = max(float(np.max(np.abs(g), initial=0.0)), float(np.max(np.abs(values),
                                                                     initial=0.0)), floor)
    errors = np.abs(g.reshape(-1)[coordinates] - values)
    if (errors > rtol * (np.abs(values) + scale) + noise).any():
        worst = int(np.argmax(errors))
        got = g.reshape(-1)[coordinates][worst]
        return False, (f"element {int(coordinates[worst])}: {got:.6g} "
                       f"vs reference {values[worst]:.6g}")
    for d, p in zip(directions, projections):
        got = float(np.sum(g * d))
        if abs(got - p) > rtol * (abs(p) + float(np.sum(np.abs(g * d)))) + noise * float(
                np.max(np.abs(d))):
            return False, f"projection on a random direction {got:.6g} vs reference {p:.6g}"
    return True, ""


# Layers and activations whose float64 TensorFlow kernels use float32-rounded constants
# (the forward suite verifies the values; their gradients inherit the rounding).
F32_CONSTANT_LAYERS = ("LeakyReLU", "ReLU", "Rescaling")
F32_CONSTANT_ACTIVATIONS = ("gelu", "leaky_relu")


def float32_constants(layer, args, dtype):
    """The divergence kind of a float64 tf.keras gradient off by float32 rounding."""
    if dtype == "float64" and (layer in F32_CONSTANT_LAYERS or
                               args.get("activation") in F32_CONSTANT_ACTIVATIONS):
        return lambda tf_out: "tf-float64-constants-rounded-to-float32"
    return None


def check_gradients(layer, args, dtype, shape, case, training=None, make_weights=None,
                    run_tf=True, classify=None):
    """Twins from one dict of Keras arguments, the same weights, the same input; the
    gradients w.r.t. every input and trainable weight, three ways."""
    classify = classify or float32_constants(layer, args, dtype)
    seed = seed_of("gradients", layer, case)
    rng = np.random.default_rng(seed)
    harness.note(f"grad {layer}", dtype, "gradients")  # rows of their own in the table
    merge = layer in MERGE_LAYERS
    full = dict(args, dtype=dtype)
    t, m = harness.make_tf(layer, full), harness.make_km(layer, full)
    xs = [harness.make_input(s, dtype, rng) for s in (shape if merge else [shape])]
    shapes = harness.as_shape(shape)
    t.build(shapes)
    if not m.built:
        m.build(shapes)
    names = [w.name for w in m.weights]
    if m.weights:
        weights = (make_weights or harness.random_kernel_and_bias)(
            layer, names, [w.shape for w in m.weights], dtype, rng)
        m.set_weights(weights)
        t.set_weights(weights)
    weights = [w.astype(np.float64) for w in m.get_weights()]
    out_shape = np.shape(m(xs if merge else xs[0]))
    seed_grad = rng.standard_normal(out_shape).astype(dtype).astype(np.float64)
    where = describe(layer, args, dtype, shape, seed) + f" training={training}"
    km = km_gradients(m, xs, seed_grad, training, merge)
    tf_grads = tf_gradients(t, xs, seed_grad, training, merge) if run_tf else None
    forward = reference_forward(layer, args, names, training)
    xs64 = [x.astype(np.float64) for x in xs]
    with np.errstate(all="ignore"):
        refs = input_gradients(forward, xs64, weights, seed_grad,
                               mixes_the_batch(layer, args, training))
    floor = max(float(np.max(np.abs(np.asarray(g, np.float64)), initial=0.0))
                for g in km if g is not None)
    classify = classify or _classify_by_forward(layer, args, t, xs, xs64, weights, names,
                                                training, forward, dtype)
    for k, ref in enumerate(refs):
        tf_k = _pick(tf_grads, k)
        log_errors(layer, dtype, "input", km[k], float(np.max(np.abs(
            np.asarray(km[k], np.float64) - ref), initial=0.0)), tf_k)
        harness.three_way(km[k], tf_k, ref, dtype, f"{where}: d/d input {k}", classify,
                          rtol=GRAD_RTOL[dtype])
    for j, variable in enumerate(m.trainable_weights):
        index = names.index(variable.name)
        with np.errstate(all="ignore"):
            checks = weight_gradient_checks(forward, xs64, weights, index, seed_grad, rng)
        km_grad, tf_grad = km[len(xs) + j], _pick(tf_grads, len(xs) + j)
        log_errors(layer, dtype, variable.name, km_grad,
                   _error_against(km_grad, checks, dtype)[0], tf_grad)
        _three_way_partial(km_grad, tf_grad, checks, dtype,
                           f"{where}: d/d {variable.name}", classify, floor)


def _pick(tf_grads, index):
    if tf_grads is None or isinstance(tf_grads, BaseException):
        return tf_grads
    return tf_grads[index]


def _classify_by_forward(layer, args, t, xs, xs64, weights, names, training, forward,
                         dtype):
    """A wrong tf.keras gradient whose forward output is already wrong is named after
    the forward divergence (by the value suite's classifiers), with " (forward)"."""
    def classify(tf_grad):
        if isinstance(tf_grad, BaseException):
            return None
        try:
            tf_out = np.asarray(t(xs if layer in MERGE_LAYERS else xs[0],
                                  training=training))
        except tf.errors.OpError:
            return None
        with np.errstate(all="ignore"):
            ref = forward(xs64, weights)
        if harness.compare(tf_out, ref, dtype)[0]:
            return "tf-wrong-gradient"
        from conformance import test_layers_values
        classifier = (harness.classify_divergence if layer in ("Conv2D", "MaxPool2D",
                                                               "MaxPooling2D", "Dense")
                      else test_layers_values.classify)
        kind = classifier(layer, args, tf_out, xs[0], [w.astype(dtype) for w in weights],
                          names, lambda: tf_out)
        return f"{kind or 'tf-wrong-values'} (forward)"
    return classify


def _three_way_partial(km_grad, tf_grad, checks, dtype, where, classify, floor):
    km_ok, km_why = partial_agreement(km_grad, checks, dtype, floor)
    harness.record_error(*_error_against(km_grad, checks, dtype))
    if not km_ok:
        fail(f"kerasmini gradient != float64 reference: {where}: {km_why}")
    if tf_grad is None:
        return
    tf_ok, tf_why = (False, f"tf raised {type(tf_grad).__name__}") if isinstance(
        tf_grad, BaseException) else partial_agreement(tf_grad, checks, dtype, floor)
    if not tf_ok:
        kind = classify(tf_grad) if classify else None
        record_divergence(kind or "tf-wrong-gradient", where, tf_why)
        return
    # Both agree with the samples; do they differ by more than the samples resolve?
    difference = float(np.max(np.abs(np.asarray(km_grad, np.float64) - tf_grad), initial=0))
    resolution = GRAD_RTOL[dtype] * floor + 2 * checks[-1]
    close, _, _, why = harness.compare(km_grad, tf_grad, dtype, GRAD_RTOL[dtype])
    if not close and difference > resolution:
        fail(f"kerasmini and tf.keras gradients differ where the reference samples "
             f"agree with both: {where}: {why}")


def _error_against(grad, checks, dtype):
    """(max abs error, in ulps of the dtype at the gradient's scale) at the samples."""
    if grad is None:
        return float("inf"), float("inf")
    coordinates, values = checks[0], checks[1]
    g = np.asarray(grad, np.float64).reshape(-1)
    error = float(np.max(np.abs(g[coordinates] - values), initial=0.0))
    scale = float(np.max(np.abs(g), initial=0.0))
    ulp = float(np.spacing(np.array(scale, dtype=dtype))) if scale > 0 else 1.0
    return error, error / ulp


def against_finite_differences(where, loss, arrays, km_grads, tf_grads, atol, tf_kind):
    """kerasmini's and tf.keras's gradients of `loss()` w.r.t. each array (float64,
    perturbed in place) against central differences at tests/gradcheck.py's bar:
    kerasmini must agree; a tf.keras disagreement is recorded as `tf_kind`."""
    from tests.gradcheck import TOLERANCE, numeric_gradient
    for index, (array, km_grad, tf_grad) in enumerate(zip(arrays, km_grads, tf_grads)):
        expected = numeric_gradient(loss, array)
        scale = max(float(np.max(np.abs(expected))), 1e-3)
        error = float(np.max(np.abs(km_grad - expected)))
        if error > TOLERANCE * scale + atol:
            fail(f"{where}: gradient {index} is {error:.3g} from finite differences "
                 f"(scale {scale:.3g})")
        tf_error = float(np.max(np.abs(np.asarray(tf_grad) - expected)))
        if tf_error > TOLERANCE * scale + atol:
            record_divergence(tf_kind, where,
                              f"gradient {index}: {tf_error:.3g} from finite differences")
