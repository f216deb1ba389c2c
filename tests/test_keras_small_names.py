"""The small Keras names scripts use, NumPy only: keras.config's switches (fit's limits
honoured, interactive logging moving the progress bar to the logger, what kerasmini
refuses), keras.backend's dtype and naming helpers, keras.utils.Config, keras.tree's
shape helpers, keras.ops.numpy and keras.preprocessing as namespaces."""
import contextlib
import io
import logging

import numpy as np
import pytest

import kerasmini as keras
from kerasmini import backend, config, layers, tree, utils


@pytest.fixture
def limits():
    """Whatever a test sets, every later test starts without limits."""
    yield
    config.set_max_epochs(None)
    config.set_max_steps_per_epoch(None)


def small_model():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def counted_batches(model, x, y, **fit_options):
    batches = []
    counter = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: batches.append(batch))
    history = model.fit(x, y, verbose=0, callbacks=[counter], **fit_options)
    return history, batches


# ----- keras.config: fit's limits ---------------------------------------------------
def test_max_epochs_caps_fit_with_keras_s_warning(limits):
    x, y = np.zeros((8, 3), "float32"), np.zeros((8, 1), "float32")
    config.set_max_epochs(2)
    assert config.max_epochs() == 2
    with pytest.warns(UserWarning, match="Limiting epochs to 2"):
        history, _ = counted_batches(small_model(), x, y, epochs=5, batch_size=4)
    assert len(history.history["loss"]) == 2
    history, _ = counted_batches(small_model(), x, y, epochs=1, batch_size=4)  # below: kept
    assert len(history.history["loss"]) == 1


@pytest.mark.filterwarnings("ignore:Your input ran out of data")  # epoch 2's 2 batches
def test_max_steps_per_epoch_caps_fit_evaluate_and_predict(limits):
    x, y = np.ones((20, 3), "float32"), np.ones((20, 1), "float32")
    config.set_max_steps_per_epoch(3)
    model = small_model()
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
        _, batches = counted_batches(model, x, y, epochs=2, batch_size=4)
    assert batches == [0, 1, 2, 0, 1]  # the second epoch continues the pass, as Keras
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
        assert model.predict(x, batch_size=4, verbose=0).shape == (12, 1)
    with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
        seen = []
        model.evaluate(x, y, batch_size=4, verbose=0, callbacks=[
            keras.callbacks.LambdaCallback(on_test_batch_end=lambda b, l: seen.append(b))])
    assert seen == [0, 1, 2]
    _, batches = counted_batches(model, x, y, batch_size=10)  # 2 batches: under the cap
    assert batches == [0, 1]


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "3"])
def test_limits_must_be_positive_integers(value, limits):
    for setter, name in ((config.set_max_epochs, "max_epochs"),
                         (config.set_max_steps_per_epoch, "max_steps_per_epoch")):
        with pytest.raises(ValueError, match=f"`{name}`.*Received: {name}={value!r}"):
            setter(value)
    assert config.max_epochs() is None and config.max_steps_per_epoch() is None


# ----- keras.config: interactive logging ----------------------------------------------
@pytest.fixture
def quiet():
    config.disable_interactive_logging()
    yield
    config.enable_interactive_logging()


def test_disabled_interactive_logging_sends_bar_summary_and_notes_to_the_logger(quiet, caplog):
    assert not config.is_interactive_logging_enabled()
    assert utils.is_interactive_logging_enabled is config.is_interactive_logging_enabled
    model = small_model()
    x, y = np.zeros((8, 3), "float32"), np.zeros((8, 1), "float32")
    out = io.StringIO()
    with caplog.at_level(logging.INFO, logger="kerasmini"), contextlib.redirect_stdout(out):
        model.fit(x, y, epochs=2, batch_size=4, verbose=1, callbacks=[
            keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10,
                                          verbose=1)])
        model.summary()
    assert out.getvalue() == ""
    logged = [record.getMessage() for record in caplog.records]
    assert logged[0] == "Epoch 1/2" and logged[1].startswith("2/2 ━")
    assert "Epoch 2: early stopping" in logged
    assert any(message.startswith('Model: "sequential') for message in logged)


def test_interactive_logging_writes_to_stdout():
    assert config.is_interactive_logging_enabled()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        small_model().fit(np.zeros((4, 3)), np.zeros((4, 1)), epochs=2, verbose=2)
    assert out.getvalue().startswith("Epoch 1/2\n1/1 - ")


# ----- keras.config: what kerasmini is and refuses ------------------------------------
def test_backend_is_numpy_and_cannot_change():
    assert config.backend() == backend.backend() == "numpy"
    config.set_backend("numpy")
    with pytest.raises(ValueError, match="NumPy only.*Received: backend='tensorflow'"):
        config.set_backend("tensorflow")
    assert config.is_nnx_enabled() is False


def test_unsafe_deserialization_and_traceback_filtering_are_refused_clearly():
    with pytest.raises(ValueError, match="never deserializes code"):
        config.enable_unsafe_deserialization()
    with pytest.raises(NotImplementedError, match="does not filter tracebacks"):
        config.enable_traceback_filtering()
    config.disable_traceback_filtering()
    assert config.is_traceback_filtering_enabled() is False


def test_flash_attention_flag_as_keras_keeps_it():
    assert config.is_flash_attention_enabled() is None
    config.disable_flash_attention()
    assert config.is_flash_attention_enabled() is False
    config.enable_flash_attention()
    assert config.is_flash_attention_enabled() is None


# ----- keras.backend ------------------------------------------------------------------
def test_get_uid_shares_the_counter_that_names_layers():
    backend.clear_session()
    assert layers.Dense(1).name == "dense"
    assert backend.get_uid("dense") == 2
    assert layers.Dense(1).name == "dense_2"
    assert backend.get_uid() == 1 and backend.get_uid() == 2
    backend.clear_session()


@pytest.mark.parametrize("dtype, is_float, is_int", [
    ("float16", True, False), ("float64", True, False), (np.float32, True, False),
    ("int8", False, True), ("uint16", False, True), (int, False, True),
    ("bool", False, False), (None, True, False)])
def test_dtype_kinds(dtype, is_float, is_int):
    assert backend.is_float_dtype(dtype) is is_float
    assert backend.is_int_dtype(dtype) is is_int


def test_backend_and_utils_dtype_helpers_are_keras_ops_rules():
    assert backend.standardize_dtype(np.float64) == utils.standardize_dtype("float64") == \
        "float64"
    assert backend.result_type("int32", "float16") == "float16"
    assert backend.result_type("int8", float) == "float32"  # Python's types are weak
    with pytest.raises(ValueError, match="Invalid dtype: 2.5"):  # dtypes, not values
        backend.result_type("int8", 2.5)
    assert backend.is_keras_tensor(keras.Input((2,))) and not backend.is_keras_tensor(1.0)
    assert "is_keras_tensor" in dir(backend)


# ----- keras.utils.Config -------------------------------------------------------------
def test_config_entries_are_attributes_and_items():
    settings = utils.Config(learning_rate=0.1, momentum=0.9)
    settings.seed = 123
    settings["epochs"] = 3
    assert settings.epochs == 3 and settings["seed"] == 123
    assert list(settings) == ["epochs", "learning_rate", "momentum", "seed"]  # sorted
    assert len(settings) == 4 and "seed" in settings
    assert settings.as_dict() == {"learning_rate": 0.1, "momentum": 0.9, "seed": 123,
                                  "epochs": 3}
    assert settings.to_json() == ('{"learning_rate": 0.1, "momentum": 0.9, "seed": 123, '
                                  '"epochs": 3}')
    with pytest.raises(AttributeError, match="Unknown attribute: 'learning_rat'.*Did you "
                                             "mean 'learning_rate'"):
        settings.learning_rat  # noqa: B018


def test_frozen_config_refuses_every_change_and_stays_as_it_was():
    settings = utils.Config(a=1)
    settings.freeze()
    assert settings.frozen
    for change in (lambda: setattr(settings, "a", 2), lambda: settings.update(a=2),
                   lambda: settings.pop("a"), lambda: settings.__setitem__("b", 1),
                   lambda: settings.__delitem__("a")):
        with pytest.raises(ValueError, match="frozen"):
            change()
    assert settings.as_dict() == {"a": 1}
    settings.unfreeze()
    settings.a = 2
    assert settings.a == 2


# ----- keras.tree ---------------------------------------------------------------------
def test_map_shape_structure_treats_int_tuples_as_leaves():
    shapes = {"a": (None, 3), "b": [(2,), [1, 4]]}
    assert tree.map_shape_structure(lambda s: (*s, 1), shapes) == {
        "a": (None, 3, 1), "b": [(2, 1), (1, 4, 1)]}
    assert tree.map_shape_structure(len, (4, 5)) == 2
    with pytest.raises(TypeError, match="`func` must be callable"):
        tree.map_shape_structure(3, (1,))


def test_assert_same_paths_ignores_container_types():
    tree.assert_same_paths([0, 1], (2, 3))
    tree.assert_same_paths({"a": 1, "b": [2]}, {"b": (5,), "a": 0})
    with pytest.raises(ValueError, match="(?s)don't have the same paths.*missing in `b`"):
        tree.assert_same_paths({"a": 1, "b": 2}, {"a": 1})


def test_traverse_maps_to_none_only_with_the_marker():
    structure = [1, [2, 3]]
    assert tree.traverse(lambda s: tree.MAP_TO_NONE if s == [2, 3] else None,
                         structure) == [1, None]
    assert tree.traverse(lambda s: tree.MAP_TO_NONE if s == 3 else None, structure,
                         top_down=False) == [1, [2, None]]


# ----- keras.ops.numpy and keras.preprocessing ----------------------------------------
def test_ops_numpy_is_the_same_functions_as_ops():
    from kerasmini.ops import numpy as ops_numpy
    assert keras.ops.numpy is ops_numpy
    names = dir(keras.ops.numpy)
    assert "mean" in names and "relu" not in names and len(names) > 100
    for name in names:
        assert getattr(keras.ops.numpy, name) is getattr(keras.ops, name), name
    with pytest.raises(AttributeError, match="'relu'"):
        keras.ops.numpy.relu  # noqa: B018 (keras.ops.nn's, not numpy's)


def test_preprocessing_aliases_are_utils_functions():
    p = keras.preprocessing
    assert p.sequence.pad_sequences is utils.pad_sequences
    assert p.timeseries_dataset_from_array is utils.timeseries_dataset_from_array
    assert p.image.img_to_array is utils.img_to_array
    with pytest.raises(NotImplementedError, match="no PIL"):
        p.image.load_img("x.png")


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_smart_resize_crops_the_centre_to_the_target_aspect(data_format):
    rng = np.random.default_rng(0)
    image = rng.random((6, 10, 2)).astype("float32")  # a 6x10 image: its 6x6 centre
    if data_format == "channels_first":
        image = image.transpose(2, 0, 1)
    resize = keras.preprocessing.image.smart_resize
    same_size = resize(image, (6, 6), data_format=data_format)  # crop only: no resampling
    centre = image[..., 2:8] if data_format == "channels_first" else image[:, 2:8]
    np.testing.assert_array_equal(same_size, centre)
    batch = resize(np.stack([image] * 3), (3, 3), data_format=data_format)
    expected = (3, 3, 3, 2) if data_format == "channels_last" else (3, 2, 3, 3)
    assert batch.shape == expected


def test_smart_resize_bad_arguments():
    resize = keras.preprocessing.image.smart_resize
    with pytest.raises(ValueError, match="tuple of 2 integers"):
        resize(np.zeros((4, 4, 1)), (2, 2, 2))
    with pytest.raises(ValueError, match="incorrect rank"):
        resize(np.zeros((4, 4)), (2, 2))


def test_python_int_is_int64_as_in_keras_tensorflow_backend():
    from kerasmini import backend
    assert backend.standardize_dtype(int) == "int64"
    assert keras.ops.zeros((2,), dtype=int).dtype == np.int64
