"""GroupedQueryAttention (Ainslie et al., 2023): attention whose query heads share
fewer key and value heads (Llama 2/3, Mistral, Gemma).

    q = query @ Wq + bq      (B, T, num_query_heads, head_dim)
    k = key @ Wk + bk        (B, S, num_key_value_heads, head_dim)   each key/value head
    v = value @ Wv + bv      (B, S, num_key_value_heads, head_dim)   serves num_query_heads
                                                                      / num_key_value_heads
    k, v repeated along the heads to num_query_heads (head j reads group j // repeats)
    output = softmax(q . k / sqrt(head_dim), masked) @ v, then @ Wo + bo  (B, T, features)

After the repeat it is MultiHeadAttention on rank-3 inputs (its masks, its two softmax
paths, dropout, gate, return_attention_scores), so the class is a MultiHeadAttention
whose key and value projections have fewer heads; weights are named as Keras names
them: query, key, value, (gate,) attention_output.
"""
import numpy as np

from kerasmini.layers.arguments import is_int
from kerasmini.layers.attention.multi_head_attention import MultiHeadAttention


class GroupedQueryAttention(MultiHeadAttention):
    """keras.layers.GroupQueryAttention: the class is GroupedQueryAttention, as in Keras
    (summary() and the weights file name it so; a config file, GroupQueryAttention).
    Args (Keras 3.15's):
        head_dim: the size of each head (query, key and value alike).
        num_query_heads: the query's heads; num_key_value_heads: the key's and value's,
            dividing num_query_heads.
        dropout, use_bias, sliding_window, flash_attention (refused), use_gate,
        kernel_/bias_ initializer, regularizer, constraint, activity_regularizer, seed:
            as MultiHeadAttention's.
    Call: layer(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
        attention_mask=None, return_attention_scores=False, training=None,
        use_causal_mask=False); query (B, T, dim), value and key (B, S, dim); the output
        has the query's shape.
    """

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        for name, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                            ("num_key_value_heads", num_key_value_heads)):
            if not is_int(value) or value <= 0:  # Keras: a ZeroDivisionError at best
                raise ValueError(f"Received an invalid value for argument `{name}`, "
                                 f"expected a positive integer. Received: {name}={value!r}")
        if num_query_heads % num_key_value_heads:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`. "
                             f"Received: num_query_heads={num_query_heads}, "
                             f"num_key_value_heads={num_key_value_heads}")
        super().__init__(num_query_heads, head_dim, dropout=dropout, use_bias=use_bias,
                         sliding_window=sliding_window, flash_attention=flash_attention,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         use_gate=use_gate, seed=seed, **kwargs)
        self._num_key_value_heads = int(num_key_value_heads)

    head_dim = property(lambda self: self._key_dim)
    num_query_heads = property(lambda self: self._num_heads)
    num_key_value_heads = property(lambda self: self._num_key_value_heads)
    num_repeats = property(lambda self: self._num_heads // self._num_key_value_heads)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None and query_shape and isinstance(query_shape[0], (list, tuple)):
            query_shape, value_shape, *rest = query_shape  # [query, value(, key)] shapes
            key_shape = rest[0] if rest else None
        query_shape, value_shape = tuple(query_shape), tuple(value_shape or query_shape)
        if len(query_shape) != 3:
            raise ValueError("GroupQueryAttention takes inputs of rank 3 (batch, positions, "
                             f"features). Received: query_shape={query_shape}")
        return super().compute_output_shape(query_shape, value_shape, key_shape)

    def _symbolic_call(self, query, value, options, training):
        # Keras checks this in compute_output_shape, which only a symbolic call runs: an
        # eager call with other value features works (the projections take any width)
        if query.shape[-1] != value.shape[-1]:
            raise ValueError("The last dimension of `query_shape` and `value_shape` must be "
                             f"equal, but are {query.shape[-1]}, {value.shape[-1]}. "
                             f"Received: query_shape={tuple(query.shape)}, "
                             f"value_shape={tuple(value.shape)}")
        return super()._symbolic_call(query, value, options, training)

    # Keras keeps the projections in private attributes: the weights file's groups are
    # named after them (_query_dense/vars, ...); MultiHeadAttention's code reads these
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    def __setattr__(self, name, value):
        if name in ("query_dense", "key_dense", "value_dense", "output_dense"):
            name = f"_{name}"  # MultiHeadAttention.build's sublayers, Keras's names
        super().__setattr__(name, value)

    def _key_value_heads(self):
        return self._num_key_value_heads

    def _project(self, query, key, value):
        query, key, value = super()._project(query, key, value)
        # each key/value head serves `num_repeats` consecutive query heads
        return (query, np.repeat(key, self.num_repeats, axis=2),
                np.repeat(value, self.num_repeats, axis=2))

    def get_config(self):
        """Keras's order: the layer's, the heads, then MultiHeadAttention's settings."""
        config = super().get_config()
        first = ("name", "trainable", "dtype")
        heads = {"head_dim": self._key_dim, "num_query_heads": self._num_heads,
                 "num_key_value_heads": self._num_key_value_heads}
        switches = ("use_bias", "use_gate", "sliding_window", "dropout")
        rest = [k for k in config if k not in (*first, *switches, "num_heads", "key_dim",
                                               "value_dim", "output_shape", "attention_axes")]
        return {**{k: config[k] for k in first}, **heads,
                **{k: config[k] for k in (*switches, *rest)}}
