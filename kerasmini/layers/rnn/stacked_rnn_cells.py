"""StackedRNNCells: several recurrent cells run as one, each step's output feeding the
next cell (what `RNN([cell_1, cell_2, ...])` builds)."""
import inspect

from kerasmini.layers.layer import Layer


def _as_list(size):
    return list(size) if isinstance(size, (list, tuple)) else [size]


def output_size_of(cell):
    """A cell's output width: `output_size`, else its first state's size."""
    return getattr(cell, "output_size", None) or _as_list(cell.state_size)[0]


class StackedRNNCells(Layer):
    """`cells` in order: at each step cell 1 reads the input, cell k the output of cell
    k - 1; the stack's output is the last cell's. `state_size` is the list of the cells'
    own (a cell with one state keeps its int: [[units, units], units] for an LSTMCell
    and a GRUCell). The RNN running a stack holds the states as one flat list and hands
    back each cell's states as a list (`return_state`), as Keras does.

    Dropout, as each cell alone under RNN: while training, one input mask and one
    recurrent mask per cell and sequence (`sequence_step` draws them).
    """

    def __init__(self, cells, **kwargs):
        for cell in cells:
            if "call" not in dir(cell):
                raise ValueError("All cells must have a `call` method. Received cell "
                                 f"without a `call` method: {cell}")
            if "state_size" not in dir(cell):
                raise ValueError("All cells must have a `state_size` attribute. Received "
                                 f"cell without a `state_size`: {cell}")
        super().__init__(**kwargs)
        self.cells = list(cells)

    @property
    def state_size(self):
        # kerasmini's SimpleRNNCell and GRUCell list their one state ([units]) where
        # Keras's give the int: the stack says what Keras's says
        return [c.state_size[0] if hasattr(c, "project") and len(c.state_size) == 1
                else c.state_size for c in self.cells]

    @property
    def output_size(self):
        return output_size_of(self.cells[-1])

    def build(self, input_shape):
        batch, features = input_shape[0], input_shape[-1]
        for cell in self.cells:
            if not cell.built:
                cell._build_or_undo((batch, features))
            features = output_size_of(cell)
        self.built = True

    def group_states(self, flat):
        """The flat state list as one list per cell."""
        grouped, start = [], 0
        for cell in self.cells:
            count = len(_as_list(cell.state_size))
            grouped.append(list(flat[start:start + count]))
            start += count
        return grouped

    def sequence_step(self, batch, training):
        """step(inputs_t, flat_states) -> (output_t, flat new states) for one sequence."""
        steps = [_cell_step(cell, batch, training) for cell in self.cells]

        def step(inputs, states):
            new_states = []
            for run, cell_states in zip(steps, self.group_states(states)):
                inputs, cell_states = run(inputs, cell_states)
                new_states += cell_states
            return inputs, new_states
        return step

    def call(self, inputs, states, training=False):
        """One step, Keras's cell API: states as the stack's `state_size` nests them."""
        flat = [s for cell_states, size in zip(states, self.state_size)
                for s in (cell_states if isinstance(size, (list, tuple)) else
                          _as_list(cell_states))]
        output, flat = self.sequence_step(inputs.shape[0], training)(inputs, flat)
        return output, [s if isinstance(size, (list, tuple)) else s[0]
                        for s, size in zip(self.group_states(flat), self.state_size)]

    def get_config(self):
        from kerasmini.models.layer_configs import serialize_sublayer  # models import layers
        return {**super().get_config(),
                "cells": [serialize_sublayer(cell) for cell in self.cells]}

    @classmethod
    def from_config(cls, config):
        from kerasmini.models.layer_configs import deserialize_layer
        config = dict(config)
        return cls([deserialize_layer(c) for c in config.pop("cells")], **config)


def _cell_step(cell, batch, training):
    """One cell's step(inputs_t, its states) for a whole sequence: a kerasmini cell with
    its dropout masks drawn once; another cell through its `call`."""
    if hasattr(cell, "project"):
        input_mask, recurrent_mask = cell.dropout_masks(batch, cell.kernel.shape[0],
                                                        training)

        def run(inputs, states):
            if input_mask is not None:
                inputs = inputs * input_mask
            return cell.step(cell.project(inputs), states, recurrent_mask)
        return run

    def run_call(inputs, states):
        takes_training = "training" in inspect.signature(cell.call).parameters
        kwargs = {"training": training} if takes_training else {}
        output, new_states = cell.call(inputs, states, **kwargs)
        return output, _as_list(new_states)
    return run_call

