"""The training step's fast paths against the slow paths they replace, bit for bit.

* Layers named in `layers.tape_covered` skip call_recorded's connectivity check
  while a tape records. Here every configuration of those classes that the gradient
  tests use runs both ways: with the check (which must pass: that is the proof the skip
  relies on) and without, giving the same outputs and gradients.
* Layer.__call__ checks an input shape once; another shape is checked again.
"""
import numpy as np
import pytest

import kerasmini
from kerasmini import layers, ops
from kerasmini.autodiff import GradientTape, NoGradientError
from kerasmini.layers.layer import Layer
from kerasmini.layers.tape_covered import covered_classes

TAPE_COVERED = covered_classes()
from tests.test_layer_gradients import CONV1D, CONV2D, POOLING, SHAPING, WINDOW_LAYERS

COVERED_CASES = (
    [(layers.Conv2D, kwargs) for kwargs in CONV2D]
    + [(layers.Conv1D, kwargs) for kwargs in CONV1D]
    + [case for case in POOLING + SHAPING + WINDOW_LAYERS if case[0] in TAPE_COVERED]
    + [(layers.Dense, {"units": 3, "activation": "softmax"}),
       (layers.Dense, {"units": 2, "use_bias": False}),
       (layers.Dropout, {"rate": 0.4, "seed": 1}),
       (layers.Dropout, {"rate": 0.5, "noise_shape": (None, 1, 1, None), "seed": 2}),
       (layers.Dropout, {"rate": 1.0}),
       (layers.MaxPooling1D, {"pool_size": 3, "strides": 2, "padding": "same"})]
)


def _input(cls, kwargs, seed=0):
    channels_first = kwargs.get("data_format") == "channels_first"
    rank = (3 if cls in (layers.Conv1D, layers.MaxPooling1D, layers.AveragePooling1D,
                         layers.GlobalAveragePooling1D, layers.GlobalMaxPooling1D)
            else 2 if cls is layers.Dense else 4)
    shape = {2: (3, 5), 3: (2, 4, 9) if channels_first else (2, 9, 4),
             4: (2, 4, 7, 6) if channels_first else (2, 7, 6, 4)}[rank]
    return np.random.default_rng(seed).standard_normal(shape)


def _run(layer, x, weights_of):
    """(output, input gradient, weight gradients) of sum(layer(x) * R) on a tape."""
    with GradientTape() as tape:
        watched = tape.watch(x)
        y = layer(watched, training=True)
        r = np.random.default_rng(9).standard_normal(np.shape(y))
        loss = ops.sum(y * r)
    grads = tape.gradient(loss, [x, *weights_of(layer)])
    return np.asarray(y), grads


@pytest.mark.parametrize("cls, kwargs", COVERED_CASES, ids=str)
def test_covered_layer_passes_the_check_and_skipping_it_changes_nothing(
        monkeypatch, cls, kwargs):
    x = _input(cls, kwargs)
    fast, slow = cls(**kwargs, dtype="float64"), cls(**kwargs, dtype="float64")
    fast(x), slow(x)
    slow.set_weights(fast.get_weights())
    seeds = [getattr(layer, "_rng", None) for layer in (fast, slow)]
    if seeds[0] is not None:  # Dropout: both draw the same mask
        fast._rng, slow._rng = np.random.default_rng(5), np.random.default_rng(5)
    assert fast._tape_covers_call()
    y_fast, g_fast = _run(fast, x, lambda layer: layer.trainable_weights)
    with monkeypatch.context() as patch:  # the slow path: the check runs and must pass
        patch.setattr(Layer, "_tape_covers_call", lambda self: False)
        y_slow, g_slow = _run(slow, x, lambda layer: layer.trainable_weights)
    np.testing.assert_array_equal(y_fast, y_slow)
    assert len(g_fast) == len(g_slow)
    for a, b in zip(g_fast, g_slow):
        np.testing.assert_array_equal(a, b)


def test_every_covered_class_is_proven_here():
    assert set(TAPE_COVERED) <= {cls for cls, _ in COVERED_CASES}


def test_a_covered_class_with_a_users_activation_is_still_checked():
    """Dense is covered, but a user's activation may leave the tape: the check runs and
    names the layer, as for any layer."""
    layer = layers.Dense(2, activation=lambda x: np.asarray(x) * 2, name="own_act")
    x = np.ones((1, 3), "float32")
    layer(x)
    assert not layer._tape_covers_call()
    with GradientTape():
        with pytest.raises(NoGradientError, match="'own_act' \\(Dense\\)"):
            layer(x)


def test_a_subclass_of_a_covered_class_is_checked():
    class Doubled(layers.Dense):
        def call(self, inputs):
            return np.asarray(super().call(inputs)) * 2

    layer = Doubled(2, name="doubled")
    x = np.ones((1, 3), "float32")
    layer(x)
    assert not layer._tape_covers_call()
    with GradientTape():
        with pytest.raises(NoGradientError, match="'doubled' \\(Doubled\\)"):
            layer(x)


def test_a_new_input_shape_is_checked_again():
    layer = layers.Dense(2)
    layer(np.ones((4, 3), "float32"))
    layer(np.ones((1, 3), "float32"))  # another batch size: checked, passes
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(np.ones((1, 5), "float32"))
    conv = layers.Conv2D(2, 5)
    conv(np.ones((1, 6, 6, 1), "float32"))
    with pytest.raises(ValueError):  # the shape rule: a 4x4 image is smaller than 5x5
        conv(np.ones((1, 4, 4, 1), "float32"))


def test_a_model_step_matches_the_checked_step(monkeypatch):
    """A whole train_on_batch of the README convnet, fast path and checked path."""
    def step(patch_check):
        kerasmini.utils.set_random_seed(3)
        model = kerasmini.Sequential([
            kerasmini.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
            layers.MaxPooling2D(2), layers.Flatten(), layers.Dropout(0.5),
            layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        x = np.random.default_rng(1).random((5, 8, 8, 1), dtype=np.float32)
        y = np.array([0, 1, 2, 1, 0])
        with monkeypatch.context() as patch:
            if patch_check:
                patch.setattr(Layer, "_tape_covers_call", lambda self: False)
            logs = [model.train_on_batch(x, y, return_dict=True) for _ in range(3)]
        return logs, model.get_weights()

    (logs_fast, w_fast), (logs_slow, w_slow) = step(False), step(True)
    assert logs_fast == logs_slow
    for a, b in zip(w_fast, w_slow):
        np.testing.assert_array_equal(a, b)


def _adam_run(monkeypatch, one_by_one, dtype="float32"):
    """Five Adam steps on three variables, one assigned from outside after step 2."""
    from kerasmini.optimizers import Adam
    from kerasmini.optimizers.optimizer import Optimizer
    from kerasmini.variables import Variable
    rng = np.random.default_rng(4)
    variables = [Variable(rng.standard_normal(shape).astype(dtype), name=f"w{i}")
                 for i, shape in enumerate([(3, 4), (4,), (2, 3, 1)])]
    optimizer = Adam(learning_rate=0.01)
    with monkeypatch.context() as patch:
        if one_by_one:
            patch.setattr(Adam, "_update_steps", Optimizer._update_steps)
        for step in range(5):
            grads = [rng.standard_normal(v.shape).astype(dtype) for v in variables]
            optimizer.apply_gradients(zip(grads, variables))
            if step == 2:
                variables[1].assign(np.full(4, 0.5))
    return [v.numpy() for v in variables + optimizer.variables]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adam_updates_all_variables_at_once_with_the_per_variable_bits(monkeypatch, dtype):
    flat, apart = _adam_run(monkeypatch, False, dtype), _adam_run(monkeypatch, True, dtype)
    assert len(flat) == len(apart)
    for a, b in zip(flat, apart):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_flat_layout_reuses_the_array_its_variables_view_and_only_that():
    from kerasmini.optimizers.flat_state import FlatLayout
    from kerasmini.variables import Variable
    variables = [Variable(np.zeros(shape, "float32")) for shape in [(2, 2), (3,)]]
    layout = FlatLayout([v.shape for v in variables])
    flat = np.arange(7, dtype="float32")
    layout.assign(variables, flat)
    np.testing.assert_array_equal(variables[0].numpy(), [[0, 1], [2, 3]])
    assert layout.values(variables) is flat
    variables[1].assign([7, 8, 9])  # replaced from outside: gathered afresh
    values = layout.values(variables)
    assert values is not flat
    np.testing.assert_array_equal(values, [0, 1, 2, 3, 7, 8, 9])


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("mask_shape", [(4, 5, 3), (4, 1, 3)])
def test_dropout_as_one_op_matches_the_numpy_arithmetic_it_replaces(dtype, mask_shape):
    """dropout_apply against `x * keep / (1 - rate)` recorded op by op (the multiply and
    divide rules of numpy_rules.py), output and gradient bit for bit."""
    from kerasmini.ops.dropout import dropout_apply
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 5, 3)).astype(dtype)
    keep = rng.random(mask_shape) >= 0.3
    r = rng.standard_normal((4, 5, 3)).astype(dtype)
    results = []
    for fused in (True, False):
        with GradientTape() as tape:
            watched = tape.watch(x)
            y = dropout_apply(watched, keep, 1 - 0.3) if fused else watched * keep / (1 - 0.3)
            loss = ops.sum(y * r)
        results.append((np.asarray(y), tape.gradient(loss, x)))
    (y_fused, g_fused), (y_ops, g_ops) = results
    assert y_fused.dtype == y_ops.dtype == g_fused.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y_fused, y_ops)
    np.testing.assert_array_equal(g_fused, g_ops)


def _sublayers_by_scan(layer):
    """The reference: every attribute looked at, in vars' order (what _sublayers did)."""
    found = []
    for value in vars(layer).values():
        if isinstance(value, dict):
            value = list(value.values())
        items = value if isinstance(value, (list, tuple)) else (value,)
        found += [item for item in items if isinstance(item, Layer) and item is not layer]
    unique = []
    for item in found:
        if all(item is not other for other in unique):
            unique.append(item)
    return unique


def test_sublayers_follow_every_way_an_attribute_gets_a_layer():
    class Block(Layer):
        def __init__(self):
            super().__init__()
            self.first = None                       # a layer later, in this position
            self.stack = []                         # filled in place
            self.pair = (layers.Dense(1), 3)
            self.named = {"a": layers.Dense(2)}
            self.gone = layers.Dense(4)

    block = Block()
    block.first = layers.Dense(5)
    block.stack.append(layers.Dense(6))
    block.stack.append(block.first)                 # held twice: listed once
    del block.gone
    block.gone = layers.Dense(7)                    # re-set after del: now last
    block.late = layers.Dense(8)
    block.pair = "no layer now"
    assert [layer.units for layer in block._sublayers()] == [5, 6, 2, 7, 8]
    assert block._sublayers() == _sublayers_by_scan(block)
