"""The Keras 3 top-level API users' scripts import, against tf.keras: names, keras.tree,
keras.random (what can be compared: shapes, dtypes, errors, seed state; TensorFlow's
random streams are not NumPy's, so values are checked in tests/test_random_api.py against
closed forms), keras.utils' NumPy helpers and serialization, InputSpec's errors."""
import collections
import json

import numpy as np
import pytest

from conformance.harness import keras, tf

import kerasmini

Point = collections.namedtuple("Point", "x y")
LIBS = (keras, kerasmini)

NAMES = {
    "": ["Layer", "Model", "Sequential", "Input", "InputSpec", "KerasTensor", "Loss",
         "Metric", "Optimizer", "Initializer", "Regularizer", "Variable", "version"],
    "random": ["SeedGenerator", "normal", "uniform", "truncated_normal", "randint",
               "categorical", "dropout", "shuffle", "gamma", "binomial", "beta"],
    "tree": ["flatten", "flatten_with_path", "map_structure", "map_structure_up_to",
             "pack_sequence_as", "is_nested", "assert_same_structure", "lists_to_tuples",
             "traverse"],
    "utils": ["register_keras_serializable", "custom_object_scope", "CustomObjectScope",
              "get_custom_objects", "get_registered_name", "get_registered_object",
              "serialize_keras_object", "deserialize_keras_object", "pad_sequences",
              "normalize", "Progbar", "get_source_inputs", "is_keras_tensor",
              "pack_x_y_sample_weight", "unpack_x_y_sample_weight", "split_dataset",
              "timeseries_dataset_from_array", "get_file", "image_dataset_from_directory",
              "text_dataset_from_directory", "to_categorical", "set_random_seed",
              "PyDataset", "Sequence", "clear_session"],
    "saving": ["serialize_keras_object", "deserialize_keras_object", "get_custom_objects",
               "CustomObjectScope", "custom_object_scope", "register_keras_serializable"],
}


@pytest.mark.parametrize("module", sorted(NAMES))
def test_names_exist_in_both(module):
    for lib in LIBS:
        namespace = getattr(lib, module) if module else lib
        missing = [n for n in NAMES[module] if not hasattr(namespace, n)]
        assert not missing, f"{lib.__name__}.{module} lacks {missing}"


def test_no_top_level_name_that_keras_lacks():
    """keras.Constraint does not exist (constraints are keras.constraints.Constraint): a
    script using such a name must fail in kerasmini as in Keras."""
    extra = set(kerasmini.__all__) - set(dir(keras)) - {
        "GradientTape", "autodiff", "explain", "testing", "KERAS_API_VERSION"}
    assert not extra, extra


def outcome(call):
    try:
        return call(), None
    except Exception as error:  # noqa: BLE001 (the class and message are compared)
        return None, error


def same_error(km_call, tf_call, match_message=True):
    km_value, km_error = outcome(km_call)
    tf_value, tf_error = outcome(tf_call)
    assert tf_error is not None, f"tf.keras accepted it: {tf_value}"
    assert type(km_error) is type(tf_error), (km_error, tf_error)
    if match_message:
        assert str(km_error).strip() in str(tf_error), (str(km_error), str(tf_error))


# ----- keras.tree -------------------------------------------------------------------------
STRUCTURES = [{"b": 1, "a": [2, None, (3, "s")], "c": Point(4, {"z": 5})}, [1, [2, [3]]],
              (), 7, None, collections.OrderedDict([("b", 1), ("a", (2,))])]


@pytest.mark.parametrize("index", range(len(STRUCTURES)))
def test_tree_functions_agree(index):
    structure = STRUCTURES[index]
    for name, call in (("flatten", lambda t: t.flatten(structure)),
                       ("flatten_with_path", lambda t: t.flatten_with_path(structure)),
                       ("is_nested", lambda t: t.is_nested(structure)),
                       ("map", lambda t: t.map_structure(lambda v: [v], structure)),
                       ("pack", lambda t: t.pack_sequence_as(
                           structure, list(range(len(t.flatten(structure)))))),
                       ("lists_to_tuples", lambda t: t.lists_to_tuples(structure))):
        km, want = call(kerasmini.tree), call(keras.tree)
        assert km == want and type(km) is type(want), (name, km, want)


@pytest.mark.parametrize("call", [
    lambda t: t.map_structure(lambda a, b: a, [1, 2], [1]),
    lambda t: t.assert_same_structure([1, 2], (1, 2)),
    lambda t: t.assert_same_structure([1, [2]], [1, 2]),
    lambda t: t.pack_sequence_as([1, 2], [1]),
    lambda t: t.map_structure(lambda a, b: a, {"a": 1}, {"b": 1}),
])
def test_tree_errors_agree(call):
    same_error(lambda: call(kerasmini.tree), lambda: call(keras.tree), match_message=False)


# ----- keras.random -----------------------------------------------------------------------
DRAWS = [("normal", ((2, 3),), {}), ("normal", ((4,),), {"dtype": "float64"}),
         ("uniform", ((2, 3),), {}), ("truncated_normal", ((5,),), {}),
         ("randint", ((2, 3), 0, 5), {}), ("randint", ((2,), 0, 5), {"dtype": "int64"}),
         ("gamma", ((3,), 2.0), {}), ("binomial", ((3,), 5, 0.5), {}),
         ("beta", ((3,), 2.0, 3.0), {}), ("categorical", (np.zeros((2, 3)), 4), {}),
         ("dropout", (np.ones((2, 2), "float32"), 0.5), {})]


@pytest.mark.parametrize("name, args, kwargs", DRAWS, ids=[d[0] for d in DRAWS])
def test_random_shapes_and_dtypes_agree(name, args, kwargs):
    km = getattr(kerasmini.random, name)(*args, seed=1, **kwargs)
    want = getattr(keras.random, name)(*args, seed=1, **kwargs)
    assert km.shape == tuple(want.shape) and str(km.dtype) == want.dtype.name


@pytest.mark.parametrize("call", [
    lambda r: r.normal((2,), seed="a"), lambda r: r.normal((2,), seed=1.5),
    lambda r: r.uniform((2,), dtype="int32"), lambda r: r.randint((2,), 0, 3, dtype="float32"),
    lambda r: r.categorical(np.zeros(3), 2), lambda r: r.dropout(np.ones(3), -0.1),
    lambda r: r.SeedGenerator("x"), lambda r: r.SeedGenerator(1, foo=2),
])
def test_random_errors_agree(call):
    same_error(lambda: call(kerasmini.random), lambda: call(keras.random))


@pytest.mark.parametrize("call", [lambda r: r.normal((2,), dtype="int32"),
                                  lambda r: r.gamma((2,), 2.0, dtype="int32")])
def test_random_float_dtype_errors_agree_in_class(call):
    same_error(lambda: call(kerasmini.random), lambda: call(keras.random),
               match_message=False)  # tf's message is TensorFlow's conversion error


def _sampler_model(lib):
    class Sampler(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = lib.layers.Dense(2)
            self.seed_generator = lib.random.SeedGenerator(1337, name="noise")

        def call(self, inputs):
            out = self.dense(inputs)
            return out + lib.random.normal(lib.ops.shape(out), seed=self.seed_generator)

    model = lib.Sequential([lib.Input((3,)), Sampler(name="sampler")])
    model(np.zeros((1, 3), "float32"))
    return model


def test_seed_generator_state_agrees(tmp_path):
    h5py = pytest.importorskip("h5py")
    results = {}
    for lib in LIBS:
        model = _sampler_model(lib)
        state = model.layers[0].seed_generator.state
        path = str(tmp_path / f"{lib.__name__}.weights.h5")
        model.save_weights(path)
        with h5py.File(path) as f:
            names = []
            f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else 0)
        results[lib] = (state.name, state.path, tuple(state.shape), str(state.dtype),
                        state.trainable, np.asarray(state).tolist(),
                        [v.name for v in model.layers[0].variables],
                        [w.name for w in model.weights], sorted(names),
                        model.layers[0].seed_generator.get_config())
    assert results[kerasmini] == results[keras]


# ----- keras.utils ------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [{}, {"maxlen": 2}, {"maxlen": 5, "padding": "post"},
                                    {"maxlen": 2, "truncating": "post", "value": -1},
                                    {"dtype": "float32", "value": 0.5}])
def test_pad_sequences_agrees(kwargs):
    sequences = [[1, 2, 3], [4], [], [5, 6, 7, 8]]
    km = kerasmini.utils.pad_sequences(sequences, **kwargs)
    want = keras.utils.pad_sequences(sequences, **kwargs)
    assert km.dtype == want.dtype
    np.testing.assert_array_equal(km, want)


def test_normalize_and_packing_agree():
    x = np.array([[3.0, 4.0, 1.0], [0.0, 0.0, 0.0]])
    for kwargs in ({}, {"axis": 1, "order": 1}):
        np.testing.assert_allclose(kerasmini.utils.normalize(x, **kwargs),
                                   np.asarray(keras.utils.normalize(x, **kwargs)),
                                   rtol=1e-12)
    # tf.keras turns axis=0 into -1 (`axis or -1`) and fails to broadcast; the reference
    # divides each column by its L1 norm
    with pytest.raises(ValueError, match="broadcast"):
        keras.utils.normalize(x, axis=0, order=1)
    np.testing.assert_allclose(kerasmini.utils.normalize(x, axis=0, order=1),
                               x / np.abs(x).sum(axis=0, keepdims=True), rtol=1e-12)
    for args in ((1,), ([1, 2],), (1, 2), (1, 2, 3)):
        assert kerasmini.utils.pack_x_y_sample_weight(*args) == \
            keras.utils.pack_x_y_sample_weight(*args)
    for data in ([1, 2], 5, (1,), (1, 2, 3)):
        assert kerasmini.utils.unpack_x_y_sample_weight(data) == \
            keras.utils.unpack_x_y_sample_weight(data)


def _arrays(dataset):
    """A tf.data.Dataset of (x, y) samples as two stacked arrays."""
    pairs = list(dataset.as_numpy_iterator())
    return tuple(np.stack(part) for part in zip(*pairs))


@pytest.mark.parametrize("kwargs", [{"left_size": 0.75}, {"left_size": 3, "right_size": 2},
                                    {"right_size": 0.3, "shuffle": True, "seed": 4}])
def test_split_dataset_agrees(kwargs):
    data = (np.arange(10), np.arange(10) * 10)
    km_left, km_right = kerasmini.utils.split_dataset(data, **kwargs)
    tf_left, tf_right = keras.utils.split_dataset(data, **kwargs)
    for km, want in ((km_left, _arrays(tf_left)), (km_right, _arrays(tf_right))):
        for a, b in zip(km, want):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs", [
    {"left_size": 10}, {"left_size": "3"}, {}, {"left_size": 0.6, "right_size": 0.6}])
def test_split_dataset_errors_agree(kwargs):
    data = np.arange(10)
    same_error(lambda: kerasmini.utils.split_dataset(data, **kwargs),
               lambda: keras.utils.split_dataset(data, **kwargs))


@pytest.mark.parametrize("kwargs", [
    {"sequence_length": 3}, {"sequence_length": 2, "sequence_stride": 3, "sampling_rate": 2},
    {"sequence_length": 4, "start_index": 2, "end_index": 17, "batch_size": 3}])
def test_timeseries_batches_agree(kwargs):
    data = np.arange(40).reshape(20, 2)
    targets = np.arange(20) * 10
    kwargs = {"batch_size": 4, **kwargs}
    km = kerasmini.utils.timeseries_dataset_from_array(data, targets, **kwargs)
    want = list(keras.utils.timeseries_dataset_from_array(data, targets, **kwargs)
                .as_numpy_iterator())
    assert len(km) == len(want)
    for index, (x, y) in enumerate(want):
        np.testing.assert_array_equal(km[index][0], x)
        np.testing.assert_array_equal(km[index][1], y)


@pytest.mark.parametrize("kwargs", [{"sampling_rate": 0}, {"sequence_stride": 30},
                                    {"start_index": -1}, {"start_index": 5, "end_index": 3}])
def test_timeseries_errors_agree(kwargs):
    data = np.arange(20)
    same_error(lambda: kerasmini.utils.timeseries_dataset_from_array(data, None, 3, **kwargs),
               lambda: keras.utils.timeseries_dataset_from_array(data, None, 3, **kwargs))


# names given where a default one would carry each library's per-process counter
OBJECTS = [lambda k: k.optimizers.Adam(0.01, name="adam"),
           lambda k: k.losses.Huber(delta=2.0), lambda k: k.initializers.GlorotUniform(seed=1),
           lambda k: k.regularizers.L2(0.1),
           lambda k: k.constraints.MaxNorm(2), lambda k: k.metrics.Mean(name="m"),
           lambda k: k.layers.Dense(3, name="d"), lambda k: k.activations.relu,
           lambda k: (1, [2.5, None, "s"])]


@pytest.mark.parametrize("index", range(len(OBJECTS)))
def test_serialize_keras_object_agrees(index):
    km = kerasmini.utils.serialize_keras_object(OBJECTS[index](kerasmini))
    want = keras.utils.serialize_keras_object(OBJECTS[index](keras))
    assert json.loads(json.dumps(km)) == json.loads(json.dumps(want))
    # and each library reads the other's config back into the same object
    back = kerasmini.utils.deserialize_keras_object(json.loads(json.dumps(want)))
    again = kerasmini.utils.serialize_keras_object(back)
    assert json.loads(json.dumps(again)) == json.loads(json.dumps(want))


# ----- InputSpec --------------------------------------------------------------------------
SPECS = [(dict(ndim=2), (2, 3, 1)), (dict(min_ndim=3), (2, 3)),
         (dict(max_ndim=2), (2, 3, 1)), (dict(axes={-1: 4}), (2, 3)),
         (dict(shape=(None, 5)), (2, 3)), (dict(dtype="int32"), (2, 3)),
         (dict(shape=(None, 5, 1), allow_last_axis_squeeze=True), (2, 4))]


def _checked(lib, spec):
    class Checked(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(name="checked", **kwargs)
            self.input_spec = lib.InputSpec(**spec)

        def call(self, inputs):
            return inputs

    return Checked()


@pytest.mark.parametrize("spec, shape", SPECS, ids=[str(s[0]) for s in SPECS])
def test_input_spec_errors_agree(spec, shape):
    x = np.zeros(shape, "float32")
    same_error(lambda: _checked(kerasmini, spec)(x), lambda: _checked(keras, spec)(x))
    km_spec, tf_spec = kerasmini.InputSpec(**spec), keras.InputSpec(**spec)
    assert repr(km_spec) == repr(tf_spec)
    assert json.loads(json.dumps(km_spec.get_config())) == \
        json.loads(json.dumps(tf_spec.get_config()))


def _sampling_encoder(lib):
    class Sampling(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = lib.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            eps = lib.random.normal(lib.ops.shape(z_mean), seed=self.seed_generator)
            return z_mean + lib.ops.exp(0.5 * z_log_var) * eps

    x = lib.Input((4,))
    z_mean, z_log_var = lib.layers.Dense(2)(x), lib.layers.Dense(2)(x)
    model = lib.Model(x, [z_mean, z_log_var, Sampling(name="sampling")([z_mean, z_log_var])])
    return model, Sampling


def test_a_model_with_a_seed_generator_moves_between_libraries(tmp_path):
    pytest.importorskip("h5py")
    x = np.linspace(-1, 1, 8, dtype="float32").reshape(2, 4)
    for saver, loader in ((kerasmini, keras), (keras, kerasmini)):
        model, _ = _sampling_encoder(saver)
        path = str(tmp_path / f"{saver.__name__}.keras")
        model.save(path)
        _, sampling_class = _sampling_encoder(loader)
        loaded = loader.models.load_model(path, custom_objects={"Sampling": sampling_class})
        for got, want in zip(loaded.predict(x, verbose=0)[:2], model.predict(x, verbose=0)):
            np.testing.assert_allclose(got, want, rtol=1e-6)  # the deterministic outputs
        assert len(loaded.layers[-1].variables) == 1  # its seed state, made anew
