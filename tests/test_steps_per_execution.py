"""compile(steps_per_execution=n): the same steps as n = 1, the batch callbacks once per n
steps, named by the first and last step of each execution (as Keras names them)."""
import numpy as np
import pytest

import kerasmini as keras


def _model(steps_per_execution):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"], steps_per_execution=steps_per_execution)
    return model


def _events():
    events = []
    hook = lambda kind: lambda batch, logs=None: events.append(  # noqa: E731
        (kind, batch, None if logs is None else round(float(logs.get("loss", 0)), 6)))
    return events, keras.callbacks.LambdaCallback(
        on_train_batch_begin=hook("train_begin"), on_train_batch_end=hook("train_end"),
        on_test_batch_begin=hook("test_begin"), on_test_batch_end=hook("test_end"))


def test_same_steps_callbacks_per_execution():
    x = np.linspace(0, 1, 30, dtype="float32").reshape(10, 3)
    y = np.ones((10, 1), "float32")
    one, three = _model(1), _model(3)
    events_one, callback_one = _events()
    events_three, callback_three = _events()
    args = dict(batch_size=2, epochs=2, shuffle=False, verbose=0,
                validation_data=(x[:6], y[:6]))
    history_one = one.fit(x, y, callbacks=[callback_one], **args).history
    history_three = three.fit(x, y, callbacks=[callback_three], **args).history
    assert history_one == history_three
    for a, b in zip(one.get_weights(), three.get_weights()):
        np.testing.assert_array_equal(a, b)
    # 5 batches in executions (0..2) and (3..5): the last one is short but named as Keras
    # names it; the logs are those after the execution's last step (step 2, step 4)
    end_loss = [loss for kind, _, loss in events_one if kind == "train_end"][:5]  # epoch 1
    train = [e for e in events_three if e[0].startswith("train")]
    assert [(kind, batch) for kind, batch, _ in train[:4]] == [
        ("train_begin", 0), ("train_end", 2), ("train_begin", 3), ("train_end", 5)]
    assert train[1][2] == end_loss[2] and train[3][2] == end_loss[4]
    test = [(kind, batch) for kind, batch, _ in events_three if kind.startswith("test")]
    assert test[:2] == [("test_begin", 0), ("test_end", 2)]   # 3 validation batches
    assert three.get_compile_config()["steps_per_execution"] == 3
    assert three.evaluate(x, y, batch_size=2, verbose=0) == one.evaluate(
        x, y, batch_size=2, verbose=0)


def test_step_counts_that_split_an_execution_are_refused():
    model = _model(3)
    x, y = np.zeros((12, 3), "float32"), np.zeros((12, 1), "float32")
    with pytest.raises(NotImplementedError, match="steps_per_epoch=4"):
        model.fit(x, y, batch_size=2, steps_per_epoch=4, verbose=0)
    with pytest.raises(NotImplementedError, match="steps=2"):
        model.evaluate(x, y, batch_size=2, steps=2, verbose=0)
    model.fit(x, y, batch_size=2, steps_per_epoch=6, verbose=0)
    assert int(np.asarray(model.optimizer.iterations)) == 6
