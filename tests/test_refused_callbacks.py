"""Keras callbacks and optimizers kerasmini lacks: refused at construction, naming the reason."""
import pytest

import kerasmini

def test_callbacks_kerasmini_lacks_are_refused_by_name():
    for name, args in (("TensorBoard", ()), ("RemoteMonitor", ())):
        with pytest.raises(NotImplementedError, match=f"keras.callbacks.{name}: "):
            getattr(kerasmini.callbacks, name)(*args)

