"""is_keras_tensor and get_source_inputs: questions about symbolic (Input) tensors."""
from kerasmini.layers.keras_tensor import KerasTensor


def is_keras_tensor(x):
    """Whether `x` is a symbolic tensor (keras.Input and the layers called on it)."""
    return isinstance(x, KerasTensor)


def get_source_inputs(tensor):
    """The Input tensors `tensor` is computed from, in the order first found."""
    if not isinstance(tensor, KerasTensor):
        raise ValueError(f"`tensor` must be a KerasTensor (from keras.Input and layers "
                         f"called on it). Received: {tensor!r}")
    history = tensor._keras_history
    node = None if history is None else history.operation._inbound_nodes[history.node_index]
    if node is None or node.is_input:
        return [tensor]
    found = []
    for parent in node.input_tensors:  # depth first, in input order, as Keras
        for source in get_source_inputs(parent):
            if all(source is not t for t in found):
                found.append(source)
    return found
