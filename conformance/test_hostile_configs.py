"""Hostile `.keras` configs against tf.keras 3.15 (load_model, safe_mode=True): configs
that ask for unbounded work (tests/exhaustion_mutants.py's classes, at sizes tf.keras
can be handed without taking the machine's memory) and configs naming code or unknown
objects by module path. Each file is read by both libraries:

  * tf.keras refuses -> kerasmini refuses, with tf.keras's exception class unless the
    case is in CLASS_DIVERGENCES (which says why);
  * tf.keras loads   -> kerasmini loads the same model (same predictions) or refuses
    it as a bound of kerasmini/saving/model_limits.py (UnsafeFileError: stricter, and
    listed in STRICTER);
  * no payload runs in either library (each would create MARKER).
"""
import json
import os
import tempfile
import warnings

import numpy as np
import pytest

from conformance.tfload import load as load_tf
from tests.file_mutants import CONFIG, zip_bytes, zip_members

MARKER = os.path.join(tempfile.gettempdir(), f"kerasmini-config-code-ran-{os.getpid()}")


def _dense(**config):
    return lambda c: c["config"]["layers"][1]["config"].update(config)


def _layer(class_name, input_shape=None, **config):
    def edit(c):
        if input_shape:
            c["config"]["layers"][0]["config"]["batch_shape"] = [None, *input_shape]
        layer = c["config"]["layers"][1]
        layer.update(class_name=class_name, module="keras.layers")
        layer["config"] = {"name": "d", **config}
        layer.pop("build_config", None)
    return edit


def _compile(key, value):
    return lambda c: c["compile_config"].__setitem__(key, value)


def _named(module, class_name, config=None, registered=None):
    return {"module": module, "class_name": class_name, "config": config or {},
            "registered_name": registered}


CASES = {
    # sizes: a weight tf.keras allocates then fails to fill, kerasmini refuses first
    "Dense(units=10**6)": _dense(units=10 ** 6),
    "Embedding(input_dim=10**6)": _layer("Embedding", input_dim=10 ** 6, output_dim=4),
    "Conv1D(filters=10**5)": _layer("Conv1D", (3, 1), filters=10 ** 5, kernel_size=[1]),
    # activations beyond 2**28 values a sample: tf.keras loads (predict would not fit)
    "RepeatVector(n=2**29)": _layer("RepeatVector", n=2 ** 29),
    "CategoryEncoding(num_tokens=2**40)": _layer("CategoryEncoding", num_tokens=2 ** 40,
                                                 output_mode="multi_hot"),
    # sizes that are large but within the bounds: both load, same predictions
    "RepeatVector(n=1000)": _layer("RepeatVector", n=1000),
    "Hashing(num_bins=10**12)": _layer("Hashing", num_bins=10 ** 12),
    # names of code and of unknown objects, by module path
    "activation os.system by module": _dense(activation=_named(
        "keras.activations", "function", "os.system", "function")),
    "activation __reduce__ dict": _dense(activation={"__reduce__": [
        "os.system", [f"touch {MARKER}"]]}),
    "initializer numpy.load": _dense(kernel_initializer=_named(
        "numpy", "load", {"file": MARKER, "allow_pickle": True})),
    "regularizer registered os>system": _dense(kernel_regularizer=_named(
        None, "system", registered="os>system")),
    "constraint keras.constraints.Evil": _dense(kernel_constraint=_named(
        "keras.constraints", "Evil")),
    "dtype policy of an unknown class": _dense(dtype=_named(
        "keras", "EvilPolicy", {"name": "float32"})),
    "dtype policy named os.system": _dense(dtype=_named(
        "keras", "DTypePolicy", {"name": "os.system"})),
    "layer keras.models.load_model": lambda c: c["config"]["layers"][1].update(_named(
        "keras.models", "load_model", {"filepath": MARKER})),
    "layer builtins.eval": lambda c: c["config"]["layers"][1].update(_named(
        "builtins", "eval")),
    "compile loss by module os": _compile("loss", _named(
        "os", "system", {"command": f"touch {MARKER}"})),
    "compile metric numpy.load": _compile("metrics", [_named("numpy", "load",
                                                             {"file": MARKER})]),
    "compile schedule keras.optimizers.schedules.Evil": lambda c: c["compile_config"][
        "optimizer"]["config"].__setitem__("learning_rate", _named(
            "keras.optimizers.schedules", "Evil")),
}
# Keras's rule, followed by kerasmini: a layer's base from_config turns whatever its
# constructor refuses into a TypeError ('Error when deserializing class ...'), and
# deserialize_keras_object wraps a TypeError of from_config again; a class named outside
# keras that is not registered is 'Could not locate' (TypeError), also in compile_config.
# A direct constructor call keeps its own class (test_a_direct_call_keeps_its_class).
CLASS_DIVERGENCES = {
    # tf.keras fails inside its own code (AttributeError: 'str' object has no attribute
    # 'quantization_mode', its dtype deserializer returned the class name); kerasmini
    # refuses with a ValueError naming the argument
    "dtype policy of an unknown class",
}
STRICTER = {"RepeatVector(n=2**29)", "CategoryEncoding(num_tokens=2**40)"}


@pytest.fixture(scope="module")
def libraries():
    import kerasmini
    _, keras = load_tf()
    folder = tempfile.mkdtemp()
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, name="d")])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    path = os.path.join(folder, "seed.keras")
    model.save(path)
    with open(path, "rb") as f:
        return keras, kerasmini, zip_members(f.read()), folder


def _read(load, path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = load(path)
        return model, None
    except Exception as error:  # noqa: BLE001  (the class is the answer)
        return None, error


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_hostile_config_is_refused_as_tf_keras_refuses_it(libraries, name):
    keras, kerasmini, members, folder = libraries
    config = json.loads(members[CONFIG])
    CASES[name](config)
    path = os.path.join(folder, "case.keras")
    with open(path, "wb") as f:
        f.write(zip_bytes({**members, CONFIG: json.dumps(config).encode()}))
    tf_model, tf_error = _read(lambda p: keras.models.load_model(p, safe_mode=True), path)
    km_model, km_error = _read(kerasmini.models.load_model, path)
    assert not os.path.exists(MARKER), "a payload named in the file ran"
    if tf_error is not None:
        assert km_error is not None, f"kerasmini loads what tf.keras refuses: {tf_error}"
        assert isinstance(km_error, (ValueError, TypeError)) and str(km_error)
        same = isinstance(km_error, type(tf_error))
        assert same != (name in CLASS_DIVERGENCES), (
            f"tf.keras: {type(tf_error).__name__}: {tf_error}; kerasmini: "
            f"{type(km_error).__name__}: {km_error}")
    elif name in STRICTER:
        assert type(km_error).__name__ == "UnsafeFileError", km_error
        assert "values per sample" in str(km_error)
    else:
        assert km_error is None, f"tf.keras loads, kerasmini refuses: {km_error!r}"
        x = np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)
        np.testing.assert_allclose(km_model.predict(x, verbose=0),
                                   np.asarray(tf_model.predict(x, verbose=0)),
                                   rtol=1e-5, atol=1e-5)


DIRECT_CALLS = {  # the same hostile values handed to a constructor or compile() in code
    "activation os.system by module": ("Dense", "activation"),
    "activation __reduce__ dict": ("Dense", "activation"),
    "initializer numpy.load": ("Dense", "kernel_initializer"),
    "regularizer registered os>system": ("Dense", "kernel_regularizer"),
    "constraint keras.constraints.Evil": ("Dense", "kernel_constraint"),
    "dtype policy named os.system": ("Dense", "dtype"),
    "compile loss by module os": ("compile", "loss"),
    "compile metric numpy.load": ("compile", "metrics"),
}

# compile() in tf.keras takes a loss or metric dict naming code (and fit() then fails
# inside tf.keras: TypeError 'NoneType' object is not iterable for the loss); kerasmini
# refuses it at once, with compile()'s ValueError naming the identifier
DIRECT_STRICTER = {"compile loss by module os", "compile metric numpy.load"}


def _direct(library, config, target, key):
    value = (config["compile_config"] if target == "compile"
             else config["config"]["layers"][1]["config"])[key]
    try:
        if target == "compile":
            model = library.Sequential([library.Input((3,)), library.layers.Dense(4)])
            model.compile(optimizer="adam", **{"loss": "mse", key: value})
        else:
            library.layers.Dense(4, **{key: value})
    except Exception as error:  # noqa: BLE001  (the class is the answer)
        return error
    return None


@pytest.mark.parametrize("name", sorted(DIRECT_CALLS))
def test_a_direct_call_keeps_its_class(libraries, name):
    """Outside a file, the constructor's (or compile's) own class: ValueError where the
    file read above is a TypeError."""
    keras, kerasmini, members, _ = libraries
    config = json.loads(members[CONFIG])
    CASES[name](config)
    tf_error = _direct(keras, config, *DIRECT_CALLS[name])
    km_error = _direct(kerasmini, config, *DIRECT_CALLS[name])
    assert not os.path.exists(MARKER), "a payload named in the call ran"
    if name in DIRECT_STRICTER:
        assert tf_error is None and isinstance(km_error, ValueError), (tf_error, km_error)
        return
    assert tf_error is not None and km_error is not None, (tf_error, km_error)
    assert type(km_error) is type(tf_error), (
        f"tf.keras: {type(tf_error).__name__}: {tf_error}; kerasmini: "
        f"{type(km_error).__name__}: {km_error}")
    assert str(km_error)
