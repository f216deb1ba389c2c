"""Every layer config of a small zoo, corrupted one field at a time, read by tf.keras and
kerasmini (model_from_json): where tf.keras refuses, kerasmini refuses with the same
exception class; where tf.keras reads it, kerasmini reads it too or refuses it as
stricter (a ValueError or TypeError). KM_CORRUPTION_SAMPLES=500 runs a larger sample.

Corruptions (one per case, seeded and sampled from all (model, layer, kind) triples):
  * class: an unknown class_name (under the layer's own module);
  * type: one config value replaced by a value of another type;
  * missing: one argument the layer's constructor requires, deleted;
  * keyword: an argument no constructor takes, added.
"""
import inspect
import json
import os
import random
import warnings

import pytest

import kerasmini
from conformance.models import zoo

keras = zoo.keras
MODELS = ("ticket_classifier", "two_tower", "tcn", "text_cnn_kim", "gru_seq2seq",
          "bigru_tagger", "normalizations", "inception_block", "attention_lstm",
          "crnn_ocr", "llama_block", "vae", "unet_concat", "masked_lstm")
KINDS = ("class", "type", "missing", "keyword")
SAMPLES = int(os.environ.get("KM_CORRUPTION_SAMPLES", 48))  # ~10 s in CI
SEED = 20261202
KM_OBJECTS = {k: v for k, v in zoo.user_layers(kerasmini).items() if k != "Sampling"}
TF_OBJECTS = {k: v for k, v in zoo.TF_LAYERS.items() if k != "Sampling"}


# tf.keras fails inside its own code, with an error it did not mean: KeyError 'layer'
# (a wrapper's config without its layer), RecursionError (a functional config's
# output_layers a string); kerasmini refuses with a ValueError naming the entry
TF_OWN_FAILURES = (KeyError, RecursionError, AttributeError)
# tf.keras's pooling layers take any padding and fail when called in the graph
# (ValueError); kerasmini's constructor refuses it, a TypeError from from_config as
# Keras gives any constructor refusal there
TF_AT_CALL = "Exception encountered when calling"


def _other_type(value):
    """A value of another JSON type than `value` (None when there is none to try)."""
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, (int, float)):
        return "abc"
    if isinstance(value, str):
        return 7
    if isinstance(value, (list, dict)):
        return "abc"
    return None


def _required(class_name):
    cls = getattr(keras.layers, class_name, None)
    if cls is None:
        return []
    return [name for name, p in inspect.signature(cls.__init__).parameters.items()
            if name != "self" and p.default is inspect.Parameter.empty
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _corruption(layer, kind, rng):
    """(description, edit of the layer entry) or None when the kind does not apply."""
    config = layer["config"]
    if kind == "class":
        return "class_name=NoSuchLayer", lambda e: e.update(class_name="NoSuchLayer",
                                                              registered_name=None)
    if kind == "keyword":
        return "no_such_argument=1", lambda e: e["config"].update(no_such_argument=1)
    if kind == "missing":
        keys = [k for k in _required(layer["class_name"]) if k in config]
        if not keys:
            return None
        key = rng.choice(keys)
        return f"del {key}", lambda e: e["config"].pop(key)
    keys = sorted(k for k, v in config.items() if k != "name" and _other_type(v) is not None)
    if not keys:
        return None
    key = rng.choice(keys)
    return f"{key}={_other_type(config[key])!r}", lambda e: e["config"].__setitem__(
        key, _other_type(e["config"][key]))


@pytest.fixture(scope="module")
def configs():
    out = {}
    for name in MODELS:
        keras.utils.set_random_seed(1)
        out[name] = json.loads(zoo.ZOO[name]().to_json())
    return out


def _cases():
    """The seeded sample: (model, where among its layers in [0, 1), kind, the case's
    own seed); the layer is picked once the model's config is read."""
    rng = random.Random(SEED)
    return [(rng.choice(MODELS), rng.random(), rng.choice(KINDS), rng.randrange(1 << 30))
            for _ in range(SAMPLES)]


def _read(library, text, objects):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            library.models.model_from_json(text, custom_objects=objects)
        return None
    except Exception as error:  # noqa: BLE001  (the class is the answer)
        return error


@pytest.mark.parametrize("model,where,kind,seed", _cases())
def test_a_corrupted_layer_config_gets_tf_keras_class(configs, model, where, kind, seed):
    config = json.loads(json.dumps(configs[model]))
    layers = config["config"]["layers"]
    rng = random.Random(seed)
    layer = layers[int(where * len(layers))]
    found = _corruption(layer, kind, rng)
    if found is None:  # the kind does not apply to this layer: the next one that has it
        candidates = [e for e in layers if _corruption(e, kind, random.Random(seed))]
        if candidates:
            layer = candidates[int(where * len(candidates))]
        found = _corruption(layer, kind if candidates else "keyword", rng)
    what, edit = found
    edit(layer)
    text = json.dumps(config)
    tf_error = _read(keras, text, TF_OBJECTS)
    km_error = _read(kerasmini, text, KM_OBJECTS)
    case = f"{model}: layer {layer['config'].get('name')} ({layer['class_name']}) {what}"
    if tf_error is None:
        assert km_error is None or isinstance(km_error, (ValueError, TypeError)), (
            f"{case}: kerasmini {type(km_error).__name__}: {km_error}")
        return
    assert km_error is not None, f"{case}: kerasmini reads what tf.keras refuses: {tf_error}"
    if isinstance(tf_error, TF_OWN_FAILURES) or str(tf_error).startswith(TF_AT_CALL):
        assert isinstance(km_error, (ValueError, TypeError)), km_error
        return
    assert type(km_error) is type(tf_error) or isinstance(km_error, type(tf_error)), (
        f"{case}: tf.keras {type(tf_error).__name__}: {str(tf_error)[:300]}; kerasmini "
        f"{type(km_error).__name__}: {str(km_error)[:300]}")
