"""Bidirectional: a recurrent layer run forwards and a copy run backwards, merged."""
import numpy as np

from kerasmini.layers.layer import Layer

MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _copy(layer, name, **changes):
    """A new layer of `layer`'s class and config (fresh weights), renamed."""
    from kerasmini.models.layer_configs import deserialize_layer, serialize_layer  # lazy
    config = serialize_layer(layer)
    config["config"].update(name=name, **changes)
    return deserialize_layer(config)


def _strip(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """`layer` (an RNN) on the sequence as it is, and on it reversed (`go_backwards`),
    outputs merged by `merge_mode`: 'concat' (last axis), 'sum', 'mul', 'ave', or None
    (the list [forward, backward]). With return_sequences the backward outputs are put
    back in time order before merging. Weights: the forward layer's, then the backward
    layer's (each a copy of `layer`'s config, named forward_<name> / backward_<name>,
    unless `backward_layer` is given).
    """

    supports_masking = True

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None,
                 **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `keras.layers.Layer` "
                             f"instance. Received: {backward_layer}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode "
                             'should be one of {"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        self.forward_layer = _copy(layer, "forward_" + _strip(layer.name, "forward_"))
        self.backward_layer = backward_layer or _copy(
            layer, "backward_" + _strip(layer.name, "backward_"), go_backwards=True)
        self._check_pair()
        for sublayer in (self.forward_layer, self.backward_layer):  # as Keras forces it
            sublayer.zero_output_for_mask = sublayer.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        self.input_spec = layer.input_spec
        self._initial_weights = weights

    def _check_pair(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError("Forward layer and backward layer should have different "
                             "`go_backwards` value. Received: forward_layer.go_backwards "
                             f"{forward.go_backwards}, backward_layer.go_backwards="
                             f"{backward.go_backwards}")
        for attribute in ("stateful", "return_sequences", "return_state"):
            f, b = getattr(forward, attribute), getattr(backward, attribute)
            if f != b:
                raise ValueError("Forward layer and backward layer are expected to have "
                                 f'the same value for attribute "{attribute}", got "{f}" '
                                 f'for forward layer and "{b}" for backward layer')

    def build(self, sequences_shape, initial_state_shape=None):
        for sublayer in (self.forward_layer, self.backward_layer):
            if not sublayer.built:
                sublayer._build_or_undo(sequences_shape)
        self.built = True
        if self._initial_weights:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
        if self.merge_mode == "concat":
            shape = (*shape[:-1], shape[-1] * 2)
        outputs = [shape, shape] if self.merge_mode is None else [shape]
        if self.return_state or self.merge_mode is None:
            return outputs + states + states
        return shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        output_masks = [output_mask] * (2 if self.merge_mode is None else 1)
        states = len(self.forward_layer.state_shapes(None)) if self.return_state else 0
        if self.return_state or self.merge_mode is None:
            return output_masks + [None] * (2 * states)
        return output_mask

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, mask=mask,
                               training=training)
        y_reversed = self.backward_layer(sequences, initial_state=backward_state, mask=mask,
                                         training=training)
        states = []
        if self.return_state:
            states = [*y[1:], *y_reversed[1:]]
            y, y_reversed = y[0], y_reversed[0]
        if self.return_sequences:
            y_reversed = y_reversed[:, ::-1]  # back in time order
        output = self._merge(y, y_reversed)
        outputs = output if self.merge_mode is None else [output]
        return outputs + states if self.return_state or self.merge_mode is None else output

    def _merge(self, y, y_reversed):
        if self.merge_mode == "concat":
            return np.concatenate([y, y_reversed], axis=-1)
        if self.merge_mode == "sum":
            return y + y_reversed
        if self.merge_mode == "ave":
            return (y + y_reversed) / np.asarray(2, y.dtype)
        if self.merge_mode == "mul":
            return y * y_reversed
        return [y, y_reversed]

    def get_config(self):
        from kerasmini.models.layer_configs import serialize_sublayer  # lazy: models import layers
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize_sublayer(self.forward_layer),
                "backward_layer": serialize_sublayer(self.backward_layer)}

    @classmethod
    def from_config(cls, config):
        from kerasmini.models.layer_configs import deserialize_layer
        config = dict(config)
        config["layer"] = deserialize_layer(config["layer"])
        if config.get("backward_layer") is not None:
            config["backward_layer"] = deserialize_layer(config["backward_layer"])
        return cls(**config)
