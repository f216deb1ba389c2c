"""AdditiveAttention (Bahdanau): scores = sum(scale * tanh(query_t + key_s)) over the
features, with a learned per-feature `scale` (glorot_uniform) when use_scale (default)."""
import numpy as np

from kerasmini.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Args: use_scale (default True), dropout, seed; called as Attention is."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        if self.use_scale:
            self.scale = self.add_weight((input_shape[0][-1],), "glorot_uniform", "scale")
        self.built = True

    def _scores(self, query, key):
        pairs = np.tanh(query[..., :, None, :] + key[..., None, :, :])  # (B, Tq, Tv, dim)
        return np.sum(pairs if self.scale is None else self.scale.value * pairs, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
