"""The top-level Keras 3 names users' scripts import, NumPy only: keras.tree, keras.utils'
helpers (against loop references written here), InputSpec's checks, layers called with
several tensors, and a train_step-only model (a GAN) in fit."""
import collections
import io

import numpy as np
import pytest

import kerasmini as keras
from kerasmini import tree, utils

Point = collections.namedtuple("Point", "x y")


def test_top_level_names():
    for name in ("Layer", "Model", "Sequential", "Input", "InputSpec", "KerasTensor", "Loss",
                 "Metric", "Optimizer", "Initializer", "Regularizer", "Variable", "random",
                 "tree", "utils", "version"):
        assert hasattr(keras, name), name
    assert keras.Layer is keras.layers.Layer and keras.Loss is keras.losses.Loss
    assert keras.version() == keras.__version__  # kerasmini's own, not Keras's


# ----- keras.tree -------------------------------------------------------------------------
STRUCTURE = {"b": 1, "a": [2, None, (3, "s")], "c": Point(4, {"z": 5})}


def test_tree_flattens_in_sorted_key_order_with_none_and_strings_as_leaves():
    assert tree.flatten(STRUCTURE) == [2, None, 3, "s", 1, 4, 5]
    assert tree.flatten_with_path(STRUCTURE)[2] == (("a", 2, 0), 3)
    assert tree.flatten(np.zeros(3))[0].shape == (3,) and tree.flatten(None) == [None]
    assert tree.is_nested([]) and not tree.is_nested("ab") and not tree.is_nested(None)


def test_tree_map_and_pack_keep_the_structure():
    doubled = tree.map_structure(lambda v: v * 2 if isinstance(v, int) else v, STRUCTURE)
    assert doubled == {"b": 2, "a": [4, None, (6, "s")], "c": Point(8, {"z": 10})}
    assert list(doubled) == ["b", "a", "c"]  # the first structure's key order
    assert tree.map_structure(lambda a, b: a + b, [1, (2, 3)], [4, (5, 6)]) == [5, (7, 9)]
    packed = tree.pack_sequence_as(STRUCTURE, range(7))
    assert packed == {"b": 4, "a": [0, 1, (2, 3)], "c": Point(5, {"z": 6})}
    assert tree.lists_to_tuples([1, [2, {"a": [3]}]]) == (1, (2, {"a": (3,)}))
    assert tree.map_structure_up_to([1, 2], len, [[1, 2], [3]]) == [2, 1]
    assert tree.traverse(lambda s: "x" if s == [2] else None, [1, [2]]) == [1, "x"]


@pytest.mark.parametrize("call, match", [
    (lambda: tree.map_structure(lambda a, b: a, [1, 2], [1]), "arity mismatch"),
    (lambda: tree.assert_same_structure([1, 2], (1, 2)), "Expected an instance of list"),
    (lambda: tree.pack_sequence_as([1, 2], [1]), "Too few leaves"),
    (lambda: tree.map_structure(lambda a, b: a, {"a": 1}, {"b": 1}), "key mismatch"),
])
def test_tree_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ----- keras.utils ------------------------------------------------------------------------
def pad_reference(sequences, maxlen, padding, truncating, value):
    rows = []
    for seq in sequences:
        seq = list(seq)
        if len(seq) > maxlen:
            seq = seq[len(seq) - maxlen:] if truncating == "pre" else seq[:maxlen]
        fill = [value] * (maxlen - len(seq))
        rows.append(fill + seq if padding == "pre" else seq + fill)
    return np.array(rows)


@pytest.mark.parametrize("maxlen", [None, 0, 2, 5])
@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_pad_sequences(maxlen, padding, truncating):
    sequences = [[1, 2, 3], [4], [], [5, 6, 7, 8]]
    got = utils.pad_sequences(sequences, maxlen=maxlen, padding=padding,
                              truncating=truncating, value=-1)
    want = pad_reference(sequences, 4 if maxlen is None else maxlen, padding, truncating, -1)
    assert got.dtype == "int32"
    np.testing.assert_array_equal(got, want.reshape(4, -1))


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match='Padding type "mid" not understood'):
        utils.pad_sequences([[1]], padding="mid")
    with pytest.raises(ValueError, match="non-iterable"):
        utils.pad_sequences([1, 2])
    with pytest.raises(ValueError, match="is different from expected shape"):
        utils.pad_sequences([np.zeros((2, 3)), np.zeros((2, 4))])


def test_normalize_and_packing():
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(utils.normalize(x), [[0.6, 0.8], [0.0, 0.0]])
    np.testing.assert_allclose(utils.normalize(x, axis=0, order=1), [[1.0, 1.0], [0, 0]])
    assert utils.pack_x_y_sample_weight(1) == 1
    assert utils.pack_x_y_sample_weight([1, 2]) == ([1, 2],)
    assert utils.pack_x_y_sample_weight(1, 2, 3) == (1, 2, 3)
    assert utils.unpack_x_y_sample_weight([1, 2]) == (1, 2, None)
    assert utils.unpack_x_y_sample_weight(5) == (5, None, None)
    with pytest.raises(ValueError, match="Data is expected to be in format"):
        utils.unpack_x_y_sample_weight((1, 2, 3, 4))


def test_split_dataset_sizes_structure_and_shuffle():
    x, y = np.arange(10), np.arange(10) * 10
    (lx, ly), (rx, ry) = utils.split_dataset((x, y), left_size=0.75)  # round(7.5) = 8
    np.testing.assert_array_equal(lx, np.arange(8))
    np.testing.assert_array_equal(ry, [80, 90])
    left, right = utils.split_dataset(x, left_size=3, right_size=2)  # gap in between
    np.testing.assert_array_equal(right, [8, 9])
    left, right = utils.split_dataset({"a": x}, right_size=0.3, shuffle=True, seed=1)
    import random
    order = list(range(10))
    random.Random(1).shuffle(order)  # Keras: random.seed(seed); random.shuffle(samples)
    np.testing.assert_array_equal(left["a"], order[:7])
    with pytest.raises(ValueError, match="At least one of"):
        utils.split_dataset(x)
    with pytest.raises(ValueError, match="`left_size` should be"):
        utils.split_dataset(x, left_size=10)
    with pytest.raises(TypeError, match="Invalid `left_size` Type"):
        utils.split_dataset(x, left_size="3")
    with pytest.raises(TypeError, match="NumPy array"):
        utils.split_dataset([[1, 2], [3]], left_size=1)


@pytest.mark.parametrize("kwargs", [
    dict(sequence_length=3), dict(sequence_length=2, sequence_stride=3, sampling_rate=2),
    dict(sequence_length=4, start_index=2, end_index=17, batch_size=3),
])
def test_timeseries_windows_against_a_loop(kwargs):
    data = np.arange(40).reshape(20, 2)
    targets = np.arange(20) * 10
    kwargs = {"batch_size": 4, **kwargs}
    batches = utils.timeseries_dataset_from_array(data, targets, **kwargs)
    start, end = kwargs.get("start_index", 0), kwargs.get("end_index", 20)
    rate, stride = kwargs.get("sampling_rate", 1), kwargs.get("sequence_stride", 1)
    windows, labels = [], []
    p = start
    while p + (kwargs["sequence_length"] - 1) * rate < end:
        windows.append([data[p + k * rate] for k in range(kwargs["sequence_length"])])
        labels.append(targets[p])
        p += stride
    got_x = np.concatenate([batches[i][0] for i in range(len(batches))])
    got_y = np.concatenate([batches[i][1] for i in range(len(batches))])
    np.testing.assert_array_equal(got_x, windows)
    np.testing.assert_array_equal(got_y, labels)
    assert len(batches[0][0]) == kwargs["batch_size"]


def test_timeseries_trains_and_refuses_what_it_cannot():
    data = np.random.default_rng(0).normal(size=(30, 2)).astype("float32")
    batches = utils.timeseries_dataset_from_array(data, data[:, 0], 5, batch_size=8)
    model = keras.Sequential([keras.Input((5, 2)), keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    assert len(model.fit(batches, epochs=2, verbose=0).history["loss"]) == 2
    with pytest.raises(ValueError, match="`sampling_rate` must be higher than 0"):
        utils.timeseries_dataset_from_array(data, None, 5, sampling_rate=0)
    with pytest.raises(NotImplementedError, match="batch_size=None"):
        utils.timeseries_dataset_from_array(data, None, 5, batch_size=None)


class _FirstValues(keras.Sequential):
    """Records the first value of every batch train_step sees."""
    seen = None

    def train_step(self, data):
        self.seen.append(float(np.asarray(data[0]).flat[0]))
        return {}


class _SameBatches(keras.utils.PyDataset):
    def __init__(self, batches):
        super().__init__()
        self.batches = batches

    def __len__(self):
        return len(self.batches)

    def __getitem__(self, index):
        return self.batches[index]


@pytest.mark.parametrize("fixed", [True, False])
def test_fit_keeps_a_timeseries_dataset_in_order(fixed):
    """Keras returns a tf.data.Dataset, whose order fit's shuffle=True (the default)
    leaves alone; a PyDataset's batches it shuffles."""
    data = np.arange(80, dtype="float32").reshape(40, 2)
    batches = utils.timeseries_dataset_from_array(data, data[:, 0], 3, batch_size=4)
    if not fixed:
        batches = _SameBatches(batches)
    model = _FirstValues([keras.Input((3, 2)), keras.layers.Flatten(), keras.layers.Dense(1)])
    model.seen = []
    model.compile("sgd", "mse")
    keras.utils.set_random_seed(1)
    model.fit(batches, epochs=2, verbose=0)
    in_order = [float(batches[i][0].flat[0]) for i in range(len(batches))] * 2
    assert (model.seen == in_order) == fixed


@pytest.mark.parametrize("name", ["get_file", "image_dataset_from_directory",
                                  "text_dataset_from_directory", "load_img", "plot_model"])
def test_what_kerasmini_cannot_do_is_an_error(name):
    with pytest.raises(NotImplementedError, match=name):
        getattr(utils, name)("anything")


def test_registry_is_shared_with_saving_and_scoped():
    assert utils.get_custom_objects() is keras.saving.get_custom_objects()
    assert utils.register_keras_serializable is keras.saving.register_keras_serializable

    def activation_fn(x):
        return x

    with utils.CustomObjectScope({"my_fn": activation_fn}, {"other": 1}):
        assert utils.get_registered_object("my_fn") is activation_fn
        with utils.custom_object_scope({"inner": 2}):
            assert utils.get_registered_object("other") == 1
        assert utils.get_registered_object("inner") is None
    assert utils.get_registered_object("my_fn") is None


def test_serialize_and_deserialize_round_trip():
    for obj in (keras.optimizers.Adam(0.01), keras.losses.Huber(delta=2.0),
                keras.initializers.GlorotUniform(seed=1), keras.regularizers.L2(0.1),
                keras.constraints.MaxNorm(2), keras.metrics.Mean(name="m"),
                keras.layers.Dense(3, name="d")):
        config = utils.serialize_keras_object(obj)
        twin = utils.deserialize_keras_object(config)
        assert type(twin) is type(obj) and twin.get_config() == obj.get_config()
    relu = utils.serialize_keras_object(keras.activations.relu)
    assert relu["config"] == "relu" and utils.deserialize_keras_object(relu) is \
        keras.activations.relu
    assert utils.serialize_keras_object((1, [2, None])) == (1, [2, None])
    with pytest.raises(TypeError, match="Could not locate class 'Nope'"):
        utils.deserialize_keras_object({"class_name": "Nope", "config": {}})


def test_progbar_shows_running_means():
    stream = io.StringIO()
    bar = utils.Progbar(3, stateful_metrics=["acc"])
    bar._bar.stream, bar._bar.dynamic = stream, False
    bar.update(1, [("loss", 1.0), ("acc", 0.5)])
    bar.add(2, [("loss", 4.0), ("acc", 0.9)])  # covers two steps: (1 + 4 * 2) / 3 = 3
    assert "loss: 3.0000" in stream.getvalue() and "acc: 0.9000" in stream.getvalue()


def test_source_inputs():
    a, b = keras.Input((2,)), keras.Input((2,))
    out = keras.layers.Dense(1)(keras.layers.Concatenate()([b, keras.layers.Dense(2)(a)]))
    assert utils.get_source_inputs(out) == [b, a]
    assert utils.is_keras_tensor(out) and not utils.is_keras_tensor(np.zeros(1))


# ----- InputSpec --------------------------------------------------------------------------
class Checked(keras.layers.Layer):
    def __init__(self, spec, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = spec

    def call(self, inputs):
        return inputs[0] if isinstance(inputs, (list, tuple)) else inputs


@pytest.mark.parametrize("spec, shape, match", [
    (keras.InputSpec(ndim=2), (2, 3, 1), "expected ndim=2, found ndim=3"),
    (keras.InputSpec(min_ndim=3), (2, 3), "expected min_ndim=3, found ndim=2"),
    (keras.InputSpec(max_ndim=2), (2, 3, 1), "expected max_ndim=2, found ndim=3"),
    (keras.InputSpec(axes={-1: 4}), (2, 3), "expected axis -1 of input shape to have "
                                            "value 4"),
    (keras.InputSpec(shape=(None, 5)), (2, 3), r"expected shape=\(None, 5\), found "
                                               r"shape=\(2, 3\)"),
    (keras.InputSpec(shape=(None, 5, 1), allow_last_axis_squeeze=True), (2, 4),
     "expected shape"),
    (keras.InputSpec(dtype="int32"), (2, 3), "expected dtype=int32, found dtype=float32"),
    ([keras.InputSpec(), keras.InputSpec()], (2, 3), "expects 2 input"),
])
def test_input_spec_checks(spec, shape, match):
    layer = Checked(spec, name="checked")
    with pytest.raises(ValueError, match=match):
        layer(np.zeros(shape, "float32"))
    assert not layer.built  # nothing changed


def test_input_spec_accepts_what_it_allows():
    Checked(keras.InputSpec(shape=(None, 5, 1), allow_last_axis_squeeze=True))(
        np.zeros((2, 5), "float32"))
    Checked(keras.InputSpec(dtype="int32"))(np.zeros((2, 5), "int32"))
    Checked([keras.InputSpec(ndim=2), keras.InputSpec(ndim=3)])(
        (np.zeros((2, 5), "float32"), np.zeros((2, 5, 1), "float32")))
    spec = keras.InputSpec(ndim=3, axes={2: 4})
    assert keras.InputSpec.from_config(spec.get_config()).axes == {2: 4}
    assert repr(spec) == "InputSpec(ndim=3, axes={2: 4})"
    with pytest.raises(ValueError, match="Axis 3 is greater than the maximum"):
        keras.InputSpec(ndim=3, axes={3: 1})
    with pytest.raises(TypeError, match="Argument `axes` must be a dict"):
        keras.InputSpec(axes={"a": 1})


# ----- several tensors in one call --------------------------------------------------------
class Weighted(keras.layers.Layer):
    """(a, b) -> a * 2 + b * w: each input reaches call() as given."""

    def build(self, input_shape):
        self.shapes = input_shape
        self.w = self.add_weight(shape=(), initializer="ones")

    def call(self, inputs):
        a, b = inputs
        return a * 2.0 + b * self.w


def test_a_layer_called_with_two_tensors_gets_both_and_their_gradients():
    layer = Weighted()
    a = keras.Variable(np.ones((2, 3), "float32"))
    b = keras.Variable(np.full((2, 1), 3.0, "float32"))  # a different shape: not stackable
    with keras.GradientTape() as tape:
        loss = keras.ops.sum(layer((a * 1.0, b * 1.0)))
    assert layer.shapes == ((2, 3), (2, 1))
    grad_a, grad_b, grad_w = tape.gradient(loss, [a, b, layer.w])
    np.testing.assert_allclose(grad_a, np.full((2, 3), 2.0))
    np.testing.assert_allclose(grad_b, np.full((2, 1), 3.0))  # 3 columns, weight 1
    np.testing.assert_allclose(grad_w, 3.0 * 6)


# ----- fit with a train_step-only model ---------------------------------------------------
def test_a_model_without_call_trains_through_its_train_step():
    seen = []

    class Pair(keras.Model):
        def __init__(self):
            super().__init__()
            self.inner = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
            self.tracker = keras.metrics.Mean(name="d_loss")

        @property
        def metrics(self):
            return [self.tracker]

        def train_step(self, data):
            seen.append(type(data))
            with keras.GradientTape() as tape:
                loss = keras.ops.mean(keras.ops.square(self.inner(data)))
            grads = tape.gradient(loss, self.inner.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.inner.trainable_weights))
            self.tracker.update_state(loss)
            return {"d_loss": self.tracker.result()}

    model = Pair()
    model.compile(optimizer="sgd")
    history = model.fit(np.ones((8, 2), "float32"), batch_size=4, epochs=2, verbose=0)
    assert list(history.history) == ["d_loss"] and len(history.history["d_loss"]) == 2
    assert seen == [np.ndarray] * 4  # x alone, as Keras passes it when there is no y


def test_input_spec_is_checked_on_symbolic_inputs_too():
    a, b = keras.Input((5,)), keras.Input((5, 1))
    Checked([keras.InputSpec(ndim=2), keras.InputSpec(ndim=3)])([a, b])
    with pytest.raises(ValueError, match="Input 1 with name 'None' of layer 'pair' is "
                                         "incompatible with the layer: expected ndim=2"):
        Checked([keras.InputSpec(ndim=2), keras.InputSpec(ndim=2)], name="pair")([a, b])
    with pytest.raises(ValueError, match="expected dtype=int32, found dtype=float32"):
        Checked(keras.InputSpec(dtype="int32"))(a)


def test_variable_from_an_initializer_and_shape():
    assert keras.Variable("zeros", shape=(2, 3)).numpy().tolist() == [[0.0] * 3] * 2
    assert keras.Variable("ones", shape=(2,)).dtype == "float32"
    made = keras.Variable(lambda shape, dtype: np.full(shape, 3.0, dtype), shape=(2,),
                          dtype="float64")
    assert made.dtype == "float64" and made.numpy().tolist() == [3.0, 3.0]
    with pytest.raises(ValueError, match="the `shape` argument should be specified"):
        keras.Variable("zeros")
    with pytest.raises(ValueError, match="does not match"):
        keras.Variable(np.ones(2), shape=(3,))  # tf.keras accepts and ignores the shape


def test_scalar_variable_converts_to_python_numbers_not_to_a_truth_value():
    optimizer = keras.optimizers.SGD(0.25)
    optimizer.build([keras.Variable(np.zeros(2, "float32"))])
    assert int(optimizer.iterations) == 0 and isinstance(int(optimizer.iterations), int)
    assert float(optimizer.learning_rate) == 0.25
    with pytest.raises(TypeError, match=r"Only scalar arrays.*shape=\(2,\)"):
        float(keras.Variable(np.zeros(2)))
    with pytest.raises(TypeError, match="cannot be used as a boolean"):
        bool(keras.Variable(1.0))
