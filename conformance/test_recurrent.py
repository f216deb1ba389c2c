"""Recurrent layers three ways: kerasmini, tf.keras and the float64 reference of
reference_recurrent.py, on the same inputs and weights (values, masks, return_state,
go_backwards, initial states; float32 and float64), gradients through time (kerasmini's
tape, tf.GradientTape, central differences of the reference), configs and errors against
tf.keras, and masks made by Embedding(mask_zero=True) and Masking inside models."""
import numpy as np
from parameterized import parameterized

import kerasmini
from conformance import harness, reference_recurrent as ref
from conformance.gradients import GRAD_RTOL
from conformance.grids import tiered

tf, keras = harness.tf, harness.keras

UNITS, BATCH, STEPS, FEATURES = 4, 3, 5, 3
MASKS = {  # (batch, steps): right padding, holes, a row with every step masked
    "padded": np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], bool),
    "holes": np.array([[0, 1, 0, 1, 1], [1, 1, 0, 1, 0], [0, 0, 0, 0, 0]], bool),
}
VARIANTS = {
    "SimpleRNN": [{}, {"activation": "relu"}],
    "LSTM": [{}, {"unit_forget_bias": False, "activation": "relu",
                  "recurrent_activation": "hard_sigmoid"}],
    "GRU": [{}, {"reset_after": False}, {"reset_after": False, "activation": "relu",
                                          "recurrent_activation": "hard_sigmoid"}],
}
SHAPES = [{}, {"return_sequences": True, "return_state": True},
          {"go_backwards": True, "return_sequences": True}, {"use_bias": False},
          {"zero_output_for_mask": True, "return_sequences": True}]


def value_cases():
    """Every (layer, variant, shape) once, masks and dtypes taking turns; each layer also
    in both dtypes with holes in its mask."""
    cases, turn = [], 0
    for kind, variants in VARIANTS.items():
        for v, variant in enumerate(variants):
            for s, shape in enumerate(SHAPES):
                mask = (None, "padded", "holes")[turn % 3]
                dtype = ("float32", "float64")[turn // 3 % 2]
                cases.append((f"{kind}_{v}_{s}_{mask}_{dtype}", kind, {**variant, **shape},
                              mask, dtype))
                turn += 1
        cases += [(f"{kind}_holes_{dtype}", kind, {"return_sequences": True}, "holes", dtype)
                  for dtype in ("float32", "float64")]
    return tiered(cases)


def twins(kind, args, dtype, seed):
    """(kerasmini layer, tf.keras layer, weights): built, holding the same weights."""
    rng = np.random.default_rng(seed)
    m = getattr(kerasmini.layers, kind)(UNITS, dtype=dtype, **args)
    t = getattr(keras.layers, kind)(UNITS, dtype=dtype, **args)
    for layer in (m, t):
        layer.build((None, STEPS, FEATURES))
    weights = [(rng.standard_normal(w.shape) * 0.6).astype(dtype) for w in t.get_weights()]
    m.set_weights(weights)
    t.set_weights(weights)
    return m, t, weights


def as_list(outputs):
    return [np.asarray(o) for o in outputs] if isinstance(outputs, (list, tuple)) \
        else [np.asarray(outputs)]


def compare_outputs(km_out, tf_out, expected, dtype, where):
    km_out, tf_out, expected = as_list(km_out), as_list(tf_out), as_list(expected)
    assert len(km_out) == len(expected) == len(tf_out), where
    for i, (got, theirs, want) in enumerate(zip(km_out, tf_out, expected)):
        assert got.shape == want.shape and got.dtype == dtype, \
            f"{where}[{i}]: {got.shape} {got.dtype}, expected {want.shape} {dtype}"
        harness.three_way(got, theirs, want, dtype, f"{where}[{i}]")



@parameterized.expand(value_cases())
def test_values(name, kind, args, mask_name, dtype):
    harness.note(kind, dtype, "values")
    seed = harness.seed_of("recurrent", name)
    m, t, weights = twins(kind, args, dtype, seed)
    rng = np.random.default_rng(seed + 1)
    x = rng.standard_normal((BATCH, STEPS, FEATURES)).astype(dtype)
    mask = None if mask_name is None else MASKS[mask_name]
    initial = None
    if "return_state" in args:  # with initial states too
        count = 2 if kind == "LSTM" else 1
        initial = [rng.standard_normal((BATCH, UNITS)).astype(dtype) for _ in range(count)]
    expected = ref.recurrent(kind, args, weights, x, mask, initial)
    km_out = m(x, mask=mask, initial_state=initial)
    tf_out = t(x, mask=None if mask is None else tf.constant(mask), initial_state=initial)
    compare_outputs(km_out, tf_out, expected, dtype, f"{kind} {args} mask={mask_name}")


def bidirectional_cases():
    cases = []
    for i, merge_mode in enumerate(("concat", "sum", "mul", "ave", None)):
        for sequences in (False, True):
            kind = ("LSTM", "GRU", "SimpleRNN")[(i + sequences) % 3]
            for mask in (None, "padded"):
                dtype = ("float32", "float64")[(i + (mask is None)) % 2]
                cases.append((f"{kind}_{merge_mode}_{sequences}_{mask}", kind,
                              merge_mode, {"return_sequences": sequences}, mask, dtype))
    cases.append(("LSTM_states_holes", "LSTM", "concat",
                  {"return_sequences": True, "return_state": True}, "holes", "float64"))
    return tiered(cases)


@parameterized.expand(bidirectional_cases())
def test_bidirectional(name, kind, merge_mode, args, mask_name, dtype):
    harness.note("Bidirectional", dtype, "values")
    rng = np.random.default_rng(harness.seed_of("bidirectional", name))
    m = kerasmini.layers.Bidirectional(getattr(kerasmini.layers, kind)(UNITS, dtype=dtype,
                                                                       **args),
                                       merge_mode=merge_mode, dtype=dtype)
    t = keras.layers.Bidirectional(getattr(keras.layers, kind)(UNITS, dtype=dtype, **args),
                                   merge_mode=merge_mode, dtype=dtype)
    for layer in (m, t):
        layer.build((None, STEPS, FEATURES))
    weights = [(rng.standard_normal(w.shape) * 0.6).astype(dtype) for w in t.get_weights()]
    m.set_weights(weights)
    t.set_weights(weights)
    x = rng.standard_normal((BATCH, STEPS, FEATURES)).astype(dtype)
    mask = None if mask_name is None else MASKS[mask_name]
    expected = ref.bidirectional(kind, args, merge_mode, weights, x, mask)
    tf_out = t(x, mask=None if mask is None else tf.constant(mask))
    compare_outputs(m(x, mask=mask), tf_out, expected, dtype, f"Bidirectional {name}")


@parameterized.expand([("float32",), ("float64",)])
def test_time_distributed(dtype):
    harness.note("TimeDistributed", dtype, "values")
    rng = np.random.default_rng(harness.seed_of("time_distributed", dtype))
    m = kerasmini.layers.TimeDistributed(kerasmini.layers.Dense(2, activation="relu",
                                                                dtype=dtype), dtype=dtype)
    t = keras.layers.TimeDistributed(keras.layers.Dense(2, activation="relu", dtype=dtype),
                                     dtype=dtype)
    for layer in (m, t):
        layer.build((None, STEPS, FEATURES))
    weights = [rng.standard_normal(w.shape).astype(dtype) for w in t.get_weights()]
    m.set_weights(weights)
    t.set_weights(weights)
    x = rng.standard_normal((BATCH, STEPS, FEATURES)).astype(dtype)
    compare_outputs(m(x), t(x), ref.time_distributed_dense(weights, x, "relu"), dtype,
                    "TimeDistributed(Dense)")


# ----- gradients through time -------------------------------------------------------------
def gradient_cases():
    return tiered([(f"{kind}_{i}_{mask}_{dtype}", kind, args, mask, dtype)
            for kind, variants in VARIANTS.items() for i, args in enumerate(variants[:2])
            for mask in (None, "holes") for dtype in ("float32", "float64")
            if (i + (mask is None)) % 2 or dtype == "float64"])


def _numeric_gradients(kind, args, weights, x, mask, seed_grad):
    """d sum(reference(x, weights) * seed_grad) for every element, by central differences
    D(h) extrapolated to h -> 0 (Richardson: (4 D(h/2) - D(h)) / 3 cancels the h^2 term).
    With h = 1e-4 the truncation error is O(h^4) ~ 1e-16 and the rounding eps |y| / h
    ~ 2e-12: plain differences at h = 1e-6 were good to only ~1e-9 here, through a
    chain of steps, the float64 tolerance itself. Each difference is taken output by
    output before it is weighted and summed, as gradients.py does."""
    def outputs(values):
        return np.asarray(ref.recurrent(kind, args, values[1:], values[0], mask))

    def difference(values, k, index, h):
        plus, minus = [v.copy() for v in values], [v.copy() for v in values]
        plus[k][index] += h
        minus[k][index] -= h
        return np.sum((outputs(plus) - outputs(minus)) * seed_grad) / (2 * h)

    values = [np.asarray(x, np.float64)] + [np.asarray(w, np.float64) for w in weights]
    grads = []
    for k, value in enumerate(values):
        grad = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            grad[index] = (4 * difference(values, k, index, 5e-5)
                           - difference(values, k, index, 1e-4)) / 3
        grads.append(grad)
    return grads


@parameterized.expand(gradient_cases())
def test_gradients(name, kind, args, mask_name, dtype):
    harness.note(f"grad {kind}", dtype, "gradients")
    args = {**args, "return_sequences": True}
    m, t, weights = twins(kind, args, dtype, harness.seed_of("recurrent-grad", name))
    rng = np.random.default_rng(harness.seed_of("recurrent-grad-x", name))
    x = rng.standard_normal((2, STEPS, FEATURES)).astype(dtype)
    mask = None if mask_name is None else MASKS[mask_name][:2]
    seed_grad = rng.standard_normal((2, STEPS, UNITS)).astype(dtype)
    with kerasmini.GradientTape() as tape:
        watched = tape.watch(x.copy())
        loss = kerasmini.ops.sum(m(watched, mask=mask) * seed_grad)
    km_grads = tape.gradient(loss, [watched, *m.trainable_weights])
    xt = tf.constant(x)
    with tf.GradientTape() as tf_tape:
        tf_tape.watch(xt)
        tf_loss = tf.reduce_sum(t(xt, mask=None if mask is None else tf.constant(mask))
                                * seed_grad)
    tf_grads = [np.asarray(g) for g in tf_tape.gradient(tf_loss, [xt, *t.trainable_weights])]
    numeric = _numeric_gradients(kind, args, weights, x, mask, seed_grad)
    names = ["inputs"] + [w.name for w in m.trainable_weights]
    for what, km_grad, tf_grad, expected in zip(names, km_grads, tf_grads, numeric):
        harness.three_way(km_grad, tf_grad, expected, dtype, f"{name}: d/d {what}",
                          rtol=GRAD_RTOL[dtype])


# ----- configs and errors --------------------------------------------------------------------
def _without_names_and_builds(config):
    if isinstance(config, dict):
        return {k: _without_names_and_builds(v) for k, v in config.items()
                if k not in ("name", "build_config")}
    if isinstance(config, (list, tuple)):
        return [_without_names_and_builds(v) for v in config]
    return config


CONFIG_CASES = [("SimpleRNN", {"dropout": 0.2, "return_sequences": True}),
                ("LSTM", {"recurrent_dropout": 0.1, "seed": 3, "go_backwards": True,
                          "kernel_regularizer": "l2", "unit_forget_bias": False}),
                ("GRU", {"reset_after": False, "return_state": True, "unroll": True,
                         "bias_constraint": "non_neg", "activity_regularizer": "l1"}),
                ("LSTMCell", {"dropout": 0.3}), ("GRUCell", {}), ("SimpleRNNCell", {})]


@parameterized.expand([(kind, args) for kind, args in CONFIG_CASES])
def test_config_like_tf_keras(kind, args):
    harness.note(kind, "float32", "api")
    m = getattr(kerasmini.layers, kind)(3, **args)
    t = getattr(keras.layers, kind)(3, **args)
    mine, theirs = (_without_names_and_builds(layer.get_config()) for layer in (m, t))
    assert mine == theirs, f"{kind}: kerasmini {mine}\ntf.keras {theirs}"
    harness.record_error(0.0, 0.0)


def test_wrapper_configs_like_tf_keras():
    harness.note("Bidirectional", "float32", "api")
    for lib in (kerasmini, keras):
        lib.backend.clear_session()
    m = kerasmini.layers.Bidirectional(kerasmini.layers.GRU(3, return_sequences=True),
                                       merge_mode="ave")
    t = keras.layers.Bidirectional(keras.layers.GRU(3, return_sequences=True),
                                   merge_mode="ave")
    for layer in (m, t):
        layer.build((None, 4, 2))
    assert _without_names_and_builds(m.get_config()) == \
        _without_names_and_builds(t.get_config())
    assert [w.shape for w in m.weights] == [tuple(w.shape) for w in t.weights]
    m = kerasmini.layers.TimeDistributed(kerasmini.layers.Dense(2))
    t = keras.layers.TimeDistributed(keras.layers.Dense(2))
    assert _without_names_and_builds(m.get_config()) == \
        _without_names_and_builds(t.get_config())
    harness.record_error(0.0, 0.0)


ERRORS = [
    ("LSTM_units_0", lambda L: L.LSTM(0), "units=0|got 0"),
    ("GRU_units_negative", lambda L: L.GRU(-2), "got -2"),
    ("SimpleRNN_units_str", lambda L: L.SimpleRNN("a"), "units|'a'|str"),
    ("LSTM_use_cudnn", lambda L: L.LSTM(2, use_cudnn="maybe"), "use_cudnn=maybe"),
    ("Bidirectional_not_a_layer", lambda L: L.Bidirectional("lstm"), "Received: lstm"),
    ("Bidirectional_merge_mode", lambda L: L.Bidirectional(L.LSTM(2), merge_mode="max"),
     "Received: max"),
    ("Bidirectional_same_direction",
     lambda L: L.Bidirectional(L.LSTM(2), backward_layer=L.LSTM(2)), "go_backwards"),
    ("TimeDistributed_not_a_layer", lambda L: L.TimeDistributed(3), "Received: 3"),
    ("RNN_not_a_cell", lambda L: L.RNN(3), "cell=3"),
    ("TimeDistributed_rank_2", lambda L: L.TimeDistributed(L.Dense(2))(np.zeros((2, 3))),
     "at least 3 dimensions"),
]


@parameterized.expand(ERRORS)
def test_errors_like_tf_keras(name, make, pattern):
    harness.note(name.split("_")[0], "float32", "errors")
    harness.raises_like_tf_keras(name, make, pattern)


# ----- masks inside models -------------------------------------------------------------------
def _copy_weights(km_model, tf_model):
    km_model.set_weights(tf_model.get_weights())


def test_masking_layer_model():
    harness.note("Masking", "float32", "values")
    rng = np.random.default_rng(harness.seed_of("masking-model"))
    x = rng.standard_normal((4, 6, 3)).astype("float32")
    x[0, 4:] = 0.5
    x[1, :2] = 0.5
    x[2] = 0.5

    def build(lib):
        inputs = lib.Input((6, 3))
        masked = lib.layers.Masking(0.5)(inputs)
        outputs = lib.layers.GRU(4, return_sequences=True)(masked)
        return lib.Model(inputs, lib.layers.GlobalAveragePooling1D()(outputs))

    t, m = build(keras), build(kerasmini)
    _copy_weights(m, t)
    weights = t.layers[-2].get_weights()  # the GRU's (after the mask operations)
    kept = np.any(x != 0.5, axis=-1)
    sequence = ref.recurrent("GRU", {"return_sequences": True}, weights,
                             np.where(kept[..., None], x, 0), kept)
    counts = kept.sum(axis=1, keepdims=True)
    expected = np.where(counts > 0, (sequence * kept[..., None]).sum(axis=1)
                        / np.maximum(counts, 1), np.nan)
    got, theirs = m.predict(x, verbose=0), np.asarray(t(x))
    rows = counts[:, 0] > 0  # a row with no step kept: 0 / 0 in both libraries
    harness.three_way(got[rows], theirs[rows], expected[rows], "float32",
                      "Masking -> GRU -> GlobalAveragePooling1D")
    assert np.isnan(got[~rows]).all() == np.isnan(theirs[~rows]).all()


def test_subclassed_model_hands_masks_on_like_tf_keras():
    """Eager calls in a subclassed model's call(): the mask of Embedding(mask_zero=True)
    travels with the arrays (layers/masks.py) as with tf.keras's tensors."""
    harness.note("Embedding mask (eager)", "float32", "values")

    def make(lib):
        class Classifier(lib.Model):
            def __init__(self):
                super().__init__()
                self.embedding = lib.layers.Embedding(10, 4, mask_zero=True)
                self.rnn = lib.layers.Bidirectional(lib.layers.GRU(3, return_sequences=True))
                self.pool = lib.layers.GlobalAveragePooling1D()

            def call(self, inputs):
                return self.pool(self.rnn(self.embedding(inputs)))
        return Classifier()

    ids = np.array([[1, 2, 0, 0, 0], [3, 4, 5, 6, 7], [0, 9, 0, 8, 0]])
    t, m = make(keras), make(kerasmini)
    t(ids)
    m(ids)
    m.set_weights(t.get_weights())
    weights = [np.asarray(w, np.float64) for w in t.get_weights()]
    kept = ids != 0
    embedded = weights[0][ids]
    sequence = ref.bidirectional("GRU", {"return_sequences": True}, "concat", weights[1:],
                                 embedded, kept)
    expected = (sequence * kept[..., None]).sum(axis=1) / kept.sum(axis=1, keepdims=True)
    harness.three_way(m(ids), np.asarray(t(ids)), expected, "float32",
                      "subclassed Embedding(mask_zero) -> Bidirectional(GRU) -> pooling")
