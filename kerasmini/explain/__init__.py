"""Teaching: every output shape derived in words, and (with matplotlib) in pictures.

    >>> from kerasmini import layers
    >>> print(layers.Conv2D(5, 3, strides=2).explain((10, 8, 16, 3)))

`explain(layer_or_model, input_shape)` returns an Explanation (a layer) or a
ModelExplanation (anything with `.layers`, or a list of layers: one row per layer call; a
functional model's branches and merges are followed, a list of shapes for several inputs);
print it for the words, read `.output_shape` / `.params` / `.problem` for the numbers.

`explain_gradients(layer, input_shape)` derives the shapes of a layer's gradients (why
the kernel gradient has the kernel's shape; the input gradient as a transposed
convolution, axis by axis).

Files, one concept each: derivations.py (a layer's shape in words), gradients.py (its
gradients' shapes), model_table.py (a
model's rows), graph.py (a functional model's layer calls, in order), parsing.py (reading
"Conv2D(filters=5, ...)" safely), cli.py (`python -m kerasmini explain`), pictures.py
(matplotlib, imported only when a picture is asked for).

Note: `kerasmini.explain` is the function; import the files by name, e.g.
`from kerasmini.explain.pictures import draw_sliding_window`.
"""
from kerasmini.lazy_exports import lazy_exports

# Imported on first use: `import kerasmini` binds the function below, and the files it
# needs (which import the layers) load when it is first called.
_EXPORTS = {
    "Explanation": ".explanation",
    "ModelExplanation": ".model_table",
    "explain_gradients": ".gradients",
    "explain_layer": ".derivations",
    "explain_model": ".model_table",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


def explain(layer_or_model, input_shape=None):
    """The output shape of a layer or model for `input_shape`, derived in words.

    input_shape includes the batch axis, as in compute_output_shape: (10, 8, 16, 3).
    None means the shape the layer or model declares (input_shape=..., an Input).
    """
    from kerasmini.explain.derivations import explain_layer
    from kerasmini.explain.model_table import explain_model, is_model

    if is_model(layer_or_model):
        return explain_model(layer_or_model, input_shape)
    if input_shape is None:
        declared = getattr(layer_or_model, "_input_shape_arg", None)
        if declared is None:
            raise ValueError("explain needs an input shape, e.g. "
                             "layer.explain((10, 8, 16, 3)) (batch axis included).")
        input_shape = (None, *declared)
    return explain_layer(layer_or_model, input_shape)


__all__ = ["Explanation", "ModelExplanation", "explain", "explain_gradients", "explain_layer",
           "explain_model"]
