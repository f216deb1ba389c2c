"""The two models a check compares: kerasmini's and tf.keras's, loaded from one file.

TensorFlow is imported here, lazily, only when a check runs: the rest of kerasmini never
needs it.
"""
import logging
import os
import tempfile
import warnings
import numpy as np

INSTALL = 'pip install "kerasmini[check]"'


class TensorFlowMissing(ImportError):
    """`check` needs tf.keras, which is not installed."""


def import_keras():
    """tf.keras (Keras 3 on the TensorFlow backend), quietly, or TensorFlowMissing."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import keras
            import tensorflow as tf
    except ImportError as error:
        raise TensorFlowMissing(f"check compares with tf.keras, but TensorFlow is not "
                                f"installed ({error.name} is missing): {INSTALL}") from None
    tf.get_logger().setLevel(logging.ERROR)
    if keras.backend.backend() != "tensorflow":
        raise TensorFlowMissing(f"check needs KERAS_BACKEND=tensorflow, got "
                                f"{keras.backend.backend()}")
    return keras


def load_twins(model_or_path, keras_model=None):
    """(kerasmini model, tf.keras model, description).

    model_or_path: a file (.keras or legacy .h5) or a kerasmini model (tf.keras then
    loads it from a temporary .keras file). keras_model: what tf.keras runs instead, a
    file or a tf.keras model: to check a converted or re-saved file against its original.
    """
    import kerasmini
    keras = import_keras()
    if isinstance(model_or_path, (str, os.PathLike)):
        path = os.fspath(model_or_path)
        km_model, description = kerasmini.models.load_model(path), path
    else:
        km_model, path, description = model_or_path, None, f"model '{model_or_path.name}'"
    if keras_model is None and path is None:
        with tempfile.TemporaryDirectory() as folder:
            copy = os.path.join(folder, "model.keras")
            km_model.save(copy)
            tf_model = _tf_load(keras, copy)
    elif keras_model is None or isinstance(keras_model, (str, os.PathLike)):
        tf_model = _tf_load(keras, os.fspath(keras_model or path))
    else:
        tf_model = keras_model
    return km_model, tf_model, description


def _tf_load(keras, path):
    """tf.keras's model of `path`, once kerasmini's own reader has found the file safe
    (`--keras-model` files are not loaded by kerasmini first): unsafe containers are
    refused here, and tf.keras runs in safe mode (no Lambda code)."""
    from kerasmini.inspection.reader import inspect_file
    inspect_file(path)  # raises on links, bombs, paths escaping the archive, ...
    try:
        return keras.models.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001  (whatever TensorFlow raises, said plainly)
        raise ValueError(f"tf.keras could not load {path}: {type(error).__name__}: "
                         f"{str(error).splitlines()[0] if str(error) else ''}") from error


def run_tf(call):
    """tf.keras's outputs of `call()` as a list of NumPy arrays (a dict's by sorted key,
    as both libraries flatten), or the exception TensorFlow raised on this input."""
    try:
        return _numpy(call())
    except Exception as error:  # noqa: BLE001  (reported as a divergence, never hidden)
        return error


def tf_float64_output(tf_op, arguments, as_float64, is_layer):
    """tf.keras's own float64 twin of a layer (rebuilt from its config with every dtype
    float64, holding its weights; an operation rebuilt as it is) called on the float64
    (args, kwargs) that `arguments()` makes afresh for each call (MultiHeadAttention
    takes the masks off its input tensors); or the exception it raised."""
    try:
        if not is_layer:  # a fresh operation: a call patched on this one is not its
            args, kwargs = arguments()
            return _numpy(type(tf_op).from_config(tf_op.get_config())(*args, **kwargs))
        twin = type(tf_op).from_config(as_float64(tf_op.get_config()))
        args, kwargs = arguments()
        twin(*args, **kwargs)  # builds it
        twin.set_weights([np.asarray(w, np.float64) for w in tf_op.get_weights()])
        args, kwargs = arguments()
        return _numpy(twin(*args, **kwargs))
    except Exception as error:  # noqa: BLE001  (reported in the verdict, never hidden)
        return error


def with_mask(operation, value, mask):
    """`value` carrying `mask` as the graph's tensor carries it, for the library of
    `operation` (a merge reads its inputs' masks from the tensors, not an argument)."""
    if type(operation).__module__.startswith("kerasmini"):  # a stand-in (tests/)
        from kerasmini.layers.masks import attach
        return attach(value, mask)
    import keras
    from keras.src.backend.common.masking import set_keras_mask
    tensor = keras.ops.convert_to_tensor(value)
    set_keras_mask(tensor, keras.ops.convert_to_tensor(mask))
    return tensor


def _numpy(out):
    from kerasmini.tree import flatten
    return [np.asarray(o) for o in flatten(out)]
