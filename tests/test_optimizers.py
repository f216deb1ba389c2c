"""Optimizers without TensorFlow: hand-computed steps, constraints, state, configs, errors."""
import numpy as np
import pytest

import kerasmini
from kerasmini import optimizers


def _var(value, **kwargs):
    return kerasmini.Variable(np.asarray(value, dtype="float64"), name="w", path="d/w",
                              **kwargs)


def test_sgd_step_by_hand():
    w = _var([1.0, -2.0])
    opt = optimizers.SGD(learning_rate=0.5)
    opt.apply_gradients([(np.array([0.2, 0.4]), w)])
    lr = float(np.float32(0.5))
    np.testing.assert_allclose(w.numpy(), [1.0 - lr * 0.2, -2.0 - lr * 0.4], rtol=0, atol=0)
    assert int(opt.iterations.value) == 1


def test_adam_first_step_moves_by_learning_rate():
    # at t=1, m = (1-b1) g, v = (1-b2) g^2: the step is lr * sign(g) (up to epsilon)
    w = _var([0.0, 0.0, 0.0])
    opt = optimizers.Adam(learning_rate=0.25, epsilon=0.0)
    opt.apply_gradients([(np.array([3.0, -0.1, 7.0]), w)])
    np.testing.assert_allclose(w.numpy(), [-0.25, 0.25, -0.25], rtol=1e-12)


def test_adam_without_bias_correction_would_differ():
    # the mutation conformance/mutations.py plants: a first step of lr * sqrt(1-b2)/(1-b1)
    # would be 0.316 * lr, so this is the test that catches it without TensorFlow
    w = _var([0.0])
    optimizers.Adam(learning_rate=0.5, epsilon=0.0).apply_gradients([(np.array([2.0]), w)])
    assert abs(w.numpy()[0] + 0.5) < 1e-12


def _adam_by_formula(w, grads, lr, b1, b2, eps, amsgrad, dtype):
    """Keras's Adam written as one expression per line, with new arrays everywhere."""
    t = dtype.type
    m, v, v_hat = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for step, g in enumerate(grads, start=1):
        lr_t = np.asarray(lr, dtype=np.float32).astype(dtype)
        alpha = lr_t * np.sqrt(1 - np.power(t(b2), t(step))) / (1 - np.power(t(b1), t(step)))
        m = m + (g - m) * (1 - b1)
        v = v + (np.square(g) - v) * (1 - b2)
        v_hat = np.maximum(v_hat, v)
        w = w - m * alpha / (np.sqrt(v_hat if amsgrad else v) + eps)
    return w


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_in_place_update_is_the_formula_bit_for_bit(dtype, amsgrad):
    # update_step writes into fresh arrays with out= / in-place ufuncs to save
    # temporaries; the same operations in the same order must give the same bits
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(3)
    w0 = rng.standard_normal((4, 5)).astype(dtype)
    grads = [rng.standard_normal((4, 5)).astype(dtype) for _ in range(20)]
    w = kerasmini.Variable(w0, name="w", path="d/w")
    opt = optimizers.Adam(learning_rate=0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-3,
                          amsgrad=amsgrad)
    for g in grads:
        opt.apply_gradients([(g, w)])
    expected = _adam_by_formula(w0, grads, 0.01, 0.8, 0.95, 1e-3, amsgrad, dtype)
    assert w.numpy().dtype == dtype
    np.testing.assert_array_equal(w.numpy(), expected)


def test_constraint_runs_after_update():
    w = _var([1.0, -1.0], constraint=kerasmini.constraints.NonNeg())
    optimizers.SGD(learning_rate=1.0).apply_gradients([(np.array([0.0, 1.0]), w)])
    np.testing.assert_array_equal(w.numpy(), [1.0, 0.0])


@pytest.mark.parametrize("args,expected", [
    ({"clipvalue": 0.5}, [0.5, -0.5]),
    ({"clipnorm": 1.0}, [3 / 5, -4 / 5]),
    ({"global_clipnorm": 2.5}, [1.5, -2.0]),
])
def test_clipping(args, expected):
    w = _var([0.0, 0.0])
    optimizers.SGD(learning_rate=1.0, **args).apply_gradients([(np.array([3.0, -4.0]), w)])
    np.testing.assert_allclose(-w.numpy(), expected, rtol=1e-7)


def test_none_gradient_is_skipped_with_warning():
    a, b = _var([1.0]), _var([2.0])
    opt = optimizers.SGD(learning_rate=1.0)
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply_gradients([(np.array([1.0]), a), (None, b)])
    assert b.numpy()[0] == 2.0 and a.numpy()[0] == 0.0
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply_gradients([(None, a)])


def test_unknown_variable_and_bad_shape_rejected_before_any_change():
    a = _var([1.0, 2.0])
    opt = optimizers.Adam()
    opt.apply_gradients([(np.ones(2), a)])
    before = [v.numpy() for v in opt.variables]
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply_gradients([(np.ones(2), _var([0.0, 0.0]))])
    with pytest.raises(ValueError, match="has shape"):
        opt.apply_gradients([(np.ones(3), a)])
    for old, new in zip(before, opt.variables):
        np.testing.assert_array_equal(old, new.numpy())


def test_state_round_trip_continues_identically():
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=3) for _ in range(6)]
    w1 = _var([0.1, 0.2, 0.3])
    opt1 = optimizers.Nadam(learning_rate=0.01)
    for g in grads[:3]:
        opt1.apply_gradients([(g, w1)])
    store = {}
    opt1.save_own_variables(store)
    w2 = _var(w1.numpy())
    opt2 = optimizers.Nadam(learning_rate=0.01)
    opt2.build([w2])
    opt2.load_own_variables(store)
    for g in grads[3:]:
        opt1.apply_gradients([(g, w1)])
        opt2.apply_gradients([(g, w2)])
    np.testing.assert_array_equal(w1.numpy(), w2.numpy())


def test_learning_rate_settable_unless_schedule():
    opt = optimizers.SGD(learning_rate=0.1)
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == 0.5
    scheduled = optimizers.SGD(learning_rate=optimizers.schedules.ExponentialDecay(
        0.1, decay_steps=10, decay_rate=0.5))
    with pytest.raises(TypeError, match="not settable"):
        scheduled.learning_rate = 0.2


def test_get_by_name_and_errors():
    for name, cls in [("sgd", optimizers.SGD), ("adam", optimizers.Adam),
                      ("rmsprop", optimizers.RMSprop), ("adamw", optimizers.AdamW),
                      ("adagrad", optimizers.Adagrad), ("nadam", optimizers.Nadam)]:
        assert type(optimizers.get(name)) is cls
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: adum"):
        optimizers.get("adum")
    with pytest.raises(ValueError, match="ema_momentum=1.5"):
        optimizers.Adam(use_ema=True, ema_momentum=1.5)
    with pytest.raises(ValueError, match="ema_overwrite_frequency=0.5"):
        optimizers.Adam(use_ema=True, ema_overwrite_frequency=0.5)
    with pytest.raises(ValueError, match="gradient_accumulation_steps=1"):
        optimizers.Adam(gradient_accumulation_steps=1)
    config = optimizers.serialize(optimizers.RMSprop(momentum=0.5, name="r"))
    again = optimizers.deserialize(config)
    assert again.get_config() == config["config"]


# Each optimizer's own arguments, in Keras 3's order, then the shared ones begin.
OWN_POSITIONAL = [
    (optimizers.SGD, [0.01, 0.5, True], {"momentum": 0.5, "nesterov": True}),
    (optimizers.Adam, [0.001, 0.8, 0.99, 1e-6, True],
     {"beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6, "amsgrad": True}),
    (optimizers.AdamW, [0.001, 0.02, 0.8, 0.99, 1e-6, True],
     {"weight_decay": 0.02, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6, "amsgrad": True}),
    (optimizers.Adagrad, [0.001, 0.2, 1e-6], {"initial_accumulator_value": 0.2}),
    (optimizers.Nadam, [0.001, 0.8, 0.99, 1e-6], {"beta_1": 0.8, "epsilon": 1e-6}),
    (optimizers.RMSprop, [0.001, 0.8, 0.5, 1e-6, True], {"rho": 0.8, "centered": True}),
    (optimizers.Adamax, [0.001, 0.8, 0.99, 1e-6], {"beta_1": 0.8, "beta_2": 0.99}),
    (optimizers.Adadelta, [0.001, 0.8, 1e-6], {"rho": 0.8, "epsilon": 1e-6}),
    (optimizers.Lion, [0.001, 0.8, 0.95], {"beta_1": 0.8, "beta_2": 0.95}),
    (optimizers.Ftrl, [0.001, -0.6, 0.2, 0.01, 0.02, 0.03, 0.5],
     {"learning_rate_power": -0.6, "initial_accumulator_value": 0.2,
      "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
      "l2_shrinkage_regularization_strength": 0.03, "beta": 0.5}),
]
# The shared arguments after weight_decay, each its own value (two left at None would
# trade places unseen): clipnorm, clipvalue, global_clipnorm (one of the three at most),
# use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
# gradient_accumulation_steps, name.
SHARED = {"clipnorm": 1.5, "clipvalue": None, "global_clipnorm": None, "use_ema": True,
          "ema_momentum": 0.95, "ema_overwrite_frequency": 5, "loss_scale_factor": 2.0,
          "gradient_accumulation_steps": 3, "name": "opt"}
CLIPS = [{}, {"clipnorm": None, "clipvalue": 0.5}]  # clipvalue beside each of the others


@pytest.mark.parametrize("clips", CLIPS, ids=["clipnorm", "clipvalue"])
@pytest.mark.parametrize("cls,own,expected", OWN_POSITIONAL)
def test_positional_arguments_land_where_keras_puts_them(cls, own, expected, clips):
    """Adam(0.001, 0.9, 0.999, 1e-7, False, 0.01) is amsgrad=False, weight_decay=0.01 in
    Keras; the shared arguments follow the optimizer's own, weight_decay first (AdamW has
    it among its own), then clipnorm, clipvalue, global_clipnorm, ..., name."""
    shared = [] if cls is optimizers.AdamW else [0.03]
    optimizer = cls(*own, *shared, *{**SHARED, **clips}.values())
    for name, value in {**expected, **SHARED, **clips}.items():
        assert getattr(optimizer, name) == value, name
    assert optimizer.weight_decay == (0.02 if cls is optimizers.AdamW else 0.03)


def test_schedules_by_hand():
    s = optimizers.schedules
    assert np.isclose(s.ExponentialDecay(1.0, 2, 0.5)(3), 0.5 ** 1.5)
    assert np.isclose(s.ExponentialDecay(1.0, 2, 0.5, staircase=True)(3), 0.5)
    piecewise = s.PiecewiseConstantDecay([2, 4], [1.0, 0.5, 0.1])
    assert [float(piecewise(t)) for t in range(6)] == [1.0, 1.0, 1.0, 0.5, 0.5,
                                                       float(np.float32(0.1))]
    cosine = s.CosineDecay(1.0, 4, alpha=0.0)
    assert np.allclose([cosine(t) for t in (0, 2, 4, 9)], [1.0, 0.5, 0.0, 0.0], atol=1e-7)
    warm = s.CosineDecay(0.0, 4, warmup_target=1.0, warmup_steps=2)
    assert np.allclose([warm(t) for t in (0, 1, 2, 4)], [0.0, 0.5, 1.0, 0.5], atol=1e-7)
    with pytest.raises(ValueError, match="decay_steps"):
        s.CosineDecay(1.0, 0)


def test_gradient_accumulation_updates_with_the_mean_every_n_calls():
    # SGD(lr=0.5) with n=3: calls 1 and 2 only accumulate, call 3 steps by the mean
    w = _var([1.0, -2.0])
    opt = optimizers.SGD(learning_rate=0.5, gradient_accumulation_steps=3)
    grads = [np.array([0.3, 0.0]), np.array([0.6, 3.0]), np.array([0.0, 6.0])]
    for g in grads[:2]:
        opt.apply_gradients([(g, w)])
        np.testing.assert_array_equal(w.numpy(), [1.0, -2.0])
    opt.apply_gradients([(grads[2], w)])
    lr = float(np.float32(0.5))
    np.testing.assert_allclose(w.numpy(), [1.0 - lr * 0.3, -2.0 - lr * 3.0], rtol=1e-15)
    assert int(opt.iterations) == 1 and int(opt._iterations.value) == 3
    np.testing.assert_array_equal(opt._accumulated_gradients[0].numpy(), [0.0, 0.0])


def test_accumulated_adam_counts_updates_not_calls():
    # two calls of g make one Adam update at t=1: a step of lr * sign(g), as test above
    w = _var([0.0, 0.0])
    opt = optimizers.Adam(learning_rate=0.25, epsilon=0.0, gradient_accumulation_steps=2)
    for _ in range(2):
        opt.apply_gradients([(np.array([3.0, -0.5]), w)])
    np.testing.assert_allclose(w.numpy(), [-0.25, 0.25], rtol=1e-12)


def test_moving_average_of_the_weights_by_hand():
    # SGD(lr=1) on w with gradient 1: w = 9, 8, 7; the average starts as w, then
    # a = 0.5 a + 0.5 w: 9, 8.5, 7.75. Overwriting every 2 updates sets w = a at update 2
    w = _var([10.0])
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    for expected_w, expected_a in ((9.0, 9.0), (8.0, 8.5), (7.0, 7.75)):
        opt.apply_gradients([(np.array([1.0]), w)])
        assert (w.numpy()[0], opt._averages[0].numpy()[0]) == (expected_w, expected_a)
    opt.finalize_variable_values([w])
    assert w.numpy()[0] == 7.75
    w = _var([10.0])
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5,
                         ema_overwrite_frequency=2)
    for expected_w in (9.0, 8.5, 7.5):
        opt.apply_gradients([(np.array([1.0]), w)])
        assert w.numpy()[0] == expected_w


def test_ema_and_accumulation_state_is_saved_in_keras_order():
    w = _var([1.0, 2.0])
    opt = optimizers.Adam(use_ema=True, gradient_accumulation_steps=2, name="a")
    opt.apply_gradients([(np.array([0.1, 0.2]), w)])
    assert [v.name for v in opt.variables] == [
        "iteration", "learning_rate", "d_w_average", "d_w_gradient_accumulator",
        "d_w_momentum", "d_w_velocity"]
    np.testing.assert_array_equal(opt.variables[3].numpy(), [0.1, 0.2])
    again = optimizers.Adam.from_config(opt.get_config())
    assert again.get_config() == opt.get_config()


def test_more_schedules_by_hand():
    schedules = optimizers.schedules
    poly = schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.0)
    assert [float(poly(s)) for s in (0, 5, 10, 15)] == [1.0, 0.5, 0.0, 0.0]
    cycled = schedules.PolynomialDecay(1.0, 10, end_learning_rate=0.0, cycle=True)
    assert [float(cycled(s)) for s in (0, 10, 15)] == [1.0, 0.0, 0.25]  # 15 of 20
    inverse = schedules.InverseTimeDecay(1.0, 2, 1.0)
    np.testing.assert_allclose([float(inverse(s)) for s in (0, 3, 4)], [1.0, 0.4, 1 / 3],
                               rtol=1e-7)
    stairs = schedules.InverseTimeDecay(1.0, 2, 1.0, staircase=True)
    assert float(stairs(3)) == 0.5
    # restarts of 2, 4, 8 steps: steps 0, 2 and 6 start a cosine, its middle is 1/2
    sgdr = schedules.CosineDecayRestarts(1.0, 2)
    np.testing.assert_allclose([float(sgdr(s)) for s in (0, 1, 2, 4, 6, 10)],
                               [1.0, 0.5, 1.0, 0.5, 1.0, 0.5], atol=1e-6)
    halving = schedules.CosineDecayRestarts(1.0, 2, t_mul=1.0, m_mul=0.5, alpha=0.2)
    np.testing.assert_allclose(float(halving(3)), 0.2 + 0.8 * 0.5 * 0.5, rtol=1e-6)
    for schedule in (poly, inverse, sgdr):
        again = schedules.deserialize(schedules.serialize(schedule))
        assert type(again) is type(schedule) and again.get_config() == schedule.get_config()
    with pytest.raises(ValueError, match="first_decay_steps=0"):
        schedules.CosineDecayRestarts(1.0, 0)


def test_ftrl_step_by_hand_and_l1_zeroes():
    w = _var([1.0, -2.0])
    opt = optimizers.Ftrl(learning_rate=0.5)
    g = np.array([0.3, 0.0])
    opt.apply_gradients([(g, w)])
    lr = float(np.float32(0.5))
    n, n_new = 0.1, 0.1 + g ** 2
    z = g - (np.sqrt(n_new) - np.sqrt(n)) / lr * np.array([1.0, -2.0])
    np.testing.assert_allclose(w.numpy(), -z / (np.sqrt(n_new) / lr), rtol=1e-12)
    assert w.numpy()[1] == 0.0  # no gradient yet: z = 0, the weight is 0 (FTRL's start)
    sparse = _var([0.5])
    optimizers.Ftrl(learning_rate=0.5, l1_regularization_strength=1.0).apply_gradients(
        [(np.array([0.2]), sparse)])
    assert sparse.numpy()[0] == 0.0  # |z| <= l1
    assert [v.name for v in opt.variables][2:] == ["d_w_accumulator", "d_w_linear"]
    with pytest.raises(ValueError, match="learning_rate_power=0.5"):
        optimizers.Ftrl(learning_rate_power=0.5)


def _sgd_reference(w, grads, lr, momentum, nesterov):
    """Keras's SGD, one scalar at a time: m = momentum m - lr g; w += m (Nesterov:
    w += momentum m - lr g)."""
    w, m = list(w), [0.0] * len(w)
    for g in grads:
        for i in range(len(w)):
            m[i] = m[i] * momentum - g[i] * lr
            w[i] += m[i] * momentum - g[i] * lr if nesterov else m[i]
    return w


def _rmsprop_reference(w, grads, lr, rho, momentum, epsilon, centered):
    """Keras's RMSprop, one scalar at a time: v = rho v + (1 - rho) g^2 (centered: minus
    the square of a = rho a + (1 - rho) g); step lr g / sqrt(v - a^2 + eps), through a
    momentum slot when momentum > 0."""
    w, v, a, m = list(w), [0.0] * len(w), [0.0] * len(w), [0.0] * len(w)
    for g in grads:
        for i in range(len(w)):
            v[i] = rho * v[i] + (1 - rho) * g[i] ** 2
            a[i] = rho * a[i] + (1 - rho) * g[i] if centered else 0.0
            step = lr * g[i] / np.sqrt(v[i] - a[i] ** 2 + epsilon)
            m[i] = momentum * m[i] + step if momentum > 0 else step
            w[i] -= m[i]
    return w


GRADIENTS = [np.array([0.3, -1.2, 0.05]), np.array([-0.4, 0.7, 0.5]),
             np.array([0.1, 0.1, -2.0])]


@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, False), (0.6, True)])
def test_sgd_momentum_and_nesterov_against_a_loop(momentum, nesterov):
    lr = float(np.float32(0.05))  # the learning rate is kept as float32
    w = _var([1.0, -2.0, 0.5])
    opt = optimizers.SGD(learning_rate=0.05, momentum=momentum, nesterov=nesterov)
    for g in GRADIENTS:
        opt.apply_gradients([(g, w)])
    expected = _sgd_reference([1.0, -2.0, 0.5], GRADIENTS, lr, momentum, nesterov)
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("centered,momentum", [(False, 0.0), (True, 0.0), (True, 0.5),
                                               (False, 0.5)])
def test_rmsprop_centered_and_momentum_against_a_loop(centered, momentum):
    lr = float(np.float32(0.01))
    w = _var([1.0, -2.0, 0.5])
    opt = optimizers.RMSprop(learning_rate=0.01, rho=0.8, momentum=momentum,
                             epsilon=1e-7, centered=centered)
    for g in GRADIENTS:
        opt.apply_gradients([(g, w)])
    expected = _rmsprop_reference([1.0, -2.0, 0.5], GRADIENTS, lr, 0.8, momentum, 1e-7,
                                  centered)
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-12)
