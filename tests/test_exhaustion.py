"""Small configs that ask for unbounded work (kerasmini/saving/model_limits.py): each
class tests/exhaustion_mutants.py generates, as a small file built here, refused before
the cost is paid; honest deep models still load; then the family's seeded sample read
by every reader in a worker under a memory limit."""
import json

import numpy as np
import pytest

import kerasmini as keras
from kerasmini import layers
from kerasmini.saving import model_limits
from kerasmini.saving.safe_reading import UnsafeFileError
from tests import file_fuzz
from tests.file_mutants import CONFIG, zip_bytes, zip_members

MUTANTS = 12  # ~20 s in one worker (each mutant: load_model + predict, load_weights, inspect)


def small_model():
    return keras.Sequential([keras.Input((3,)), layers.Dense(4, name="d")])


def keras_file(tmp_path, edit, model=None):
    """A .keras file of `model` whose config.json went through edit(config)."""
    path = str(tmp_path / "m.keras")
    (model or small_model()).save(path)
    with open(path, "rb") as f:
        members = zip_members(f.read())
    config = json.loads(members[CONFIG])
    edit(config)
    members[CONFIG] = json.dumps(config).encode()
    with open(path, "wb") as f:
        f.write(zip_bytes(members))
    return path


def replace_dense(class_name, **arguments):
    def edit(config):
        layer = config["config"]["layers"][1]
        layer.update(class_name=class_name, module="keras.layers")
        layer["config"] = {"name": "d", **arguments}
        layer.pop("build_config", None)
    return edit


@pytest.mark.parametrize("class_name, arguments", [
    ("Dense", {"units": 10 ** 12}), ("Embedding", {"input_dim": 10 ** 11, "output_dim": 8}),
    ("Dense", {"units": 2 ** 62})])
def test_a_weight_larger_than_the_file_is_refused_before_it_is_allocated(
        tmp_path, class_name, arguments):
    path = keras_file(tmp_path, replace_dense(class_name, **arguments))
    with pytest.raises(ValueError, match="Not allowed: the weight 'd/.*refusing to allocate"):
        keras.models.load_model(path)


@pytest.mark.parametrize("class_name, arguments", [
    ("RepeatVector", {"n": 2 ** 31}), ("CategoryEncoding", {"num_tokens": 10 ** 12}),
    ("UpSampling1D", {"size": 10 ** 9}), ("ZeroPadding1D", {"padding": 10 ** 9})])
def test_an_activation_of_more_than_2_28_values_a_sample_is_refused_at_load(
        tmp_path, class_name, arguments):
    """The model loaded, and predict on one sample asked NumPy for gigabytes (a
    MemoryError, or the memory itself); now the symbolic shapes are checked."""
    def edit(config):
        if class_name in ("UpSampling1D", "ZeroPadding1D"):
            config["config"]["layers"][0]["config"]["batch_shape"] = [None, 3, 1]
        replace_dense(class_name, **arguments)(config)
    path = keras_file(tmp_path, edit)
    with pytest.raises(UnsafeFileError, match="values per sample, more than the limit"):
        keras.models.load_model(path)
    with pytest.raises(UnsafeFileError, match="values per sample"):
        model = keras.Sequential([keras.Input((3,)), layers.Dense(4, name="d")])
        config = json.loads(model.to_json())
        edit(config)
        keras.models.model_from_json(json.dumps(config))


def test_more_layers_than_the_limit_are_refused_before_any_is_built(tmp_path,
                                                                     monkeypatch):
    monkeypatch.setattr(model_limits, "MAX_LAYERS", 50)
    model = keras.Sequential([keras.Input((3,))] + [
        layers.Activation("linear", name=f"a{i}") for i in range(60)])
    path = str(tmp_path / "m.keras")
    model.save(path)
    built = []
    monkeypatch.setattr(layers.Activation, "__init__", lambda *a, **k: built.append(1))
    with pytest.raises(UnsafeFileError, match="61 layers, more than the limit of 50"):
        keras.models.load_model(path)
    assert built == []


def test_a_sequential_of_1100_layers_builds_saves_and_loads(tmp_path):
    """The graph walk recursed once per layer: a RecursionError in code, a refusal
    ('nests too deeply') from a file."""
    chain = [layers.Activation("relu", name=f"a{i}") for i in range(1100)]
    model = keras.Sequential([keras.Input((3,))] + chain)
    x = np.array([[-1.0, 0.5, 2.0]], "float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), np.maximum(x, 0))
    path = str(tmp_path / "deep.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert len(loaded.layers) == 1100
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), np.maximum(x, 0))


def test_two_layers_of_one_name_are_still_refused():
    with pytest.raises(ValueError, match="unique names. Name 'a'"):
        keras.Sequential([keras.Input((3,)), layers.Activation("relu", name="a"),
                          layers.Activation("relu", name="a")])
    x = keras.Input((3,))
    y = layers.Activation("relu", name="a")(layers.Activation("relu", name="a")(x))
    with pytest.raises(ValueError, match='The name "a" is used 2 times'):
        keras.Model(x, y)


def test_the_exhaustion_family_s_seeded_mutants_load_or_are_refused_cleanly():
    records = file_fuzz.run(["exhaustion"], MUTANTS, run_seed=0, memory_mb=2048)
    assert len(records) == MUTANTS
    problems = [f"{r['family']}:{r['index']} ({r['mutant'][:100]}) {reader}: {outcome}"
                for r, reader, outcome in file_fuzz.failures(records)]
    assert problems == [], "\n".join(problems)
