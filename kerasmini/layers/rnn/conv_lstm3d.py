"""ConvLSTM3D: a ConvLSTM over sequences of 3D inputs (rnn/conv_lstm.py has the math)."""
from kerasmini.layers.rnn.conv_lstm import ConvLSTM


class ConvLSTM3D(ConvLSTM):
    """(batch, steps, *spatial, channels) -> (batch, *spatial', filters), or (batch, steps,
    *spatial', filters) with return_sequences (channels_first: channels before the
    3 spatial axes). Keras 3's arguments and defaults; see ConvLSTM."""

    rank = 3
