"""The promises the README makes: a failing set_weights / load_weights / save changes
nothing, a layer builds once however many threads race to its first call, and a model
whose first call fails still works for the next valid input."""
import os
import tempfile
import threading
import time
import unittest
from unittest import mock

import h5py
import numpy as np

import kerasmini as keras
from kerasmini import layers


def model():
    return keras.Sequential([keras.Input((3,)), layers.Dense(2), layers.Dense(1)])


class AllOrNothing(unittest.TestCase):
    def test_set_weights_with_a_non_numeric_last_array_changes_nothing(self):
        for target in (layers.Dense(2), model()):
            if not target.built:
                target(np.ones((1, 3)))
            before = target.get_weights()
            new = [np.ones_like(w) for w in before]
            new[-1] = np.full(before[-1].shape, "x")  # right shape, cannot be a number
            with self.assertRaisesRegex(ValueError, "numeric.*<U1"):
                target.set_weights(new)
            for a, b in zip(before, target.get_weights()):
                np.testing.assert_array_equal(a, b)


class AtomicSaves(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def assert_failed_save_keeps_old_file(self, name, save):
        path = os.path.join(self.dir.name, name)
        save(model(), path)
        old = open(path, "rb").read()
        calls = []
        real = h5py.Group.create_dataset

        def fail_on_third(group, *args, **kwargs):
            calls.append(1)
            if len(calls) == 3:
                raise OSError("disk full")
            return real(group, *args, **kwargs)
        with mock.patch.object(h5py.Group, "create_dataset", fail_on_third):
            with self.assertRaisesRegex(OSError, "disk full"):
                save(model(), path)
        self.assertEqual(open(path, "rb").read(), old)
        self.assertEqual(os.listdir(self.dir.name), [name])  # no temporary left behind

    def test_failed_save_weights_keeps_the_old_file(self):
        self.assert_failed_save_keeps_old_file(
            "m.weights.h5", lambda m, p: m.save_weights(p))

    def test_failed_save_keeps_the_old_file(self):
        self.assert_failed_save_keeps_old_file("m.keras", lambda m, p: m.save(p))

    def test_saved_file_has_ordinary_permissions(self):
        path = os.path.join(self.dir.name, "m.keras")
        model().save(path)
        umask = os.umask(0)
        os.umask(umask)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o666 & ~umask)


class SlowDense(layers.Dense):
    def build(self, input_shape):
        time.sleep(0.05)  # widen the window in which other threads could build too
        super().build(input_shape)


class BuildOnce(unittest.TestCase):
    def test_threads_racing_to_the_first_call_build_once(self):
        layer, x = SlowDense(16), np.ones((2, 8), "float32")
        barrier, outputs = threading.Barrier(4), []

        def first_call():
            barrier.wait()
            outputs.append(layer(x))
        threads = [threading.Thread(target=first_call) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(layer.weights), 2)
        self.assertEqual(layer.count_params(), 8 * 16 + 16)
        for out in outputs:
            np.testing.assert_array_equal(out, outputs[0])

    def test_unbuilt_sequential_recovers_after_a_failed_first_call(self):
        stack = keras.Sequential([layers.Conv2D(2, 3), layers.Conv2D(2, 3)])
        with self.assertRaisesRegex(ValueError, "negative"):
            stack(np.ones((1, 4, 4, 1)))  # the first conv builds, the second cannot
        self.assertFalse(stack.built)
        self.assertFalse(any(layer.built for layer in stack.layers))
        x = np.random.default_rng(0).random((1, 6, 6, 3)).astype("float32")
        out = stack(x)  # 3 channels now: the first conv must not keep its 1-channel build
        by_hand = stack.layers[1](stack.layers[0](x))
        np.testing.assert_array_equal(out, by_hand)
        self.assertEqual(out.shape, (1, 2, 2, 2))
