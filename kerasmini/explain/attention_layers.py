"""Shapes in words for MultiHeadAttention: the three projections, the scores, the
output projection, and where each parameter comes from."""
from kerasmini.explain.derivations import explain_other
from kerasmini.explain.explanation import shape_as_tuple
from kerasmini.layers.attention.multi_head_attention import MultiHeadAttention


def explain_multi_head_attention(layer, input_shapes):
    """input_shapes: [query, value] (key = value), or [query, value, key]."""
    explanation = explain_other(layer, input_shapes)
    if explanation.problem or len(input_shapes[0]) != 3:
        return explanation  # attention over several axes: the shapes alone
    query, value = input_shapes[0], input_shapes[1]
    key = input_shapes[2] if len(input_shapes) > 2 else value
    heads, kd, vd = layer.num_heads, layer.key_dim, layer.value_dim
    out = explanation.output_shape[-1]
    sizes = {"query": (query[-1], kd), "key": (key[-1], kd), "value": (value[-1], vd)}
    lines = [f"{name}: {shape_as_tuple(shape)} @ kernel ({d}, {heads}, {size}) -> "
             f"(batch, {shape[1]}, {heads} heads, {size})"
             for (name, (d, size)), shape in zip(sizes.items(), (query, key, value))]
    lines.append(f"scores: each query position . each key position over key_dim, "
                 f"/ sqrt({kd}), softmax over the {value[1]} key positions -> "
                 f"(batch, {heads}, {query[1]}, {value[1]})")
    lines.append(f"output: scores @ value -> (batch, {query[1]}, {heads}, {vd}) @ kernel "
                 f"({heads}, {vd}, {out}) -> (batch, {query[1]}, {out})")
    bias = layer.use_bias
    params = sum(d * heads * size + (heads * size if bias else 0)
                 for d, size in sizes.values()) + heads * vd * out + (out if bias else 0)
    lines.append(f"parameters: 3 projections (d * heads * size{' + heads * size' * bias}) "
                 f"+ output (heads * value_dim * out{' + out' * bias}) = {params}")
    explanation.title = f"MultiHeadAttention(num_heads={heads}, key_dim={kd})"
    explanation.lines = lines + explanation.lines[-1:]
    explanation.params = params
    explanation.summary = f"{heads} heads attend over {value[1]} positions"
    return explanation


EXPLAINERS = ((MultiHeadAttention, explain_multi_head_attention),)
