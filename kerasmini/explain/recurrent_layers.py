"""Shapes in words for SimpleRNN, LSTM and GRU: what the loop over steps keeps, and where
the parameters come from (one block of weights per gate). Shapes come from the layer's
own compute_output_shape (explain_other)."""
from kerasmini.explain.derivations import explain_other
from kerasmini.explain.explanation import shape_as_tuple
from kerasmini.layers.rnn.rnn import BuiltinRNN

GATES = {"SimpleRNN": "1 block (no gates)", "GRU": "3 blocks (update, reset, candidate)",
         "LSTM": "4 blocks (input, forget, cell, output gates)"}


def explain_recurrent(layer, input_shape):
    explanation = explain_other(layer, input_shape)
    if explanation.problem or len(input_shape) != 3:
        return explanation
    cell, name = layer.cell, type(layer).__name__
    steps, features, units, gates = input_shape[1], input_shape[2], cell.units, cell.gates
    explanation.title = f"{name}(units={units}, return_sequences={layer.return_sequences})"
    kept = (f"every step's output: ({steps} steps, {units})" if layer.return_sequences
            else f"the last step's output only: ({units},)")
    lines = [f"the {steps} steps of {features} features are read one after the other"
             f"{' (last first)' if layer.go_backwards else ''}; each step mixes its "
             f"features with the previous output through {GATES[name]} of {units} units",
             f"kept: {kept}" + (", then the final states" if layer.return_state else "")]
    if features is None:
        explanation.params = None
    else:
        biases = gates * units * (2 if getattr(cell, "reset_after", False) else 1) \
            if cell.use_bias else 0
        params = gates * units * (features + units) + biases
        lines.append(f"parameters: {gates} * {units} * ({features} features + {units} units)"
                     f"{f' + {biases} biases' if biases else ''} = {params} (kernel "
                     f"{shape_as_tuple((features, gates * units))}, recurrent_kernel "
                     f"{shape_as_tuple((units, gates * units))})")
        explanation.params = params
    explanation.lines[:-1] = lines
    explanation.summary = f"{steps} steps -> {kept.split(': ')[1]}"
    return explanation


EXPLAINERS = ((BuiltinRNN, explain_recurrent),)
