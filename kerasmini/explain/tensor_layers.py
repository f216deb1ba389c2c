"""Shapes in words for the layers that gather or move axes: Embedding, Dot, Permute,
RepeatVector. Every number comes from the layer's own compute_output_shape."""
from kerasmini.explain.derivations import _invalid, _merge_output, explain_other
from kerasmini.explain.explanation import Explanation, shape_as_tuple
from kerasmini.layers.core.embedding import Embedding
from kerasmini.layers.merging.dot import Dot
from kerasmini.layers.reshaping.permute import Permute
from kerasmini.layers.reshaping.repeat_vector import RepeatVector


def explain_embedding(layer, input_shape):
    explanation = explain_other(layer, input_shape)
    if explanation.problem:
        return explanation
    explanation.title = f"Embedding(input_dim={layer.input_dim}, output_dim={layer.output_dim})"
    params = layer.input_dim * layer.output_dim
    explanation.lines[:-1] = [
        f"every integer index in {shape_as_tuple(input_shape)} (from 0 to "
        f"{layer.input_dim - 1}) is replaced by its row of the table: a vector of "
        f"{layer.output_dim} numbers, so a new last axis of {layer.output_dim}",
        f"parameters: input_dim * output_dim = {layer.input_dim} * {layer.output_dim} = "
        f"{params} (the table; no bias)"]
    explanation.params = params
    explanation.summary = f"each index -> a vector of {layer.output_dim}"
    return explanation


def explain_dot(layer, input_shapes):
    explanation = Explanation(f"Dot(axes={layer.axes}, normalize={layer.normalize})",
                              input_shapes)
    if len(input_shapes) != 2:
        return _invalid(explanation, f"Dot takes 2 inputs, not {len(input_shapes)}")
    output_shape = _merge_output(layer, explanation, input_shapes)
    if output_shape is None:
        return explanation
    a1, a2 = layer._axes_for(input_shapes)
    depth = input_shapes[0][a1]
    lines = explanation.lines
    lines.append(f"for each sample, the products x[..., i, ...] * y[..., i, ...] are summed "
                 f"over axis {a1} of the first input and axis {a2} of the second "
                 f"({depth} terms each)" + (" after scaling both to unit length (cosine)"
                                            if layer.normalize else ""))
    lines.append(f"what is left: the first shape without axis {a1}, then the second without "
                 f"its batch axis and axis {a2} -> {shape_as_tuple(output_shape)}"
                 + (" (a lone batch axis gets a trailing 1)" if len(output_shape) == 2 and
                    len(input_shapes[0]) + len(input_shapes[1]) == 4 else ""))
    explanation.summary = f"sum over {depth} paired values -> {shape_as_tuple(output_shape)}"
    return explanation


def explain_permute(layer, input_shape):
    explanation = explain_other(layer, input_shape)
    if explanation.problem:
        return explanation
    moves = ", ".join(f"new axis {i} <- axis {d} ({input_shape[d]})"
                      for i, d in enumerate(layer.dims, start=1))
    explanation.lines.insert(0, f"the batch axis stays first; {moves}")
    explanation.summary = f"axes reordered as {layer.dims}"
    return explanation


def explain_repeat_vector(layer, input_shape):
    explanation = explain_other(layer, input_shape)
    if explanation.problem:
        return explanation
    explanation.lines.insert(0, f"each sample's vector of {input_shape[-1]} is repeated "
                                f"{layer.n} times along a new axis 1")
    explanation.summary = f"{layer.n} copies of each vector"
    return explanation


EXPLAINERS = ((Embedding, explain_embedding), (Dot, explain_dot), (Permute, explain_permute),
              (RepeatVector, explain_repeat_vector))
