"""keras.random and SeedGenerator, NumPy only: shapes and dtypes, seeding, the
distributions (sample moments against the closed forms, within 6 standard errors),
argument errors, and draws inside a layer's call on a GradientTape."""
import numpy as np
import pytest

import kerasmini as keras
from kerasmini import random

N = 200_000


def within(sample, mean, std, sigmas=6.0):
    """The sample mean is within `sigmas` standard errors of `mean`."""
    error = abs(float(np.mean(sample)) - mean)
    assert error <= sigmas * std / np.sqrt(np.size(sample)), (np.mean(sample), mean)


@pytest.mark.parametrize("draw, dtype", [
    (lambda **k: random.normal((2, 3), **k), "float32"),
    (lambda **k: random.uniform((2, 3), **k), "float32"),
    (lambda **k: random.truncated_normal((2, 3), **k), "float32"),
    (lambda **k: random.randint((2, 3), 0, 5, **k), "int32"),
    (lambda **k: random.gamma((2, 3), 2.0, **k), "float32"),
    (lambda **k: random.binomial((2, 3), 5, 0.5, **k), "float32"),
    (lambda **k: random.beta((2, 3), 2.0, 3.0, **k), "float32"),
])
def test_shapes_dtypes_and_integer_seeds(draw, dtype):
    first, again = draw(seed=3), draw(seed=3)
    assert first.shape == (2, 3) and first.dtype == dtype
    np.testing.assert_array_equal(first, again)  # an int seed: the same values each call
    generator = keras.random.SeedGenerator(3)
    values = [draw(seed=generator) for _ in range(4)]
    assert not all(np.array_equal(values[0], v) for v in values[1:])
    replay = keras.random.SeedGenerator(3)
    for value in values:  # the same seed replays the same sequence
        np.testing.assert_array_equal(value, draw(seed=replay))


def test_seed_generator_state_is_a_counter_in_a_variable():
    generator = random.SeedGenerator(42, name="gen")
    assert generator.state.dtype == "int64" and not generator.state.trainable
    assert generator.state.path == "gen/seed_generator_state"
    random.normal((1,), seed=generator)
    random.uniform((1,), seed=generator)
    np.testing.assert_array_equal(generator.state.numpy(), [42, 2])
    assert generator.get_config() == {"seed": 42, "name": "gen"}
    assert random.SeedGenerator.from_config(generator.get_config()).name == "gen"


def test_unseeded_draws_follow_set_random_seed():
    from kerasmini.random import seed_generator
    seed_generator._global.clear()
    keras.utils.set_random_seed(5)
    first = [random.normal((3,)) for _ in range(2)]
    seed_generator._global.clear()
    keras.utils.set_random_seed(5)
    again = [random.normal((3,)) for _ in range(2)]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first[0], first[1])


def test_distributions_match_their_moments():
    within(random.normal((N,), mean=2.0, stddev=3.0, seed=1), 2.0, 3.0)
    assert abs(np.std(random.normal((N,), stddev=3.0, seed=2)) - 3.0) < 0.03
    uniform = random.uniform((N,), minval=-1.0, maxval=3.0, seed=3)
    assert uniform.min() >= -1.0 and uniform.max() < 3.0
    within(uniform, 1.0, 4 / np.sqrt(12))
    truncated = random.truncated_normal((N,), mean=1.0, stddev=2.0, seed=4, dtype="float64")
    assert np.all(np.abs(truncated - 1.0) <= 4.0)
    # a standard normal cut at +-2 has variance 1 - 4 phi(2) / (2 Phi(2) - 1) = 0.7737
    assert abs(np.var(truncated) / 4.0 - 0.7737413) < 0.01
    integers = random.randint((N,), 2, 7, seed=5)
    assert set(np.unique(integers)) == {2, 3, 4, 5, 6}
    within(integers, 4.0, np.sqrt(2.0))
    within(random.gamma((N,), 3.0, seed=6), 3.0, np.sqrt(3.0))
    within(random.binomial((N,), 10, 0.3, seed=7), 3.0, np.sqrt(2.1))
    a, b = 2.0, 5.0
    within(random.beta((N,), a, b, seed=8), a / (a + b),
           np.sqrt(a * b / ((a + b) ** 2 * (a + b + 1))))


def test_categorical_draws_classes_by_softmax_of_logits():
    probabilities = np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])
    with np.errstate(divide="ignore"):
        logits = np.log(probabilities)
    draws = random.categorical(logits, N, seed=9)
    assert draws.shape == (2, N) and draws.dtype == "int32"
    for row in range(2):
        counts = np.bincount(draws[row], minlength=3) / N
        np.testing.assert_allclose(counts, probabilities[row], atol=6 * 0.5 / np.sqrt(N))
    assert not np.any(draws[1] == 2)  # probability 0 is never drawn


def test_dropout_and_shuffle():
    x = np.ones((400, 500), "float32")
    dropped = random.dropout(x, 0.3, seed=1)
    assert dropped.dtype == "float32"
    assert set(np.unique(dropped)) == {0.0, np.float32(1 / 0.7)}
    within(dropped == 0, 0.3, np.sqrt(0.21))
    rows = random.dropout(x[:4], 0.5, noise_shape=(4, 1), seed=2)
    assert all(len(np.unique(row)) == 1 for row in rows)  # one decision per row
    np.testing.assert_array_equal(random.dropout(x[:2], 1.0, seed=1), 0.0)
    values = np.arange(12).reshape(3, 4)
    shuffled = random.shuffle(values, axis=1, seed=3)
    order = shuffled[0]  # row 0 holds the column indices
    assert sorted(order) == [0, 1, 2, 3]
    np.testing.assert_array_equal(shuffled, values[:, order])  # whole columns moved


@pytest.mark.parametrize("call, error, match", [
    (lambda: random.normal((2,), seed="a"), ValueError, "Argument `seed` must be either"),
    (lambda: random.normal((2,), seed=1.5), ValueError, "Received: seed=1.5"),
    (lambda: random.normal((2,), dtype="int32"), TypeError, "dtype=int32"),
    (lambda: random.uniform((2,), dtype="int32"), ValueError,
     "`keras.random.uniform` requires a floating point `dtype`"),
    (lambda: random.randint((2,), 0, 3, dtype="float32"), ValueError,
     "requires an integer `dtype`"),
    (lambda: random.categorical(np.zeros(3), 2), ValueError, "`logits` should be a 2-D"),
    (lambda: random.dropout(np.ones(3), -0.1), ValueError, "Received: rate=-0.1"),
    (lambda: random.SeedGenerator("x"), ValueError, "Received: seed=x"),
    (lambda: random.SeedGenerator(1, foo=2), ValueError, "Unrecognized keyword"),
    (lambda: random.normal((2.5,)), ValueError, "Argument `shape`"),
    (lambda: random.normal((-1,)), ValueError, "Argument `shape`"),
])
def test_argument_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


class Noisy(keras.layers.Layer):
    """y = x * eps + eps, eps drawn in call with a fixed seed: dy/dx = eps."""

    def call(self, inputs):
        eps = random.normal(keras.ops.shape(inputs), seed=11)
        return inputs * eps + eps


def test_a_draw_in_call_is_a_constant_on_the_tape():
    x = np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)
    eps = random.normal((2, 3), seed=11)
    source = keras.Variable(x)
    with keras.GradientTape() as tape:
        loss = keras.ops.sum(Noisy()(source * 1.0))
    np.testing.assert_allclose(tape.gradient(loss, [source])[0], eps, rtol=1e-6)


def test_dropout_gradient_is_its_mask_and_scale():
    source = keras.Variable(np.full((50, 40), 2.0, "float32"))
    with keras.GradientTape() as tape:
        out = random.dropout(source * 1.0, 0.25, seed=4)
        loss = keras.ops.sum(out)
    expected = random.dropout(np.ones((50, 40), "float32"), 0.25, seed=4)
    np.testing.assert_allclose(tape.gradient(loss, [source])[0], expected, rtol=1e-6)


class Sampler(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(2)
        self.seed_generator = random.SeedGenerator(1337)

    def call(self, inputs):
        out = self.dense(inputs)
        return out + random.normal(keras.ops.shape(out), seed=self.seed_generator)


def test_seed_state_is_a_variable_not_a_weight_and_not_saved(tmp_path):
    pytest.importorskip("h5py")  # the .weights.h5 format needs it (an extra)
    import h5py
    model = keras.Sequential([keras.Input((3,)), Sampler(name="sampler")])
    model(np.zeros((1, 3), "float32"))
    layer = model.layers[0]
    assert [v.name for v in layer.variables] == ["seed_generator_state", "kernel", "bias"]
    assert [v.name for v in model.weights] == ["kernel", "bias"]
    assert len(model.variables) == 3
    path = str(tmp_path / "m.weights.h5")
    model.save_weights(path)
    with h5py.File(path) as f:
        datasets = []
        f.visititems(lambda name, obj: datasets.append(name)
                     if isinstance(obj, h5py.Dataset) else None)
    assert len(datasets) == 2  # kernel and bias only, as Keras 3.15 writes


def test_fit_draws_once_per_step_as_keras():
    """fit's checks that Keras does not make (one sample through the model, shape probes)
    leave the seed state as it was: after n steps, the counter is n (plus the build)."""
    model = keras.Sequential([keras.Input((3,)), Sampler()])
    generator = model.layers[0].seed_generator
    model.compile("sgd", "mse")
    start = int(generator.state.numpy()[1])
    model.fit(np.zeros((10, 3), "float32"), np.zeros((10, 2), "float32"), batch_size=4,
              epochs=2, verbose=0)
    assert int(generator.state.numpy()[1]) - start == 6
