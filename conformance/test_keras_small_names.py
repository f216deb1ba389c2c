"""The small Keras names against tf.keras: every name of keras.config, keras.backend,
keras.utils, keras.tree, keras.preprocessing and keras.ops.numpy that kerasmini has (the
rest listed here, with the reason), and their behaviour side by side: fit's epoch and step
limits, dtype helpers, keras.utils.Config, keras.tree's shape helpers, smart_resize's
values."""
import collections
import warnings

import numpy as np
import pytest

from conformance.harness import keras

import kerasmini

Point = collections.namedtuple("Point", "x y")

# Keras names kerasmini leaves out, and why (anything else missing fails the test)
LEFT_OUT = {
    "config": set(),
    "dtype_policies": set(),  # the quantized policies are there, refusing (NotImplemented)
    "mixed_precision": set(),
    "backend": set(),
    "utils": {"FeatureSpace",  # a tf.data preprocessing pipeline
              "bounding_boxes",  # bounding-box formats for detection models
              "legacy"},  # Keras 2's saving helpers
    "tree": set(),
    "preprocessing": set(),
    "preprocessing.image": set(),
    "preprocessing.sequence": set(),
}


def namespace(lib, path):
    for part in path.split("."):
        lib = getattr(lib, part)
    return lib


def public(module):
    return {name for name in dir(module) if not name.startswith("_")}


@pytest.mark.parametrize("path", sorted(LEFT_OUT))
def test_every_keras_name_is_there_or_left_out_on_purpose(path):
    missing = public(namespace(keras, path)) - public(namespace(kerasmini, path))
    left_out = LEFT_OUT[path] - (LEFT_OUT[path] & public(namespace(kerasmini, path)))
    assert missing == left_out, f"kerasmini.{path} lacks {sorted(missing - left_out)}"


def test_ops_numpy_lists_keras_s_names_that_kerasmini_ops_has():
    """The namespace is keras.ops's own functions under Keras's numpy names; the numpy
    functions kerasmini.ops lacks are missing from both."""
    keras_names = public(keras.ops.numpy)
    expected = keras_names & public(kerasmini.ops)
    assert set(dir(kerasmini.ops.numpy)) == expected
    assert len(expected) > 100


# ----- keras.config: fit's limits -----------------------------------------------------
def fitted_batches(lib, **fit_options):
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(1)])
    model.compile("sgd", "mse")
    seen = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model.fit(np.ones((20, 3), "float32"), np.ones((20, 1), "float32"),
                            batch_size=4, verbose=0, callbacks=[lib.callbacks.LambdaCallback(
                                on_train_batch_end=lambda batch, logs: seen.append(batch))],
                            **fit_options)
        predicted = model.predict(np.ones((20, 3), "float32"), batch_size=4, verbose=0)
    limits = sorted({str(w.message) for w in caught if "Limiting" in str(w.message)})
    return seen, len(history.history["loss"]), predicted.shape, limits


@pytest.mark.parametrize("max_epochs, max_steps", [(2, None), (None, 3), (2, 2)])
def test_fit_limits_as_keras(max_epochs, max_steps):
    results = []
    for lib in (keras, kerasmini):
        lib.config.set_max_epochs(max_epochs)
        lib.config.set_max_steps_per_epoch(max_steps)
        try:
            results.append(fitted_batches(lib, epochs=3))
        finally:
            lib.config.set_max_epochs(None)
            lib.config.set_max_steps_per_epoch(None)
    assert results[1] == results[0]


def test_flash_attention_flag_as_keras():
    for lib in (keras, kerasmini):
        states = [lib.config.is_flash_attention_enabled()]
        lib.config.disable_flash_attention()
        states.append(lib.config.is_flash_attention_enabled())
        lib.config.enable_flash_attention()
        states.append(lib.config.is_flash_attention_enabled())
        assert states == [None, False, None], lib.__name__


# ----- keras.backend ------------------------------------------------------------------
DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
          "uint16", "uint32", "bool", np.float32, np.int64, float, bool, None]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_dtype_helpers_as_keras(dtype):
    for name in ("standardize_dtype", "is_float_dtype", "is_int_dtype"):
        assert getattr(kerasmini.backend, name)(dtype) == getattr(keras.backend, name)(dtype), \
            name
    assert kerasmini.utils.standardize_dtype(dtype) == keras.utils.standardize_dtype(dtype)


def test_python_int_is_int64_as_in_tf_keras():
    """Keras's TensorFlow backend names Python's int "int64" (its NumPy, JAX and PyTorch
    backends say int32); kerasmini stands in for tf.keras, so int64."""
    assert kerasmini.backend.standardize_dtype(int) == keras.backend.standardize_dtype(int)
    assert kerasmini.utils.standardize_dtype(int) == keras.utils.standardize_dtype(int)
    assert kerasmini.backend.is_int_dtype(int) and keras.backend.is_int_dtype(int)


@pytest.mark.parametrize("dtypes", [("int32", "float16"), ("int8", "uint8"), ("int8", float),
                                    ("bool", int), ("uint32", "int64"), (int, float),
                                    ("float16", "float64"), ("bfloat16", int), ()], ids=str)
def test_result_type_as_keras(dtypes):
    assert kerasmini.backend.result_type(*dtypes) == keras.backend.result_type(*dtypes)


@pytest.mark.parametrize("value", [2.5, 1, True])
def test_result_type_refuses_values_as_keras(value):
    for lib in (keras, kerasmini):
        with pytest.raises(ValueError, match=f"Invalid dtype: {value}"):
            lib.backend.result_type("int8", value)


def test_get_uid_counts_with_layer_names_as_keras():
    results = []
    for lib in (keras, kerasmini):
        lib.backend.clear_session()
        first = lib.layers.Dense(1).name
        uid = lib.backend.get_uid("dense")
        results.append((first, uid, lib.layers.Dense(1).name, lib.backend.get_uid("zz"),
                        lib.backend.get_uid("zz")))
        lib.backend.clear_session()
    assert results[1] == results[0]


# ----- keras.utils.Config -------------------------------------------------------------
def test_config_object_as_keras():
    outcomes = []
    for lib in (keras, kerasmini):
        settings = lib.utils.Config(b=1, a=2)
        settings.c = 3
        settings["d"] = 4
        before = (list(settings), settings.c, settings.to_json(), repr(settings),
                  settings.get("zz", 5), len(settings))
        settings.freeze()
        try:
            settings.a = 9
            refused = None
        except Exception as error:  # noqa: BLE001 (compared)
            refused = (type(error), str(error))
        try:
            settings.bb  # noqa: B018
        except AttributeError as error:
            unknown = str(error)
        outcomes.append((before, refused, unknown, settings.as_dict()))
    assert outcomes[1] == outcomes[0]


# ----- keras.tree ---------------------------------------------------------------------
SHAPES = [(None, 3), [(2,), [1, 4]], {"a": (1,), "b": [(None,), (2, 2)]}, [], (), 5]


@pytest.mark.parametrize("index", range(len(SHAPES)))
def test_map_shape_structure_as_keras(index):
    def add_one(shape):
        return (*shape, 1) if isinstance(shape, (list, tuple)) else shape
    assert kerasmini.tree.map_shape_structure(add_one, SHAPES[index]) == \
        keras.tree.map_shape_structure(add_one, SHAPES[index])


@pytest.mark.parametrize("a, b", [([0, 1], (2, 3)), ({"a": 1, "b": [2]}, {"b": (5,), "a": 0}),
                                  ({"a": 1, "b": 2}, {"a": 1}), ([1, [2]], [1, 2]),
                                  (Point(1, 2), [3, 4])], ids=str)
def test_assert_same_paths_as_keras(a, b):
    outcomes = []
    for lib in (keras, kerasmini):
        try:
            lib.tree.assert_same_paths(a, b)
            outcomes.append(None)
        except ValueError as error:
            outcomes.append(str(error))
    assert outcomes[1] == outcomes[0]


def test_traverse_map_to_none_as_keras():
    structure = [1, [2, 3], {"k": 3}]
    for top_down in (True, False):
        results = [lib.tree.traverse(lambda s, lib=lib: lib.tree.MAP_TO_NONE if s == 3
                                     else None, structure, top_down=top_down)
                   for lib in (keras, kerasmini)]
        assert results[1] == results[0]


# ----- keras.preprocessing.image.smart_resize -----------------------------------------
@pytest.mark.parametrize("shape, size, data_format, interpolation", [
    ((34, 50, 3), (20, 20), "channels_last", "bilinear"),
    ((2, 17, 9, 2), (8, 12), "channels_last", "bilinear"),
    ((2, 3, 17, 9), (8, 12), "channels_first", "bilinear"),
    ((40, 30, 1), (7, 7), "channels_last", "nearest"),
], ids=str)
def test_smart_resize_as_keras(shape, size, data_format, interpolation):
    image = np.random.default_rng(0).random(shape).astype("float32") * 255
    expected = np.asarray(keras.preprocessing.image.smart_resize(
        image, size, interpolation=interpolation, data_format=data_format))
    result = kerasmini.preprocessing.image.smart_resize(
        image, size, interpolation=interpolation, data_format=data_format)
    assert result.shape == expected.shape
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=255 * 1e-6)
