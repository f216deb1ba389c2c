"""Packages import their names on first use (kerasmini/lazy_exports.py): `import
kerasmini` stays small, and every name a package lists still resolves."""
import importlib
import subprocess
import sys

import pytest

import kerasmini

LAZY_PACKAGES = ["kerasmini", "kerasmini.layers", "kerasmini.models", "kerasmini.callbacks",
                 "kerasmini.applications", "kerasmini.explain", "kerasmini.ops"]


def _modules_after(statements):
    """The kerasmini modules a fresh interpreter holds after running `statements`."""
    code = statements + "\nimport sys\nprint(' '.join(m for m in sys.modules " \
                        "if m.startswith('kerasmini')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return set(out.split())


def test_import_kerasmini_imports_no_layers_models_or_training():
    loaded = _modules_after("import kerasmini")
    for heavy in ("kerasmini.layers", "kerasmini.models", "kerasmini.ops",
                  "kerasmini.metrics", "kerasmini.losses", "kerasmini.callbacks",
                  "kerasmini.saving", "kerasmini.autodiff"):
        assert heavy not in loaded, heavy


def test_a_predicting_model_imports_no_training_code():
    loaded = _modules_after(
        "import numpy as np, kerasmini as k\n"
        "m = k.Sequential([k.Input((4,)), k.layers.Dense(2)])\n"
        "m.predict(np.ones((1, 4), 'float32'), verbose=0)")
    assert "kerasmini.layers.core.dense" in loaded
    for unused in ("kerasmini.metrics", "kerasmini.losses", "kerasmini.optimizers",
                   "kerasmini.layers.attention.multi_head_attention",
                   "kerasmini.models.compile_outputs", "kerasmini.ops.linalg",
                   "kerasmini.ops.reductions"):
        assert unused not in loaded, unused


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_every_listed_name_resolves_and_is_listed_by_dir(package):
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    assert set(module.__all__) <= set(dir(module))


def test_aliases_are_the_same_objects():
    assert kerasmini.layers.Convolution2D is kerasmini.layers.Conv2D
    assert kerasmini.layers.MaxPool2D is kerasmini.layers.MaxPooling2D
    assert kerasmini.Model is kerasmini.models.Model
    assert kerasmini.Input is kerasmini.layers.Input


def test_an_unknown_name_is_an_attribute_error_naming_it():
    with pytest.raises(AttributeError, match="'kerasmini.layers' has no attribute 'Dense2'"):
        kerasmini.layers.Dense2
    with pytest.raises(ImportError):
        exec("from kerasmini.layers import Dense2", {})


def test_star_import_gives_every_layer():
    namespace = {}
    exec("from kerasmini.layers import *", namespace)
    assert namespace["Conv2D"] is kerasmini.layers.Conv2D
    assert set(kerasmini.layers.__all__) <= set(namespace)


def test_explain_stays_the_function_when_its_files_are_imported_first():
    loaded = _modules_after("import kerasmini.explain.parsing\nimport kerasmini\n"
                            "assert callable(kerasmini.explain), kerasmini.explain")
    assert "kerasmini.explain.parsing" in loaded


def test_a_file_finds_every_declared_operation_without_its_file_imported_first():
    loaded = _modules_after(
        "from kerasmini.ops.symbolic import declared_operations\n"
        "assert ('keras.src.ops.linalg', 'Inv') in declared_operations()\n"
        "assert ('keras.src.ops.numpy', 'Mean') in declared_operations()")
    assert "kerasmini.ops.linalg" in loaded


def test_keras_ops_namespaces_resolve():
    assert kerasmini.ops.nn.relu is kerasmini.ops.relu
    assert kerasmini.ops.linalg.inv is kerasmini.ops.inv
