"""CategoryEncoding: integer categories -> one-hot, multi-hot or count vectors."""
import numpy as np

from kerasmini.layers.arguments import is_int
from kerasmini.layers.layer import Layer
from kerasmini.layers.preprocessing import categorical

OUTPUT_MODES = ("count", "one_hot", "multi_hot")


class CategoryEncoding(Layer):
    """Integers in [0, num_tokens) -> vectors of length num_tokens.

    Args:
        num_tokens: int >= 1, the number of categories (the output's last axis).
        output_mode: "multi_hot" (default; "binary" is its old name): a 1 for each
            category present in a sample (the input's last axis); "count": how often
            each appears (weighted by `count_weights`, given at call time);
            "one_hot": one vector per input value.
        sparse: only False (kerasmini has no sparse arrays).

    A value outside [0, num_tokens) is a ValueError (tf.keras 3 drops it in silence).
    The output has no gradient (see categorical.integer_indices).
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"Unknown arg for output_mode: {output_mode}")
        if num_tokens is None:
            raise ValueError("num_tokens must be set to use this layer. If the number of "
                             "tokens is not known beforehand, use the IntegerLookup layer "
                             "instead.")
        if not is_int(num_tokens) or num_tokens < 1:
            raise ValueError(f"`num_tokens` must be >= 1. Received: num_tokens={num_tokens}.")
        if sparse:
            raise ValueError(f"CategoryEncoding(sparse={sparse!r}) is not supported by "
                             "kerasmini (it has no sparse arrays).")
        super().__init__(**kwargs)
        self.num_tokens, self.output_mode, self.sparse = int(num_tokens), output_mode, False
        self._build_at_init()

    def _convert_input(self, inputs):
        return categorical.integer_indices(self, inputs)

    def compute_output_shape(self, input_shape):
        return categorical.encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError("`count_weights` is not used when `output_mode` is not "
                                 f"`'count'`. Received `count_weights={count_weights}`.")
            count_weights = np.asarray(count_weights, dtype=self.dtype)
            if count_weights.shape != inputs.shape:
                raise ValueError("`count_weights` must have the shape of the inputs "
                                 f"{inputs.shape}. Received: count_weights of shape "
                                 f"{count_weights.shape}")
        categorical.check_range(inputs, self.num_tokens, self.name)
        return categorical.encode(inputs, self.output_mode, self.num_tokens, self.dtype,
                                  count_weights)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode}
