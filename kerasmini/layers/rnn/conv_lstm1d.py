"""ConvLSTM1D: a ConvLSTM over sequences of 1D inputs (rnn/conv_lstm.py has the math)."""
from kerasmini.layers.rnn.conv_lstm import ConvLSTM


class ConvLSTM1D(ConvLSTM):
    """(batch, steps, *spatial, channels) -> (batch, *spatial', filters), or (batch, steps,
    *spatial', filters) with return_sequences (channels_first: channels before the
    1 spatial axes). Keras 3's arguments and defaults; see ConvLSTM."""

    rank = 1
