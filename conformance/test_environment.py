"""The suite fails, never skips, when TensorFlow is missing."""
from conformance.tfload import MISSING_MESSAGE, tensorflow_available


def test_tensorflow_is_installed():
    assert tensorflow_available(), MISSING_MESSAGE
