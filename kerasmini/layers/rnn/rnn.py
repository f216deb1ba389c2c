"""RNN: a cell run over the time steps of a sequence (SimpleRNN, LSTM, GRU build on it).

`RNN(cell)` takes any cell: a kerasmini cell (SimpleRNNCell, LSTMCell, GRUCell), whose
input projection for all steps is one matrix product up front (ops/recurrence.py), or
your own Layer with `state_size` and `call(inputs, states) -> (output, new_states)`,
called once per step; or a list of cells (a StackedRNNCells, each step through every
cell in turn). The loop, masks, go_backwards, return_sequences and return_state are the
same for all.
"""
import inspect

import numpy as np

from kerasmini.autodiff.traced import plain
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer
from kerasmini.layers.rnn.stacked_rnn_cells import StackedRNNCells
from kerasmini.ops.recurrence import recurrence
from kerasmini import regularizers
from kerasmini.variables import Variable


class RNN(Layer):
    """Runs `cell` over axis 1 of (batch, steps, features).

    Args:
        cell: the step (see the module docstring).
        return_sequences: output every step's output, (batch, steps, units), rather
            than the last one, (batch, units).
        return_state: output [output, *final states].
        go_backwards: run the steps last to first (the output sequence in that order).
        stateful: keep each call's final states (`layer.states`) as the next call's
            initial ones, for a batch size fixed at build (an Input's batch_size, or the
            first input's); `reset_states()` zeros them.
        unroll: accepted, as in Keras; the values are the same either way.
        zero_output_for_mask: a masked step outputs zeros, not the previous output.

    Call: `layer(sequences, initial_state=None, mask=None, training=None)`; a masked
    step (mask False) keeps the states unchanged (see ops/recurrence.py).
    """

    supports_masking = True
    cell_class = None  # SimpleRNN, LSTM, GRU: the cell their arguments make

    def __init__(self, cell, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False,
                 zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not (hasattr(cell, "call") and hasattr(cell, "state_size")):
            raise ValueError("Argument `cell` should have a `call` method and a "
                             f"`state_size` attribute. Received: cell={cell}")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.stateful = bool(go_backwards), bool(stateful)
        self.states = None  # stateful: the states the next call starts from
        self.unroll, self.zero_output_for_mask = bool(unroll), bool(zero_output_for_mask)
        self.input_spec = InputSpec(ndim=3)

    @property
    def state_size(self):
        """The size of each state, one flat list (a stack's cells' states in order)."""
        size = self.cell.state_size
        if not isinstance(size, (list, tuple)):
            return [size]
        return [n for entry in size
                for n in (entry if isinstance(entry, (list, tuple)) else [entry])]

    def _nested(self, states):
        """Final states as return_state gives them: a stack's as one list per cell."""
        if isinstance(self.cell, StackedRNNCells):
            return self.cell.group_states(states)
        return list(states)

    def state_shapes(self, batch):
        """The shape of each state (flat, in order) for a batch of `batch` sequences."""
        return [(batch, n) for n in self.state_size]

    @property
    def output_size(self):
        return getattr(self.cell, "output_size", None) or self.state_size[0]

    def build(self, sequences_shape, initial_state_shape=None):
        if self.unroll and sequences_shape[1] is None:
            raise ValueError("Cannot unroll a RNN if the time dimension is undefined. "
                             "- If using a Sequential model, specify the time dimension by "
                             "passing an `input_shape` or `batch_input_shape` argument to "
                             f"your first layer. Received: input_shape={sequences_shape}")
        if not self.cell.built:
            self.cell._build_or_undo((sequences_shape[0], *sequences_shape[2:]))
        if self.stateful:
            self._create_states(sequences_shape[0])
        self.built = True

    # ----- stateful=True: the final states of a call are the next call's initial ones --
    def _create_states(self, batch):
        """Zero states for a fixed batch size (as Keras: variables of this layer that are
        not weights, so neither saved nor trained)."""
        if self.states is not None:
            self.reset_states()
            return
        if batch is None:
            raise ValueError("When using `stateful=True` in a RNN, the batch size must be "
                             f"static. Found dynamic batch size: sequence.shape=(None, ...)")
        self.states = [Variable(np.zeros(shape, self.compute_dtype), name="rnn_state",
                                trainable=False) for shape in self.state_shapes(batch)]

    def reset_states(self):
        """Zero the kept states (stateful=True); nothing otherwise."""
        for state in self.states or ():
            state.assign(np.zeros(state.shape, state.dtype))

    reset_state = reset_states

    def _check_stateful_batch(self, batch):
        expected = self.states[0].shape[0]
        if batch != expected:
            raise ValueError("If an RNN is stateful, the batch size of the input sequences "
                             "must be the same as the batch size of the initial state. \n"
                             f"- Expected batch size: {expected}\n"
                             f"- Received batch size: {batch}")

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        output = ((batch, steps, self.output_size) if self.return_sequences
                  else (batch, self.output_size))
        if self.return_state:
            return [output] + self._nested(self.state_shapes(batch))
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + self._nested([None] * len(self.state_size))
        return output_mask

    def call(self, sequences, initial_state=None, mask=None, training=False):
        batch, steps = sequences.shape[:2]
        if self.stateful:
            self._check_stateful_batch(batch)
            if initial_state is None:
                initial_state = [state.numpy() for state in self.states]
        states = self._initial_states(initial_state, batch)
        if mask is not None:
            mask = self._mask(mask, batch, steps)
        inputs, step = self._steps(sequences, training)
        last, sequence, states = recurrence(
            step, inputs, states, mask, self.go_backwards, self.zero_output_for_mask,
            self.return_sequences)
        if self.stateful:  # kept as values: the next call does not backpropagate into it
            for kept, state in zip(self.states, states):
                kept.assign(plain(state))
        output = sequence if self.return_sequences else last
        return [output, *self._nested(states)] if self.return_state else output

    def _steps(self, sequences, training):
        """(what the loop reads at each step, step(inputs_t, states))."""
        cell = self.cell
        if isinstance(cell, StackedRNNCells):
            return sequences, cell.sequence_step(sequences.shape[0], training)
        if hasattr(cell, "project"):  # a kerasmini cell: all input products at once
            input_mask, recurrent_mask = cell.dropout_masks(
                sequences.shape[0], sequences.shape[-1], training)
            if input_mask is not None:  # the same mask at every step, as Keras
                sequences = sequences * input_mask[:, None, :]
            return cell.project(sequences), (
                lambda projected, states: cell.step(projected, states, recurrent_mask))
        takes_training = "training" in inspect.signature(cell.call).parameters

        def user_step(inputs, states):
            kwargs = {"training": training} if takes_training else {}
            output, new_states = cell.call(inputs, states, **kwargs)
            return output, (list(new_states) if isinstance(new_states, (list, tuple))
                            else [new_states])
        return sequences, user_step

    def _initial_states(self, initial_state, batch):
        if initial_state is None:
            return [np.zeros(shape, self.compute_dtype) for shape in self.state_shapes(batch)]
        given = [s for entry in (initial_state if isinstance(initial_state, (list, tuple))
                                 else [initial_state])
                 for s in (entry if isinstance(entry, (list, tuple)) else [entry])]
        shapes = self.state_shapes(batch)
        states = [np.asanyarray(s).astype(self.compute_dtype, copy=False) for s in given]
        if [s.shape for s in states] != shapes:
            raise ValueError(f"Layer '{self.name}': an `initial_state` was passed that is "
                             f"not compatible with `cell.state_size`: expected "
                             f"{len(shapes)} state(s) of shapes {shapes}. Received: "
                             f"initial_state with shapes {[s.shape for s in states]}")
        return states

    def _mask(self, mask, batch, steps):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        mask = np.asarray(mask).astype(bool, copy=False)
        if mask.shape != (batch, steps):
            raise ValueError(f"Layer '{self.name}': the mask must have shape (batch, "
                             f"steps) = {(batch, steps)}. Received: mask.shape={mask.shape}")
        return mask

    # ----- config ------------------------------------------------------------------
    def _base_config(self):
        return {**super().get_config(), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask}

    def get_config(self):
        from kerasmini.models.layer_configs import serialize_sublayer  # lazy: models import layers
        return {**self._base_config(), "cell": serialize_sublayer(self.cell)}

    @classmethod
    def from_config(cls, config):
        from kerasmini.models.layer_configs import deserialize_layer
        config = dict(config)
        config["cell"] = deserialize_layer(config["cell"])
        return cls(**config)


class CellAttributes:
    """A layer made of one cell (LSTM, ConvLSTM2D, ...) answers for the cell's
    attributes (lstm.units, conv_lstm.filters), as Keras's properties do."""

    def __getattr__(self, name):
        cell = self.__dict__.get("cell")
        if cell is None or name.startswith("_"):
            raise AttributeError(name)
        return getattr(cell, name)


class BuiltinRNN(CellAttributes, RNN):
    """SimpleRNN, LSTM and GRU: their cell (`cell_class`) made from their arguments,
    which are the cell's (units, activation, initializers, dropout, ...) and RNN's."""

    cell_name = None
    config_leaves_out = ()  # cell config entries the layer's config does not have

    def __init__(self, units, activity_regularizer=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 **kwargs):
        parameters = {name for cls in self.cell_class.__mro__ if "__init__" in vars(cls)
                      and cls.__module__.startswith("kerasmini.layers.rnn")
                      for name in inspect.signature(cls.__init__).parameters}
        cell_arguments = {k: kwargs.pop(k) for k in list(kwargs)
                          if k in parameters - {"self", "kwargs"} or k == "implementation"}
        cell = self.cell_class(units, dtype=kwargs.get("dtype"),
                               trainable=kwargs.get("trainable", True), name=self.cell_name,
                               **cell_arguments)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)

    def get_config(self):
        cell = self.cell.get_config()
        for key in ("name", "trainable", "dtype", *self.config_leaves_out):
            cell.pop(key, None)
        config = {**self._base_config(), **cell}
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def forwarded(arguments):
    """A constructor's `locals()` as keyword arguments for BuiltinRNN: SimpleRNN, LSTM
    and GRU spell out Keras's signature (so positional calls bind as in Keras) and leave
    the split into cell and layer arguments to BuiltinRNN."""
    arguments = {k: v for k, v in arguments.items() if k not in ("self", "__class__")}
    kwargs = arguments.pop("kwargs")
    return {**arguments, **kwargs}


def cudnn_argument(use_cudnn):
    if use_cudnn not in ("auto", True, False):
        raise ValueError("Invalid valid received for argument `use_cudnn`. Expected "
                         f"one of {{'auto', True, False}}. Received: use_cudnn={use_cudnn}")
    return use_cudnn


class CudnnChoice:
    """LSTM's and GRU's use_cudnn (cudnn_argument): True refused when called, as tf.keras
    does on a machine without a GPU ("auto" and False run the same NumPy kernels)."""

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if self.use_cudnn is True:
            raise ValueError("use_cudnn=True was specified, but cuDNN is not supported for "
                             "this layer configuration with this backend. Pass "
                             "use_cudnn='auto' to fallback to a non-cuDNN implementation.")
        return super().call(sequences, initial_state, mask, training)
