"""Layer arguments that name an activation, initializer, regularizer or constraint.

Conv, Dense and BatchNormalization each take several of these (kernel_initializer,
bias_regularizer, gamma_constraint, ...). The argument's name says which registry
resolves it, so one pair of functions turns them into objects (`resolve`) and back
into config values (`serialize`).
"""
from kerasmini import activations, constraints, initializers, regularizers

_REGISTRIES = (("activation", activations), ("initializer", initializers),
               ("regularizer", regularizers), ("constraint", constraints))


def _registry(argument_name):
    for suffix, registry in _REGISTRIES:
        if argument_name.endswith(suffix):
            return registry
    raise KeyError(argument_name)


def resolve(**arguments):
    """{'kernel_initializer': 'glorot_uniform', ...} -> {'kernel_initializer': GlorotUniform()}"""
    return {name: _registry(name).get(value) for name, value in arguments.items()}


def serialize(layer, *names):
    """The config values of the named attributes of `layer`, in the order given."""
    return {name: _registry(name).serialize(getattr(layer, name)) for name in names}
