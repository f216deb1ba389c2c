"""What typical Keras scripts call besides layers: keras.utils (to_categorical against a
loop, set_random_seed fixing a whole run: initial weights, dropout masks, fit's shuffling),
keras.backend.clear_session and Model.predict_on_batch."""
import numpy as np
import pytest

import kerasmini as keras


def _one_hot_loop(labels, classes):
    rows = np.zeros((len(labels), classes))
    for row, label in enumerate(labels):
        rows[row, label] = 1.0
    return rows


def test_to_categorical_against_a_loop():
    labels = [3, 0, 2, 2]
    np.testing.assert_array_equal(keras.utils.to_categorical(labels),
                                  _one_hot_loop(labels, 4))
    np.testing.assert_array_equal(keras.utils.to_categorical(np.array(labels)[:, None], 6),
                                  _one_hot_loop(labels, 6))  # (n, 1) -> (n, classes)
    grid = keras.utils.to_categorical([[1, 0], [0, 1.0]], 2)
    assert grid.shape == (2, 2, 2) and grid.dtype == np.float64
    np.testing.assert_array_equal(grid.reshape(4, 2), _one_hot_loop([1, 0, 0, 1], 2))


@pytest.mark.parametrize("labels,classes,error,match", [
    ([0, 4], 4, IndexError, "label value of 4"),
    ([0, -1], 3, ValueError, "label value of -1"),
    ([0.5, 1.0], 3, ValueError, "integer class labels"),
    (["a"], 3, ValueError, "integer class labels")])
def test_to_categorical_refuses_labels_it_cannot_encode(labels, classes, error, match):
    with pytest.raises(error, match=match):
        keras.utils.to_categorical(labels, classes)


def _train_once(seed):
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(48, 5)).astype("float32"), rng.integers(0, 3, 48)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dropout(0.5), keras.layers.GaussianNoise(0.1),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)  # shuffled batches
    return model.get_weights()


def test_set_random_seed_fixes_a_whole_training_run():
    first, again, other = _train_once(3), _train_once(3), _train_once(4)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_set_random_seed_takes_an_int():
    with pytest.raises(ValueError, match=r"seed=1.5 \(of type <class 'float'>\)"):
        keras.utils.set_random_seed(1.5)


def test_clear_session_restarts_the_names():
    keras.layers.Dense(2)
    keras.backend.clear_session()
    assert keras.layers.Dense(2).name == "dense"
    assert keras.layers.Dense(2).name == "dense_1"
    assert keras.backend.floatx() == keras.config.floatx()


def test_predict_on_batch_is_one_predict_call():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    x = np.random.default_rng(0).normal(size=(40, 3)).astype("float32")
    np.testing.assert_array_equal(model.predict_on_batch(x), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match="Unrecognized data type"):
        model.predict_on_batch([1.0, 2.0])
