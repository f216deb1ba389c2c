"""Import TensorFlow and Keras quietly, or explain how to install them."""
import importlib.util
import logging
import os
import warnings

from conformance import INSTALL_HINT

MISSING_MESSAGE = (
    f"TensorFlow is not installed; install it with:  {INSTALL_HINT}  (from the repository "
    "root). The conformance suite compares kerasmini with tf.keras and never skips: "
    "without TensorFlow it fails.")


def tensorflow_available():
    try:
        return (importlib.util.find_spec("tensorflow") is not None
                and importlib.util.find_spec("keras") is not None)
    except (ImportError, ValueError):
        return False


def load():
    """(tf, keras) with logging silenced."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import tensorflow as tf
        import keras
    tf.get_logger().setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(f"conformance needs KERAS_BACKEND=tensorflow, got "
                           f"{keras.backend.backend()}")
    return tf, keras
