"""Model-level conformance: Sequential / functional models, summaries and Keras files,
kerasmini and tf.keras side by side. Without TensorFlow these tests fail (never skip)."""
from conformance.tfload import MISSING_MESSAGE, load, tensorflow_available


def tf_keras():
    """tf.keras, or an ImportError that says how to install it."""
    if not tensorflow_available():
        raise ImportError(MISSING_MESSAGE)
    return load()[1]
