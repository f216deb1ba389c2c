"""MultiHeadAttention: scaled dot-product attention in several heads at once.

    q = query @ Wq + bq      (B, T, N, key_dim)      one EinsumDense each, named as in
    k = key @ Wk + bk        (B, S, N, key_dim)      Keras: query, key, value,
    v = value @ Wv + bv      (B, S, N, value_dim)    attention_output
    scores = softmax(q . k / sqrt(key_dim), over S, masked)   (B, N, T, S)
    output = (scores @ v) @ Wo + bo                  (B, T, *output_shape)

Masking follows tf.keras 3.15, which takes one of two paths: with dropout, with
`return_attention_scores`, or for inputs of rank other than 3, a Softmax layer that puts
-1e9 in masked logits and zeros the masked probabilities (a query row that may see no
key gives zeros); otherwise its fused `dot_product_attention`, which puts
-0.7 * 3.38953e38 in masked logits (float32 softmax for float16 inputs) and zeros
nothing (such a row gives the mean of the values). Both are reproduced, with the same
conditions, so that outputs match in every case.
"""
import math
import string

import numpy as np

from kerasmini import activations, autodiff, constraints, initializers, ops, regularizers
from kerasmini.layers.activations.softmax import Softmax, broadcastable_mask
from kerasmini.layers.arguments import is_int
from kerasmini.layers.core.einsum_dense import EinsumDense
from kerasmini.layers.keras_tensor import KerasTensor, flatten, keras_mask, record_call
from kerasmini.layers.layer import Layer, _build_lock, call_recorded, undone_on_error
from kerasmini.layers.regularization.dropout import Dropout

FUSED_MASK_VALUE = {np.dtype(np.float16): -0.7 * 65500.0}  # else -0.7 * 3.38953e38


class MultiHeadAttention(Layer):
    """Args (Keras 3.15's):
        num_heads, key_dim: positive ints; value_dim: positive int or None (key_dim).
        dropout: rate of dropout on the attention probabilities (training only).
        use_bias: whether the four projections have biases.
        output_shape: int or tuple, the output's trailing shape (None: query's features).
        attention_axes: int or tuple of the query axes attended over (None: all between
            batch and features, i.e. axis 1 for (B, T, dim)).
        sliding_window: None or a positive int: attend only within that distance.
        use_gate: a sigmoid gate from the query multiplies the attention output.
        kernel_/bias_initializer, _regularizer, _constraint, activity_regularizer: for
            the projections.
        seed: the dropout's seed.
    Call: layer(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
        attention_mask=None, return_attention_scores=False, training=None,
        use_causal_mask=False).
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        _check_positive(num_heads, "num_heads", "a positive integer")
        _check_positive(key_dim, "key_dim", "a positive integer")
        if value_dim is not None:
            _check_positive(value_dim, "value_dim", "a positive integer or `None`")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not (
                0 <= dropout <= 1):
            raise ValueError("Invalid value received for argument `dropout`. Expected a "
                             f"float value between 0 and 1. Received: dropout={dropout!r}")
        if flash_attention:
            raise ValueError("Flash attention is not supported in tensorflow backend "
                             f"(nor in kerasmini). Received: flash_attention={flash_attention}")
        if sliding_window is not None and not (is_int(sliding_window) and sliding_window > 0):
            raise ValueError("`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        super().__init__(**kwargs)
        self._num_heads, self._key_dim = num_heads, key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout, self._use_bias, self._use_gate = dropout, use_bias, use_gate
        self._output_shape = _output_shape(output_shape)
        self._attention_axes = _attention_axes(attention_axes)
        self._sliding_window = sliding_window
        self.seed = seed
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))

    # called as layer(query, value, ...); the call's keywords a saved functional model
    # replays (models/functional.py)
    POSITIONAL_CALL = True
    TAKES_SHAPE_LIST = True  # explain: [query, value(, key)] shapes
    CALL_KEYWORDS = ("key", "query_mask", "value_mask", "key_mask", "attention_mask",
                     "return_attention_scores", "use_causal_mask")

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)

    # ----- shapes and weights ---------------------------------------------------------
    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None and query_shape and isinstance(query_shape[0], (list, tuple)):
            query_shape, value_shape, *rest = query_shape  # [query, value(, key)] shapes
            key_shape = rest[0] if rest else None
        query_shape, value_shape = tuple(query_shape), tuple(value_shape or query_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, "
                             f"must be equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        if len(query_shape) < 3 or len(query_shape) != len(value_shape):
            raise ValueError("`query` and `value` must have the same rank, at least 3 "
                             f"(batch, positions..., features). Received: query_shape="
                             f"{query_shape}, value_shape={value_shape}")
        self._attention_axes_for(len(query_shape) + 1)  # raises for an impossible axis
        if self._output_shape:
            return query_shape[:-1] + self._output_shape
        return query_shape

    def _scores_shape(self, query_shape, value_shape):
        """(B, non-attended axes..., N, query attended..., key attended...)."""
        axes = self._attention_axes_for(len(query_shape) + 1)
        batch = [query_shape[i] for i in range(len(query_shape) - 1) if i not in axes]
        return tuple(batch + [self._num_heads] + [query_shape[i] for i in axes]
                     + [value_shape[i] for i in axes])

    def _attention_axes_for(self, rank):
        """The attended axes of the projected (rank-`rank`) query, checked."""
        if self._attention_axes is None:
            return tuple(range(1, rank - 2))
        axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
        if not all(1 <= a <= rank - 3 for a in axes) or len(set(axes)) != len(axes):
            raise ValueError(f"`attention_axes` must name distinct axes of the query other "
                             f"than the batch and feature axes (1 to {rank - 3}). "
                             f"Received: attention_axes={self._attention_axes}")
        return axes

    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self.compute_output_shape(query_shape, value_shape, key_shape)
        heads = lambda size: [self._num_heads, size]
        self.query_dense = self._projection("query", len(query_shape), heads(self._key_dim))
        self.query_dense.build(query_shape)
        key_value_heads = lambda size: [self._key_value_heads(), size]
        self.key_dense = self._projection("key", len(key_shape), key_value_heads(self._key_dim))
        self.key_dense.build(key_shape)
        if self._use_gate:
            self._gate_dense = self._projection("gate", len(query_shape),
                                                heads(self._value_dim), "sigmoid")
            self._gate_dense.build(query_shape)
        self.value_dense = self._projection("value", len(value_shape),
                                            key_value_heads(self._value_dim))
        self.value_dense.build(value_shape)
        rank = len(query_shape) + 1
        self._attention_axes = self._attention_axes_for(rank)
        self._dot_product_equation, self._combine_equation, scores_rank = (
            attention_equations(rank, self._attention_axes))
        norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        self._softmax = Softmax(axis=norm_axes, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype_policy, seed=self.seed)
        out = list(self._output_shape or [query_shape[-1]])
        equation, bias_axes, out_rank = projection_equation(len(query_shape) - 1, 2, len(out))
        self.output_dense = EinsumDense(
            equation, output_shape=[None] * (out_rank - 1 - len(out)) + out,
            bias_axes=bias_axes if self._use_bias else None, name="attention_output",
            **self._sublayer_settings())
        projected = list(self.query_dense.compute_output_shape(query_shape))
        self.output_dense.build(tuple(projected[:-1] + [self._value_dim]))
        self._build_shapes = {"query_shape": query_shape, "value_shape": value_shape}
        if key_shape is not value_shape:
            self._build_shapes["key_shape"] = key_shape
        self.built = True

    def _key_value_heads(self):
        """How many heads the key and value projections have (GroupedQueryAttention:
        fewer than the query's)."""
        return self._num_heads

    def _project(self, query, key, value):
        """The query, key and value projections, (B, T or S, heads, dim) each."""
        return self.query_dense(query), self.key_dense(key), self.value_dense(value)

    def _projection(self, name, rank, heads, activation=None):
        equation, bias_axes, out_rank = projection_equation(rank - 1, 1, 2)
        return EinsumDense(equation, output_shape=[None] * (out_rank - 3) + heads,
                           bias_axes=bias_axes if self._use_bias else None,
                           activation=activation, name=name, **self._sublayer_settings())

    def _sublayer_settings(self):
        """Each projection gets its own copy of the initializers (copies of one seeded
        initializer would draw the same values), as Keras does."""
        copy = lambda init: type(init).from_config(init.get_config())
        return dict(kernel_initializer=copy(self._kernel_initializer),
                    bias_initializer=copy(self._bias_initializer),
                    kernel_regularizer=self._kernel_regularizer,
                    bias_regularizer=self._bias_regularizer,
                    activity_regularizer=self._activity_regularizer,
                    kernel_constraint=self._kernel_constraint,
                    bias_constraint=self._bias_constraint, dtype=self.dtype_policy)

    # ----- calling --------------------------------------------------------------------
    def __call__(self, query, value, key=None, query_mask=None, value_mask=None,
                 key_mask=None, attention_mask=None, return_attention_scores=False,
                 training=None, use_causal_mask=False):
        options = {"key": key, "query_mask": query_mask, "value_mask": value_mask,
                   "key_mask": key_mask, "attention_mask": attention_mask,
                   "return_attention_scores": bool(return_attention_scores),
                   "use_causal_mask": bool(use_causal_mask)}
        if any(isinstance(t, KerasTensor) for t in flatten([query, value, *options.values()])):
            return self._symbolic_call(query, value, options, training)
        _carried_masks(query, value, options)
        q, v = self._convert_input(query), self._convert_input(value)
        k = v if key is None else self._convert_input(key)
        self.compute_output_shape(q.shape, v.shape, None if key is None else k.shape)
        masks = self._check_masks(q.shape, v.shape, options)  # before anything changes
        self._build_once(q.shape, v.shape, None if key is None else k.shape)
        compute = lambda: self.call(q, v, k, training=training, **masks)
        outputs = call_recorded(self, [q, v, k], compute) if autodiff.is_recording() \
            else compute()
        self._activity_losses = []  # the projections hold the activity penalties
        return outputs

    def _build_once(self, query_shape, value_shape, key_shape):
        self.compute_output_shape(query_shape, value_shape, key_shape)  # raises first
        with _build_lock:
            if not self.built:
                with undone_on_error([self]):
                    self.build(query_shape, value_shape, key_shape)

    def _symbolic_call(self, query, value, options, training):
        tensors = [query, value] + [t for t in options.values() if t is not None
                                    and not isinstance(t, bool)]
        if not all(isinstance(t, KerasTensor) for t in tensors):
            raise ValueError(f"Layer '{self.name}' was called on a mix of symbolic (Input) "
                             "tensors and arrays.")
        key, implicit = options["key"], _carried_masks(query, value, options)
        self.compute_output_shape(query.shape, value.shape, None if key is None else key.shape)
        self._check_masks(query.shape, value.shape, options)
        self._build_once(query.shape, value.shape, None if key is None else key.shape)
        shapes = [self.compute_output_shape(query.shape, value.shape,
                                            None if key is None else key.shape)]
        if options["return_attention_scores"]:
            shapes.append(self._scores_shape(query.shape, value.shape))
        kwargs = {k: v for k, v in options.items() if v is not None and v is not False}
        if training is not None:
            kwargs["training"] = training
        return record_call(self, [query, value], shapes, kwargs, positional=True,
                           implicit=implicit, output_mask=options["query_mask"])

    def _check_masks(self, query_shape, value_shape, options):
        """The masks as booleans, each checked against the shape it must fit."""
        masks = {"return_attention_scores": options["return_attention_scores"],
                 "use_causal_mask": options["use_causal_mask"]}
        default_axes = len(query_shape) == 3
        fits = {"query_mask": query_shape[:-1], "value_mask": value_shape[:-1],
                "key_mask": value_shape[:-1]}
        for name, expected in fits.items():
            mask = options[name]
            if mask is not None and not default_axes:
                raise NotImplementedError(f"`{name}` is supported by kerasmini for inputs "
                                          f"of rank 3 only. Received: query_shape="
                                          f"{tuple(query_shape)}")
            if mask is not None and not _fits(np.shape(mask), expected):
                raise ValueError(f"`{name}` must have the shape {tuple(expected)} (the "
                                 f"input's without its features). Received: {name}.shape="
                                 f"{tuple(np.shape(mask))}")
            masks[name] = None if mask is None or isinstance(mask, KerasTensor) \
                else np.asarray(mask).astype(bool)
        if (options["use_causal_mask"] or self._sliding_window) and not default_axes:
            raise NotImplementedError("use_causal_mask and sliding_window are supported by "
                                      "kerasmini for inputs of rank 3 only. Received: "
                                      f"query_shape={tuple(query_shape)}")
        mask = options["attention_mask"]
        if mask is not None:
            scores = self._scores_shape(query_shape, value_shape)
            attended = len(self._attention_axes_for(len(query_shape) + 1))
            if isinstance(mask, KerasTensor):  # check the known sizes only
                shape = tuple(1 if d is None else d for d in mask.shape)
            else:
                shape = np.shape(mask)
            _check_attention_mask(shape, scores, attended)
            masks["attention_mask"] = None if isinstance(mask, KerasTensor) \
                else np.asarray(mask).astype(bool)
        else:
            masks["attention_mask"] = None
        return masks

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        key = value if key is None else key
        fused = not (self._dropout > 0 or return_attention_scores or query.ndim != 3)
        causal_only = (use_causal_mask and self._sliding_window is None
                       and query_mask is None and value_mask is None and key_mask is None
                       and attention_mask is None)
        mask = self._combined_mask(query, value, query_mask, value_mask, key_mask,
                                   attention_mask, use_causal_mask)
        gate = self._gate_dense(query) if self._use_gate else None
        query, key, value = self._project(query, key, value)
        if fused:
            output = self._fused_attention(query, key, value, mask)
            scores = None
        else:
            if causal_only:  # tf.keras builds the causal mask here on this path
                mask = causal_mask(query.shape[1], value.shape[1])
            output, scores = self._attention(query, key, value, mask, training)
        if gate is not None:
            output = output * gate
        output = self.output_dense(output)
        return (output, scores) if return_attention_scores else output

    def _combined_mask(self, query, value, query_mask, value_mask, key_mask,
                       attention_mask, use_causal_mask):
        """All masks ANDed into one that broadcasts to (B, T, S); None if none."""
        parts = []
        if query_mask is not None:
            parts.append(query_mask[:, :, None])
        parts += [m[:, None, :] for m in (value_mask, key_mask) if m is not None]
        if use_causal_mask:
            parts.append(causal_mask(query.shape[1], value.shape[1]))
        if self._sliding_window is not None:
            rows = np.arange(query.shape[1])[:, None]
            parts.append((np.abs(rows - np.arange(value.shape[1])) < self._sliding_window)[None])
        if attention_mask is not None:
            parts.append(attention_mask)
        if not parts:
            return None
        mask = parts[0]
        for part in parts[1:]:
            mask = mask & part
        return mask

    def _expanded_mask(self, mask, scores_rank):
        """The (B, T, S) mask with axes for the heads (and batch) inserted where Keras
        inserts them: just before the attended query axes."""
        axis = -2 * len(self._attention_axes) - 1
        while mask.ndim < scores_rank:
            mask = np.expand_dims(mask, axis)
        return mask

    def _attention(self, query, key, value, mask, training):
        """The Softmax-layer path: scores and the output (B, T, N, value_dim)."""
        query = query * np.asarray(self._inverse_sqrt_key_dim, query.dtype)
        scores = self._products(self._dot_product_equation, key, query)
        if mask is not None:
            scores = self._softmax(scores, mask=self._expanded_mask(mask, scores.ndim))
        else:
            scores = self._softmax(scores)
        dropped = self._dropout_layer(scores, training=training) if self._dropout > 0 \
            else scores
        return self._products(self._combine_equation, dropped, value), scores

    def _products(self, equation, a, b):
        """The scores' or the combination's einsum. For the usual (B, T, N, H) tensors
        it is a stack of matrix products over (B, N) (ops.batch_product; np.einsum and
        np.matmul on transposed views loop in NumPy, 10-80x slower)."""
        if a.ndim != 4 or self._attention_axes != (1,):
            return np.einsum(equation, a, b, optimize=True)
        if equation == self._dot_product_equation:  # key, query -> (B, N, T, S)
            return ops.batch_product(np.transpose(b, (0, 2, 1, 3)),
                                     np.transpose(a, (0, 2, 3, 1)))
        heads = ops.batch_product(a, np.transpose(b, (0, 2, 1, 3)))  # (B, N, T, H)
        return np.transpose(heads, (0, 2, 1, 3))

    def _fused_attention(self, query, key, value, mask):
        """tf.keras's dot_product_attention path (rank-4 projections, no dropout, no
        scores returned): logits scaled after the product, masked with a much larger
        negative number, nothing zeroed after the softmax."""
        dtype = query.dtype
        wide = np.promote_types(dtype, np.float32)  # the softmax runs in float32 or wider
        logits = self._products(self._dot_product_equation, key, query).astype(wide)
        logits = logits * np.asarray(self._inverse_sqrt_key_dim, wide)
        if mask is not None:
            mask = self._expanded_mask(mask, 4)
            fill = FUSED_MASK_VALUE.get(np.dtype(dtype), -0.7 * 3.38953e38)
            logits = np.where(mask, logits, np.asarray(fill, wide))
        probabilities = activations.softmax(logits, axis=-1).astype(dtype, copy=False)
        return self._products(self._combine_equation, probabilities, value)

    # ----- config ---------------------------------------------------------------------
    def get_config(self):
        return {**super().get_config(), "num_heads": self._num_heads,
                "key_dim": self._key_dim, "value_dim": self._value_dim,
                "dropout": self._dropout, "use_bias": self._use_bias,
                "use_gate": self._use_gate, "output_shape": self._output_shape,
                "attention_axes": self._attention_axes,
                "sliding_window": self._sliding_window,
                "kernel_initializer": initializers.serialize(self._kernel_initializer),
                "bias_initializer": initializers.serialize(self._bias_initializer),
                "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self._bias_regularizer),
                "activity_regularizer": regularizers.serialize(self._activity_regularizer),
                "kernel_constraint": constraints.serialize(self._kernel_constraint),
                "bias_constraint": constraints.serialize(self._bias_constraint),
                "seed": self.seed}


def causal_mask(query_length, key_length):
    """(1, T, S): query position i sees key positions j <= i."""
    return (np.arange(query_length)[:, None] >= np.arange(key_length))[None]


def _fits(shape, expected):
    return len(shape) == len(expected) and all(
        e is None or s is None or s == e for s, e in zip(shape, expected))


def _check_attention_mask(shape, scores_shape, attended):
    """The attention mask (B, T, S) broadcasts to the scores after Keras's expansion."""
    expanded = list(shape)
    while len(expanded) < len(scores_shape):
        at = len(expanded) - 2 * attended
        expanded.insert(max(at, 0), 1)
    known = [s for s in scores_shape]
    if len(shape) > len(scores_shape) or any(
            m != 1 and s is not None and m != s for m, s in zip(expanded, known)):
        raise ValueError("`attention_mask` must broadcast to the attention scores "
                         f"{tuple(scores_shape)} (batch, heads, query and key positions; "
                         f"usually (B, T, S)). Received: attention_mask.shape={tuple(shape)}")


def _check_positive(value, name, expected):
    if not is_int(value) or value <= 0:
        raise ValueError(f"Received an invalid value for argument `{name}`, expected "
                         f"{expected}. Received: {name}={value}")


def _output_shape(output_shape):
    if not output_shape:
        return None
    if is_int(output_shape):
        return (int(output_shape),)
    try:
        return tuple(output_shape)
    except TypeError:
        raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the "
                         "`output_shape` should be of type tuple, list, or int.") from None


def _attention_axes(attention_axes):
    if is_int(attention_axes):
        return (int(attention_axes),)
    if attention_axes and not isinstance(attention_axes, (list, tuple)):
        raise ValueError("`attention_axes` must be an int, list, or tuple."
                         f"Received: attention_axes={attention_axes}")
    if attention_axes and not all(is_int(a) for a in attention_axes):
        raise ValueError("`attention_axes` must hold ints. "
                         f"Received: attention_axes={attention_axes}")
    return tuple(attention_axes) if attention_axes else None


def projection_equation(free_dims, bound_dims, output_dims):
    """("abc,cde->abde", bias axes "de", output rank) for a projection that keeps
    `free_dims` input axes, contracts `bound_dims` and makes `output_dims` new ones."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims:free_dims + bound_dims]
    made = letters[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{made}->{free}{made}", made, free_dims + output_dims


def attention_equations(rank, attention_axes):
    """The query-key product and the combination, as einsums over projected tensors of
    rank `rank` (batch, ..., heads, channels):

        key (source), query (target) -> scores (batch axes, heads, T axes, S axes)
        scores, value (source)       -> output (target)

    The batch axes are every axis but the attended ones and the channels."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch = [i for i in range(rank) if i not in attention_axes and i != rank - 1]
    source, extra = "", iter(letters[rank:])
    for i in range(rank):
        source += target[i] if i in batch or i == rank - 1 else next(extra)
    scores = ("".join(target[i] for i in batch) + "".join(target[i] for i in attention_axes)
              + "".join(source[i] for i in attention_axes))
    return f"{source},{target}->{scores}", f"{scores},{source}->{target}", len(scores)


def _carried_masks(query, value, options):
    """As Keras: a mask not given is the query's, value's (and a distinct key's) own,
    the one its tensor carries (symbolic, or an array from a masked layer in a user's
    call()); fills `options` and returns the names it filled."""
    key, implicit = options["key"], []
    for name, tensor in (("query_mask", query), ("value_mask", value),
                         ("key_mask", None if key is value else key)):
        if options[name] is None and keras_mask(tensor) is not None:
            options[name] = keras_mask(tensor)
            implicit.append(name)
    return implicit
