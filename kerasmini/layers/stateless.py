"""Layer.stateless_call: the layer's call with the variables' values given as arguments
(Keras 3's functional style), the new non-trainable values returned, and the layer's
own variables left as they were.

Keras runs the call in a StatelessScope that maps each variable to the value given and
collects assignments; kerasmini's variables hold NumPy arrays, so the same is done by
swapping the arrays in for the call and back afterwards (also when the call raises)."""
import numpy as np


def stateless_call(layer, trainable_variables, non_trainable_variables, *args,
                   return_losses=False, **kwargs):
    if not layer.built:
        raise ValueError(f"To call stateless_call, {type(layer).__name__} must be built "
                         "(i.e. its variables must have been already created). You can "
                         "build it by calling it on some data.")
    variables = list(layer.trainable_variables) + list(layer.non_trainable_variables)
    values = (_values(layer, trainable_variables, "trainable_variables")
              + _values(layer, non_trainable_variables, "non_trainable_variables"))
    kept = [v._value for v in variables]
    try:
        for variable, value in zip(variables, values):
            variable._value = value
        outputs = layer.call(*args, **kwargs)
        losses = list(layer.losses) if return_losses else None
        updated = [v._value for v in layer.non_trainable_variables]
    finally:
        for variable, value in zip(variables, kept):
            variable._value = value
    return (outputs, updated, losses) if return_losses else (outputs, updated)


def _values(layer, given, argument):
    """The given values as arrays of their variables' shapes and dtypes, all checked
    before any is swapped in."""
    expected = list(getattr(layer, argument))
    given = list(given)
    if len(given) != len(expected):
        raise ValueError(f"Argument `{argument}` must be a list of tensors corresponding "
                         f"1:1 to {type(layer).__name__}().{argument}. Received list with "
                         f"length {len(given)}, but expected {len(expected)} variables.")
    arrays = []
    for variable, value in zip(expected, given):
        array = np.asarray(value)
        if array.shape != variable.shape:
            raise ValueError(f"Argument `{argument}`: the value for {variable.path} has "
                             f"shape {array.shape}, expected {variable.shape}.")
        arrays.append(array.astype(variable.dtype, copy=True))
    return arrays
