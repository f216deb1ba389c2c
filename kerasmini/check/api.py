"""check_model(): the whole check, from a file or a model to a CheckResult."""
from kerasmini.check.inputs import batches, check_inputs, random_inputs, read_inputs
from kerasmini.check.report import CheckResult
from kerasmini.check.runner import check_layers, graph_nodes
from kerasmini.check.twins import load_twins


def check_model(model_or_path, inputs=None, rtol=None, atol=None, *, samples=8,
                batch_size=32, dim_size=None, seed=0, keras_model=None, progress=None):
    """Compare every layer of a model in kerasmini and in tf.keras, float64 deciding.

    inputs: None (seeded random, `samples` of them, `None` dims of size dim_size), a path
    to a .npy / .npz file, or a list of arrays (one per model input)."""
    km_model, tf_model, description = load_twins(model_or_path, keras_model)
    tensors, _ = graph_nodes(km_model)
    if inputs is None:
        arrays = random_inputs(tensors, samples, dim_size, seed)
    elif isinstance(inputs, str):
        arrays = read_inputs(inputs, tensors)
    else:
        arrays = check_inputs(inputs if isinstance(inputs, (list, tuple)) else [inputs],
                              tensors, "inputs")
    rows = check_layers(km_model, tf_model, batches(arrays, batch_size), rtol, atol,
                        progress)
    return CheckResult(description, rows, arrays[0].shape[0], batch_size, rtol, atol)
