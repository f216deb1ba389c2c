"""validation_steps: a PyDataset is read from its start at every validation (Keras: "the
same validation samples are used every time"); a Python generator cannot start again and
is read on. (tf.keras 3.15 replays the two batches it peeked at to learn the data's
structure and then reads on: neither rule; kerasmini does not copy it.)

The model outputs its input (kernel 1, no bias, learning rate 0) and the loss is MAE
against 0, so each validation's loss is the mean of the batch numbers it read."""
import itertools

import numpy as np
import pytest

import kerasmini as keras


class _Numbered(keras.utils.PyDataset):
    def __len__(self):
        return 4

    def __getitem__(self, index):
        return np.full((2, 1), float(index), "float32"), np.zeros((2, 1), "float32")


def _numbered_forever():
    for index in itertools.cycle(range(4)):
        yield np.full((2, 1), float(index), "float32"), np.zeros((2, 1), "float32")


@pytest.mark.parametrize("source, expected", [
    (_Numbered, [1.0, 1.0]),  # batches 0, 1, 2 each time
    (_numbered_forever, [1.0, 4.0 / 3.0]),  # 0, 1, 2 then 3, 0, 1
])
def test_validation_steps_restart_a_dataset_and_read_a_generator_on(source, expected):
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(
        1, use_bias=False, kernel_initializer="ones")])
    model.compile(keras.optimizers.SGD(0.0), "mae")
    x = np.ones((4, 1), "float32")
    history = model.fit(x, x, batch_size=2, epochs=4, verbose=0, validation_data=source(),
                        validation_steps=3, validation_freq=2)
    np.testing.assert_allclose(history.history["val_loss"], expected, rtol=1e-6)
