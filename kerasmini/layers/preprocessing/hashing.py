"""Hashing: refused, with the reason (see the class)."""


class Hashing:
    """Keras's Hashing puts each value in the bin `FarmHash64(str(value)) % num_bins`
    (SipHash with `salt`). kerasmini does not reproduce TensorFlow's FarmHash64 and
    SipHash bit for bit, and a different hash would put values in other bins than a
    tf.keras model trained with them expects. So it refuses rather than answer
    differently; use IntegerLookup / StringLookup with a vocabulary instead."""

    def __init__(self, num_bins=None, mask_value=None, salt=None, output_mode="int",
                 sparse=False, **kwargs):
        raise NotImplementedError(
            f"Hashing(num_bins={num_bins}) is not supported by kerasmini: it would need "
            "TensorFlow's FarmHash64 (or SipHash with `salt`) bit for bit to put values "
            "in the bins a tf.keras model expects. Use IntegerLookup or StringLookup "
            "with a vocabulary instead.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)
