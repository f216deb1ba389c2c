"""Embedding: integer indices -> rows of a learned table."""
import warnings

import numpy as np

from kerasmini.layers import weight_settings
from kerasmini.layers.arguments import is_int, refuse_lora_and_quantization
from kerasmini.layers.layer import Layer
from kerasmini.ops import not_equal
from kerasmini import regularizers


class Embedding(Layer):
    """`embeddings[i]` for every integer index i in the input: (batch, ...) ->
    (batch, ..., output_dim). The table `embeddings` has shape (input_dim, output_dim).

    Args:
        input_dim: int > 0, the vocabulary size (indices run from 0 to input_dim - 1).
        output_dim: int > 0, the length of each vector.
        embeddings_initializer / _regularizer / _constraint: as in Keras.
        mask_zero: if True, index 0 is padding: the layer's mask (compute_mask) is
            `inputs != 0`, and the layers after it that read masks (recurrent layers,
            GlobalAveragePooling1D) skip those steps. input_dim counts index 0.

    Float inputs are truncated to integers, as Keras casts them to int32; an index
    outside [0, input_dim) is a ValueError.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not is_int(value) or value <= 0:
                raise ValueError(f"`{name}` must be a positive integer. Received: "
                                 f"{name}={value} (of type {type(value).__name__}).")
        refuse_lora_and_quantization("Embedding", lora_rank, quantization_config)
        input_length = kwargs.pop("input_length", None)  # Keras 2's; Keras 3 pops it
        if input_length is not None:  # Keras 3 ignores it too, with this warning
            warnings.warn("Argument `input_length` is deprecated. Just remove it.",
                          stacklevel=2)
        settings = weight_settings.resolve(embeddings_initializer=embeddings_initializer,
                                           embeddings_regularizer=embeddings_regularizer,
                                           embeddings_constraint=embeddings_constraint)
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero  # as Keras's: a mask only from mask_zero
        self.embeddings_initializer = settings["embeddings_initializer"]
        self.embeddings_regularizer = settings["embeddings_regularizer"]
        self.embeddings_constraint = settings["embeddings_constraint"]
        self.embeddings = None
        if weights is not None:
            self._build_or_undo(None)
            self.set_weights(weights if isinstance(weights, list) else [weights])

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            (self.input_dim, self.output_dim), self.embeddings_initializer, "embeddings",
            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint)
        self.built = True

    def _convert_input(self, inputs):
        x = np.asarray(inputs)
        if x.dtype.kind not in "biuf":
            raise ValueError(f"Layer '{self.name}' expects integer indices. Received: "
                             f"inputs with dtype={x.dtype}")
        indices = x if x.dtype.kind in "iu" else x.astype(np.int32)
        if indices.size and (indices.min() < 0 or indices.max() >= self.input_dim):
            raise ValueError(f"Layer '{self.name}': indices must be in [0, "
                             f"{self.input_dim}) (input_dim={self.input_dim}). Received "
                             f"values from {indices.min()} to {indices.max()}.")
        return indices

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.output_dim)

    def compute_mask(self, inputs, mask=None):
        return not_equal(inputs, 0) if self.mask_zero else None

    def call(self, inputs):
        return self.embeddings.value[inputs]  # rows by index (a tape follows indexing)

    def get_config(self):
        config = {**super().get_config(), "input_dim": self.input_dim,
                  "output_dim": self.output_dim,
                  **weight_settings.serialize(self, "embeddings_initializer",
                                              "embeddings_regularizer"),
                  "activity_regularizer": None,
                  **weight_settings.serialize(self, "embeddings_constraint"),
                  "mask_zero": self.mask_zero, "quantization_config": None}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config
