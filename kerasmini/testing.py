"""Assertions for a user's own test suite."""


def assert_matches_keras(model_or_path, inputs=None, rtol=None, atol=None, **options):
    """Raise AssertionError, with the layer table, unless every layer of the model agrees
    in kerasmini and tf.keras with the float64 run (see `python -m kerasmini check`).

    model_or_path: a .keras / legacy .h5 file or a kerasmini model. inputs: None (seeded
    random), a .npy / .npz path, or arrays, one per model input. options: samples,
    batch_size, dim_size, seed, keras_model (as the command's options). Needs TensorFlow:
    pip install "kerasmini[check]".
    """
    from kerasmini.check.api import check_model
    result = check_model(model_or_path, inputs, rtol, atol, **options)
    if not result.passed:
        raise AssertionError(result.table())
    return result
