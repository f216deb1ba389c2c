"""Properties the value grids never compared, each against tf.keras: summary() byte sizes
at unit boundaries, trainable=False in summary() and trainable_weights, a frozen
BatchNormalization called with training=True, Input's get_config, seeded initializers
and zero-size fans."""
import inspect
import unittest
import warnings

import numpy as np
from keras.src.utils.summary_utils import readable_memory_size
from parameterized import parameterized

import kerasmini
from conformance.harness import keras
from kerasmini import initializers as km_initializers
from kerasmini.models.summary import readable_size

KIB, MIB, GIB = 1024, 1024 ** 2, 1024 ** 3
BOUNDARIES = [0, 1, 1023, 1024, 1025, 1023.99, KIB * 1.5, MIB - 1, MIB, MIB + 1,
              GIB - 1, GIB, GIB + 1, 1024 * GIB - 1, 1024 * GIB, 1024 ** 5 * 3]
INITIALIZERS = ["GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform", "LecunNormal",
                "LecunUniform", "RandomNormal", "RandomUniform", "TruncatedNormal",
                "VarianceScaling", "Orthogonal"]


def summary_tail(model, lines=3):
    out = []
    model.summary(print_fn=lambda text, **_: out.append(text), line_length=80)
    return [line.strip() for line in "\n".join(out).splitlines() if line.strip()][-lines:]


def frozen_stack(library):
    return library.Sequential([library.Input((5,)),
                               library.layers.Dense(7, trainable=False, name="frozen"),
                               library.layers.Dense(3, name="free")])


class TestSummaryAndTrainable(unittest.TestCase):
    def test_byte_sizes_at_unit_boundaries(self):
        for size in BOUNDARIES:
            self.assertEqual(readable_size(size), readable_memory_size(size), size)

    def test_summary_counts_trainable_false_as_non_trainable(self):
        t, m = frozen_stack(keras), frozen_stack(kerasmini)
        self.assertEqual(summary_tail(m), summary_tail(t))
        self.assertEqual([w.shape for w in m.trainable_weights],
                         [tuple(w.shape) for w in t.trainable_weights])
        self.assertEqual([w.shape for w in m.non_trainable_weights],
                         [tuple(w.shape) for w in t.non_trainable_weights])

    def test_whole_summary_with_trainable_column_and_layer_ranges(self):
        """The whole table: show_trainable's centred column, and layer_range given in
        order and reversed (Keras takes the span between either way)."""
        def stack(library):
            return library.Sequential([
                library.Input((5,)), library.layers.Dense(7, trainable=False, name="frozen"),
                library.layers.Dense(4, name="middle"), library.layers.Dense(3, name="free")],
                name="stack")

        t, m = stack(keras), stack(kerasmini)
        for options in (dict(show_trainable=True), dict(layer_range=("frozen", "middle")),
                        dict(layer_range=("free", "middle"), show_trainable=True)):
            texts = []
            for model in (t, m):
                out = []
                model.summary(print_fn=lambda text, **_: out.append(text), line_length=80,
                              **options)
                texts.append("\n".join(out))
            self.assertEqual(texts[1], texts[0], options)

    def test_summary_byte_sizes_around_one_mebibyte(self):
        for inputs in (510, 511, 512):  # 511 * 512 + 512 = 262,144 float32 = 1 MiB
            t = keras.Sequential([keras.Input((inputs,)), keras.layers.Dense(512)])
            m = kerasmini.Sequential([kerasmini.Input((inputs,)), kerasmini.layers.Dense(512)])
            self.assertEqual(summary_tail(m), summary_tail(t), inputs)


# One of each layer kind with its required arguments: built at construction (Keras
# builds weightless layers at once) and supports_masking must match tf.keras's.
CONSTRUCTED = {
    "Activation": ("relu",), "Identity": (), "ReLU": (), "Softmax": (), "ELU": (),
    "LeakyReLU": (), "PReLU": (), "Flatten": (), "Dropout": (0.5,),
    "SpatialDropout1D": (0.5,), "GaussianNoise": (0.1,), "GaussianDropout": (0.1,),
    "AlphaDropout": (0.1,), "ActivityRegularization": (), "Masking": (),
    "Reshape": ((2, 2),), "Permute": ((2, 1),), "RepeatVector": (2,), "Cropping1D": (),
    "ZeroPadding1D": (), "UpSampling1D": (), "MaxPooling1D": (), "MaxPooling2D": (),
    "AveragePooling2D": (2,), "GlobalAveragePooling1D": (), "GlobalMaxPooling2D": (),
    "Add": (), "Concatenate": (), "Multiply": (), "Average": (), "Maximum": (),
    "Minimum": (), "Subtract": (), "Dot": (1,), "UnitNormalization": (),
    "Rescaling": (1.0,), "Resizing": (4, 4), "CenterCrop": (2, 2), "Dense": (3,),
    "LayerNormalization": (), "BatchNormalization": (), "Embedding": (3, 2),
    "Conv1D": (2, 1), "LSTM": (2,), "Bidirectional": None, "TimeDistributed": None}


class TestConstructedLayers(unittest.TestCase):
    @parameterized.expand(sorted(CONSTRUCTED))
    def test_built_and_supports_masking_as_keras(self, name):
        def make(library, **kwargs):
            args = CONSTRUCTED[name]
            if args is None:  # wrappers: around a layer of their library
                args = (library.layers.LSTM(2) if name == "Bidirectional"
                        else library.layers.Dense(2),)
            return getattr(library.layers, name)(*args, **kwargs)

        options = [dict(mask_zero=True), {}] if name == "Embedding" else [{}]
        for kwargs in options:
            t, m = make(keras, **kwargs), make(kerasmini, **kwargs)
            for attribute in ("built", "supports_masking"):
                self.assertEqual(getattr(m, attribute), getattr(t, attribute),
                                 (name, kwargs, attribute))


class TestFrozenBatchNormalization(unittest.TestCase):
    def test_training_true_runs_in_inference_mode(self):
        x = np.random.default_rng(0).normal(3.0, 2.0, (6, 4)).astype("float32")
        t = keras.layers.BatchNormalization(trainable=False)
        m = kerasmini.layers.BatchNormalization(trainable=False)
        t.build(x.shape)
        m.build(x.shape)
        weights = [np.array([1.5, 0.5, 2.0, 1.0]), np.array([0.1, -0.2, 0.3, 0.0]),
                   np.array([2.0, 3.0, 4.0, 1.0]), np.array([0.5, 4.0, 1.0, 2.0])]
        t.set_weights(weights)
        m.set_weights(weights)
        tf_out, km_out = np.asarray(t(x, training=True)), m(x, training=True)
        np.testing.assert_allclose(km_out, tf_out, rtol=1e-5, atol=1e-6)
        for a, b in zip(m.get_weights(), t.get_weights()):  # moving statistics unchanged
            np.testing.assert_array_equal(a, b)


class TestInputConfig(unittest.TestCase):
    @parameterized.expand([("shape", dict(shape=(4, 5))), ("batch", dict(shape=(3,),
                                                                          batch_size=2)),
                           ("named", dict(shape=(None, 2), name="pixels")),
                           ("float64", dict(shape=(2,), dtype="float64"))])
    def test_input_layer_config_matches(self, _, args):
        t = keras.Input(**args)._keras_history.operation.get_config()
        m = kerasmini.Input(**args)._keras_history.operation.get_config()
        if "name" not in args:
            t.pop("name"), m.pop("name")
        self.assertEqual(list(m), list(t))
        self.assertEqual({k: (list(v) if isinstance(v, tuple) else v) for k, v in m.items()},
                         {k: (list(v) if isinstance(v, tuple) else v) for k, v in t.items()})


class TestInitializerProperties(unittest.TestCase):
    @parameterized.expand([(name,) for name in INITIALIZERS])
    def test_same_seed_same_values_in_both_libraries(self, name):
        shape = (4, 3)
        for library in (keras.initializers, km_initializers):
            first = np.asarray(getattr(library, name)(seed=7)(shape))
            again = getattr(library, name)(seed=7)
            np.testing.assert_array_equal(np.asarray(again(shape)), first, name)
            np.testing.assert_array_equal(np.asarray(again(shape)), first, name)

    @parameterized.expand([(name, shape) for name in INITIALIZERS
                           for shape in [(0, 3), (3, 0), (2, 2, 0, 4)]])
    def test_zero_size_fans(self, name, shape):
        outcomes = []
        for library in (keras.initializers, km_initializers):
            try:
                outcomes.append(np.asarray(getattr(library, name)(seed=1)(shape)).shape)
            except Exception as error:  # noqa: BLE001 (the class is what is compared)
                outcomes.append(type(error).__name__)
        self.assertEqual(outcomes[1], outcomes[0], f"{name}{shape}")


def _layer_classes():
    return sorted(name for name in dir(kerasmini.layers)
                  if isinstance(getattr(kerasmini.layers, name, None), type)
                  and isinstance(getattr(keras.layers, name, None), type))


class TestLayerSignatures(unittest.TestCase):
    def test_constructor_signatures_match_keras(self):
        """Same parameter names, order, kinds and defaults as keras.layers.<name>: a
        default planted wrong (ConvLSTM's unit_forget_bias, UnitNormalization's axis,
        MelSpectrogram's defaults) survived every test that passes its arguments."""
        def parameters(cls):
            return [(p.name, p.kind, p.default)
                    for p in inspect.signature(cls.__init__).parameters.values()]

        names = _layer_classes()
        self.assertGreater(len(names), 130)
        for name in names:
            self.assertEqual(parameters(getattr(kerasmini.layers, name)),
                             parameters(getattr(keras.layers, name)), name)


def _plain(value):
    """A config with tuples as lists (kerasmini and Keras differ in nothing else there)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# Keras's positional forms: every argument bound by position, as Keras code writes them
POSITIONAL_FORMS = [
    ("LSTM", (3, "relu", "hard_sigmoid", False, "ones", "zeros", "ones", False)),
    ("GRU", (3, "relu", "sigmoid", True, "glorot_uniform", "orthogonal", "zeros", None,
             None, None, None, None, None, None, 0.5, 0.25, 7, True, True, True, False,
             False, False)),
    ("SimpleRNN", (3, "relu", False, "ones", "zeros", "zeros", None, None, None, None,
                   None, None, None, 0.1, 0.2, True, True, True, False, False, 3)),
    ("LSTMCell", (3, "relu", "sigmoid", True, "ones", "orthogonal", "zeros", False, None,
                  None, None, None, None, None, 0.1, 0.2, 5)),
    ("GRUCell", (3, "relu", "sigmoid", True, "ones", "orthogonal", "zeros", None, None,
                 None, None, None, None, 0.1, 0.2, False, 5)),
    ("RandomRotation", (0.2, "nearest", "nearest", 3, 1.5)),
    ("RandomTranslation", (0.1, 0.2, "wrap", "nearest", 4, 2.0)),
    ("RandomZoom", (0.1, None, "constant", "bilinear", 5, 1.0)),
    ("RandomCrop", (2, 3, 9, None)),
    ("BatchNormalization", (-1, 0.9, 1e-2, True, False, "zeros", "ones", "zeros", "ones",
                            None, None, None, None, False, None, 0.5, True)),
    ("Dense", (4, "relu", False, "ones", "zeros", None, None, None, None, None, None, 8,
               None)),
    ("Embedding", (5, 2, "ones", None, None, True)),
    ("LayerNormalization", (-1, 1e-2, False, True)),
    ("Discretization", ([0.0, 1.0], None, 0.01, "one_hot")),
]


class TestPositionalForms(unittest.TestCase):
    @parameterized.expand(POSITIONAL_FORMS)
    def test_positional_arguments_bind_as_in_keras(self, name, args):
        t = getattr(keras.layers, name)(*args, name="same").get_config()
        m = getattr(kerasmini.layers, name)(*args, name="same").get_config()
        self.assertEqual(_plain(m), _plain(t), name)

    @parameterized.expand([("Embedding", (5, 2), dict(input_length=4)),
                           ("LayerNormalization", (), dict(rms_scaling=True)),
                           ("MaxNumBoundingBoxes", (3,), dict(data_format="channels_first"))])
    def test_keras_2_leftovers_as_keras_3(self, name, args, kwargs):
        """Keras 3.15 takes these in **kwargs: the same configs, the same warnings."""
        (argument,) = kwargs
        outcomes = []
        for library in (keras, kerasmini):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                layer = getattr(library.layers, name)(*args, name="same", **kwargs)
            said = [w for w in caught if argument in str(w.message)]
            outcomes.append((_plain(layer.get_config()), len(said)))
        self.assertEqual(outcomes[1], outcomes[0], name)

    def test_the_same_refusals(self):
        for name, kwargs in (("SimpleRNN", dict(units=2, use_cudnn="auto")),
                             ("Discretization", dict(bin_boundaries=[0.5], trainable=False)),
                             ("Add", dict(foo=1))):
            outcomes = []
            for library in (keras, kerasmini):
                try:
                    getattr(library.layers, name)(**kwargs)
                    outcomes.append("accepted")
                except Exception as error:  # noqa: BLE001 (the class is what is compared)
                    outcomes.append(type(error).__name__)
            self.assertEqual(outcomes[1], outcomes[0], name)
            self.assertNotEqual(outcomes[0], "accepted", name)



# Keras's public classes and functions beyond the layers, family by family.
FAMILIES = ("optimizers", "optimizers.schedules", "losses", "metrics", "callbacks",
            "initializers", "regularizers", "constraints", "activations", "ops", "utils")
# Compared with another Keras object than the one of the same name, and why.
COMPARED_WITH = {
    # keras.optimizers.Optimizer is a backend shim, (*args, **kwargs) over BaseOptimizer,
    # whose signature is the one Keras code meets (and kerasmini's Optimizer spells out)
    "optimizers.Optimizer": "keras.src.optimizers.base_optimizer.BaseOptimizer",
}
# Differing on purpose, with the reason.
EXEMPT_SIGNATURES = {
    # Keras forwards **kwargs to the backend's einsum (tf.einsum's `name`, `optimize`):
    # kerasmini takes none, so an extra keyword is a TypeError, never ignored
    "ops.einsum",
    # Keras's num_classes=None and **kwargs exist for the deprecated alias num_tokens;
    # kerasmini requires num_classes (a TypeError without it, Keras's is a ValueError)
    "ops.multi_hot",
}


def _resolve(root, path):
    for part in path.split("."):
        root = getattr(root, part)
    return root


def _refused(obj):
    """A Keras name kerasmini declines whatever the arguments (refused.py)."""
    from kerasmini.refused import Refused
    return getattr(obj, "refused", False) is True or (
        isinstance(obj, type) and issubclass(obj, Refused))


def _signature(obj):
    return [(p.name, p.kind, p.default) for p in inspect.signature(
        obj.__init__ if isinstance(obj, type) else obj).parameters.values()]


def _shared_callables(family):
    mine, theirs = _resolve(kerasmini, family), _resolve(keras, family)
    for name in sorted(dir(theirs)):
        ours = getattr(mine, name, None)
        if name.startswith("_") or ours is None or inspect.ismodule(ours) \
                or not callable(ours) or _refused(ours):
            continue
        key = f"{family}.{name}"
        if key not in EXEMPT_SIGNATURES:
            yield key, ours, _resolve_keras(COMPARED_WITH.get(key)) or getattr(theirs, name)


def _resolve_keras(path):
    if path is None:
        return None
    module, _, name = path.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)


MODEL_METHODS = ("__init__", "fit", "evaluate", "predict", "compile", "save", "save_weights",
                 "load_weights", "summary", "train_on_batch", "test_on_batch",
                 "predict_on_batch", "get_layer", "to_json", "get_config", "add", "pop",
                 "export", "get_weights", "set_weights")


class TestPublicSignatures(unittest.TestCase):
    @parameterized.expand([(family,) for family in FAMILIES])
    def test_same_signatures_as_keras(self, family):
        """Same parameter names, order, kinds and defaults, and a class where Keras has a
        class (keras.regularizers.l1_l2 is L1L2: l1_l2() has both factors 0)."""
        compared = 0
        for key, ours, theirs in _shared_callables(family):
            self.assertEqual(isinstance(ours, type), isinstance(theirs, type), key)
            self.assertEqual(_signature(ours), _signature(theirs), key)
            compared += 1
        self.assertGreater(compared, 5, family)

    def test_model_and_sequential_methods(self):
        """Model.__init__ is left out: Keras's is (*args, **kwargs), dispatching to the
        functional or the subclassed model."""
        compared = 0
        for name in ("Model", "Sequential"):
            for method in MODEL_METHODS:
                ours = getattr(getattr(kerasmini, name), method, None)
                theirs = getattr(getattr(keras, name), method, None)
                if None not in (ours, theirs) and (name, method) != ("Model", "__init__"):
                    self.assertEqual(_signature(ours), _signature(theirs), f"{name}.{method}")
                    compared += 1
        self.assertGreater(compared, 30)

    def test_exemptions_still_differ(self):
        """An exemption whose signatures came to agree is removed from the list."""
        for key in EXEMPT_SIGNATURES:
            family, _, name = key.rpartition(".")
            self.assertNotEqual(_signature(getattr(_resolve(kerasmini, family), name)),
                                _signature(getattr(_resolve(keras, family), name)), key)
