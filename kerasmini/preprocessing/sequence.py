"""keras.preprocessing.sequence: pad_sequences, keras.utils' function."""
from kerasmini.utils.sequence_utils import pad_sequences

__all__ = ["pad_sequences"]
