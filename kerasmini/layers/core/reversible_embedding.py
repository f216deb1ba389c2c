"""ReversibleEmbedding: an Embedding that can also project back to the vocabulary.

    layer(ids)                -> embeddings[ids]                 (..., output_dim)
    layer(h, reverse=True)    -> h @ embeddings.T                (..., input_dim)

The reverse call gives a language model's logits with the input embeddings "tied" to
the output projection (Press & Wolf, 2016); with tie_weights=False it uses a weight of
its own, `reverse_embeddings` (output_dim, input_dim). logit_soft_cap c bounds the
logits smoothly: c * tanh(logits / c) (Gemma).
"""
import threading

import numpy as np

from kerasmini.layers.core.embedding import Embedding

FLOAT_DTYPES = ("float16", "float32", "float64")


class ReversibleEmbedding(Embedding):
    """Args: Embedding's (input_dim, output_dim, embeddings_initializer / _regularizer /
    _constraint, mask_zero), and
        tie_weights: the reverse projection uses the transposed `embeddings` (True), or
            its own trainable `reverse_embeddings` (False).
        reverse_dtype: None (the layer's dtype) or a float dtype the reverse product is
            computed and returned in.
        logit_soft_cap: None or c > 0: reverse logits become c * tanh(logits / c).
    Call: `layer(inputs, reverse=False)`. A reverse call takes floats (..., output_dim)
    and makes no mask.
    """

    def __init__(self, input_dim, output_dim, tie_weights=True,
                 embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        if reverse_dtype is not None and str(reverse_dtype) not in FLOAT_DTYPES:
            raise ValueError("kerasmini computes ReversibleEmbedding's reverse projection "
                             f"in one of {FLOAT_DTYPES} (or None: the layer's dtype). "
                             f"Received: reverse_dtype={reverse_dtype!r}")
        if logit_soft_cap is not None and (isinstance(logit_soft_cap, bool) or
                                           not isinstance(logit_soft_cap, (int, float))):
            raise TypeError("`logit_soft_cap` must be None or a number. Received: "
                            f"logit_soft_cap={logit_soft_cap!r}")
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype, self.logit_soft_cap = reverse_dtype, logit_soft_cap
        self.reverse_embeddings = None
        self._direction = threading.local()  # whether the call in this thread is reverse

    CALL_KEYWORDS = ("reverse",)  # the call's keywords a saved functional model replays

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                (self.output_dim, self.input_dim), self.embeddings_initializer,
                "reverse_embeddings")

    # ----- calling: Layer.__call__, told which way --------------------------------------
    def __call__(self, inputs, training=None, reverse=False, **kwargs):
        if reverse:
            kwargs["reverse"] = True
        previous = self._reversing
        self._direction.reverse = bool(reverse)
        try:
            return super().__call__(inputs, training=training, **kwargs)
        finally:
            self._direction.reverse = previous

    @property
    def _reversing(self):
        return getattr(self._direction, "reverse", False)

    def _convert_input(self, inputs):
        if self._reversing:  # hidden states: floats, cast as any layer casts its input
            return super(Embedding, self)._convert_input(inputs)
        return super()._convert_input(inputs)

    def compute_output_shape(self, input_shape, reverse=None):
        reverse = self._reversing if reverse is None else reverse
        if not reverse:
            return super().compute_output_shape(input_shape)
        input_shape = tuple(input_shape)
        if input_shape[-1] not in (None, self.output_dim):
            raise ValueError(f"Layer '{self.name}': a reverse call takes inputs whose last "
                             f"axis is output_dim={self.output_dim}. Received: "
                             f"input_shape={input_shape}")
        return (*input_shape[:-1], self.input_dim)

    def compute_mask(self, inputs, mask=None):
        return None if self._reversing else super().compute_mask(inputs, mask)

    def weights_read_by_call(self):
        if self.tie_weights or not self.trainable:
            return super().weights_read_by_call()
        return [self.reverse_embeddings if self._reversing else self.embeddings]

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        kernel = (self.embeddings.value.T if self.tie_weights
                  else self.reverse_embeddings.value)
        if self.reverse_dtype is not None:
            inputs, kernel = inputs.astype(self.reverse_dtype), kernel.astype(self.reverse_dtype)
        logits = np.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = np.asarray(self.logit_soft_cap, logits.dtype)
            logits = np.tanh(logits / cap) * cap
        return logits

    def get_config(self):
        return {**super().get_config(), "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype, "logit_soft_cap": self.logit_soft_cap}
