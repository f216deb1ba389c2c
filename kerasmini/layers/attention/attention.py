"""Attention (Luong, dot-product) and its base for AdditiveAttention (Bahdanau).

    scores = query @ key^T   (dot; times `scale` if use_scale)
             concat_score_weight * sum(tanh(scale * (query_t + key_s)))   (concat)
    weights = softmax(scores over the keys, masked)       (B, Tq, Tv)
    output = weights @ value                              (B, Tq, dim)

Called on a list [query, value] or [query, value, key] (key defaults to value), with
`mask=[query_mask, value_mask]`: as in Keras, masked keys get 1e9 subtracted from their
scores (65504 in float16) before the softmax, and masked queries give zero rows. The
inputs' own masks are not taken (tf.keras 3.15's functional graphs hand Attention none:
measured), so masks come only by `mask=`; the query mask goes on with the output.
"""
import numpy as np

from kerasmini import activations, autodiff
from kerasmini.layers.keras_tensor import KerasTensor, flatten, record_call
from kerasmini.layers.layer import Layer, call_recorded
from kerasmini.layers.attention.multi_head_attention import causal_mask
from kerasmini.utils.rng_utils import numpy_generator


class Attention(Layer):
    """Args: use_scale (a learned scalar scale), score_mode ('dot' or 'concat'),
    dropout (on the attention weights while training), seed."""

    # the call's keywords a saved functional model replays (models/functional.py)
    CALL_KEYWORDS = ("mask", "return_attention_scores", "use_causal_mask")
    TAKES_SHAPE_LIST = True  # explain: [query, value(, key)] shapes

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not (
                0 <= dropout <= 1):
            raise ValueError("Invalid value received for argument `dropout`. Expected a "
                             f"float value between 0 and 1. Received: dropout={dropout!r}")
        super().__init__(**kwargs)
        self.use_scale, self.score_mode = bool(use_scale), score_mode
        self.dropout, self.seed = dropout, seed
        self._rng = numpy_generator(seed)
        self.scale = self.concat_score_weight = None

    def build(self, input_shape):
        if self.use_scale:
            self.scale = self.add_weight((), "ones", "scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight((), "ones", "concat_score_weight")
        self.built = True

    def compute_output_shape(self, input_shape):
        query_shape, value_shape = _check_inputs(type(self).__name__, input_shape)[:2]
        return (*tuple(query_shape)[:-1], value_shape[-1])

    # ----- calling --------------------------------------------------------------------
    def __call__(self, inputs, mask=None, training=None, return_attention_scores=False,
                 use_causal_mask=False):
        name = type(self).__name__
        _check_inputs(name, inputs)
        masks = _check_masks(name, inputs, mask)
        kwargs = {"return_attention_scores": bool(return_attention_scores),
                  "use_causal_mask": bool(use_causal_mask)}
        if any(isinstance(t, KerasTensor) for t in flatten([inputs, masks])):
            return self._symbolic_call(list(inputs), masks, kwargs, training)
        arrays = [self._convert_input(x) for x in inputs]
        shapes = [x.shape for x in arrays]
        self.compute_output_shape(shapes)  # raises before anything changes
        if not self.built:
            self._build_or_undo(shapes)
        compute = lambda: self.call(arrays, masks, training=training, **kwargs)
        return call_recorded(self, arrays, compute) if autodiff.is_recording() else compute()

    def _symbolic_call(self, inputs, masks, kwargs, training):
        shapes = [t.shape for t in inputs]
        out_shape = self.compute_output_shape(shapes)
        if not self.built:
            self._build_or_undo(shapes)
        outputs = [out_shape]
        if kwargs["return_attention_scores"]:
            outputs.append((*shapes[0][:-1], shapes[-1][-2]))
        recorded = {k: v for k, v in kwargs.items() if v}
        if masks is not None:
            recorded["mask"] = masks
        if training is not None:
            recorded["training"] = training
        return record_call(self, inputs, outputs, recorded,
                           output_mask=None if masks is None else masks[0])

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask, value_mask = (mask[0], mask[1]) if mask else (None, None)
        scores = self._scores(query, key)
        keep = None if value_mask is None else np.asarray(value_mask, bool)[..., None, :]
        if use_causal_mask:
            causal = causal_mask(scores.shape[-2], scores.shape[-1])
            keep = causal if keep is None else keep & causal
        if keep is not None:  # Keras subtracts a large number: -inf would give NaN rows
            large = 65504.0 if scores.dtype == np.float16 else 1e9
            scores = np.where(keep, scores, scores - np.asarray(large, scores.dtype))
        weights = activations.softmax(scores, axis=-1)
        dropped = weights
        if training and self.dropout > 0:
            kept = self._rng.random(weights.shape) >= self.dropout
            dropped = weights * kept / np.asarray(1 - self.dropout, weights.dtype)
        output = np.matmul(dropped, value)
        if query_mask is not None:
            output = np.where(np.asarray(query_mask, bool)[..., None], output, 0)
        output = output.astype(query.dtype, copy=False)
        return (output, weights) if return_attention_scores else output

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = np.matmul(query, np.swapaxes(key, -2, -1))
            return scores if self.scale is None else scores * self.scale.value
        pairs = query[..., :, None, :] + key[..., None, :, :]  # (B, Tq, Tv, dim)
        if self.scale is not None:
            pairs = self.scale.value * pairs
        return self.concat_score_weight.value * np.sum(np.tanh(pairs), axis=-1)

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}


def _check_inputs(name, inputs):
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"{name} layer must be called on a list of inputs, namely "
                         f"[query, value] or [query, value, key]. Received: inputs={inputs}.")
    if not 2 <= len(inputs) <= 3:
        raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely "
                         "[query, value] or [query, value, key]. Received length: "
                         f"{len(inputs)}.")
    return inputs


def _check_masks(name, inputs, mask):
    """[query_mask, value_mask(, ignored key mask)] or None, each of its input's shape
    without the features."""
    if mask is None:
        return None
    if not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3:
        raise ValueError(f"{name} layer mask must be a list of length 2 or 3, namely "
                         f"[query_mask, value_mask]. Received: mask={mask}.")
    for which, (m, x) in enumerate(zip(mask, inputs)):
        expected = tuple(np.shape(x) if not isinstance(x, KerasTensor) else x.shape)[:-1]
        shape = tuple(m.shape) if isinstance(m, KerasTensor) else np.shape(m)
        if m is not None and (len(shape) != len(expected) or any(
                a is not None and b is not None and a != b for a, b in zip(shape, expected))):
            raise ValueError(f"{name}: mask[{which}] must have the shape {expected} (its "
                             f"input's without the features). Received: mask[{which}]."
                             f"shape={shape}")
    return list(mask)
