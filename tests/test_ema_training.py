"""use_ema in fit: SwapEMAWeights evaluates with the moving averages and trains on from
the raw weights; fit ends with the averages in the model (Keras's finalize)."""
import numpy as np

import kerasmini as keras


def _fit(callbacks, seen):
    x, y = _data()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.set_weights([np.zeros((2, 1), "float32"), np.zeros(1, "float32")])
    optimizer = keras.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5)
    model.compile(optimizer, "mse")
    record = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(
        ([w.copy() for w in model.get_weights()],
         [a.numpy().copy() for a in optimizer._averages])))
    history = model.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                        validation_data=(x, y), callbacks=callbacks + [record])
    return model, x, y, history.history


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 2)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0]], "float32") + 0.5).astype("float32")


def _mse(weights, x, y):
    return float(np.mean((x @ weights[0] + weights[1] - y) ** 2))


def test_validation_uses_the_averages_and_training_the_raw_weights():
    seen_plain, seen_swapped = [], []
    _, x, y, plain = _fit([], seen_plain)
    model, _, _, swapped = _fit([keras.callbacks.SwapEMAWeights()], seen_swapped)
    # the same training: the raw weights and averages agree epoch by epoch
    for (w1, a1), (w2, a2) in zip(seen_plain, seen_swapped):
        for a, b in zip(w1 + a1, w2 + a2):
            np.testing.assert_array_equal(a, b)
    for epoch, (weights, averages) in enumerate(seen_plain):
        assert abs(plain["val_loss"][epoch] - _mse(weights, x, y)) < 1e-5
        assert abs(swapped["val_loss"][epoch] - _mse(averages, x, y)) < 1e-5
        assert abs(_mse(weights, x, y) - _mse(averages, x, y)) > 1e-3  # they differ
    # at the end of fit the model holds the averages
    for got, average in zip(model.get_weights(), seen_swapped[-1][1]):
        np.testing.assert_array_equal(got, average)


def test_swap_on_epoch_shows_the_averages_to_later_callbacks():
    """At each epoch's end the model and the optimizer have traded their arrays (so a
    ModelCheckpoint after SwapEMAWeights saves the averages); after the last, both hold
    the averages."""
    plain, swapped = [], []
    _fit([], plain)
    _fit([keras.callbacks.SwapEMAWeights(swap_on_epoch=True)], swapped)
    for epoch, ((weights, averages), (model_holds, optimizer_holds)) in enumerate(
            zip(plain, swapped)):
        last = epoch == len(plain) - 1
        for a, b in zip(model_holds + optimizer_holds,
                        averages + (averages if last else weights)):
            np.testing.assert_array_equal(a, b)

