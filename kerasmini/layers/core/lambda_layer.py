"""Lambda: a function as a layer, `layers.Lambda(lambda x: ops.mean(x, axis=1))`.

The call runs the function (with `arguments` as keywords, and `mask` / `training` when
the function takes them, as Keras passes them). Gradients flow through the keras.ops
inside it: the tape records them as it records any layer's; a function computing with
NumPy directly is the tape's clear error naming the layer, never a wrong gradient.

The output shape comes from `output_shape` (a tuple without the batch size, or a
function of the input shape) or, as Keras traces the function, by running it on zeros
of the input shape with each unknown size tried as 2 and 3 (an output size that
follows it is unknown): a function of kerasmini's ops on KerasTensors would record
graph nodes and take names (`mean`, `mean_1`) that Keras's tracing leaves free.

Saving writes what Keras writes: a named function as a function reference (its
registered name, or its own name), a Python lambda as its marshalled bytecode, so
tf.keras loads kerasmini's file with safe_mode=False. Loading the other way finds a
named function only among the registered functions, the load's `custom_objects` and
Keras's built-in activations; bytecode is refused (files are data, never code).
"""
import codecs
import inspect
import marshal
import types

import numpy as np

from kerasmini import tree
from kerasmini.layers.layer import Layer, _zeros_like_shape, state_kept
from kerasmini.layers.operation import PROBE_SIZES


class Lambda(Layer):
    """`function(inputs, **arguments)` as a layer; no weights of its own."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        if not callable(function):
            raise TypeError(f"Argument `function` of Lambda must be callable. "
                            f"Received: function={function!r}")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError("Argument `arguments` of Lambda must be a dict of keyword "
                            f"arguments for the function. Received: arguments={arguments!r}")
        if not (output_shape is None or callable(output_shape)
                or _is_shape_structure(output_shape)):
            raise TypeError("Argument `output_shape` of Lambda must be a shape tuple "
                            "(without the batch size), a list of them, or a function of "
                            f"the input shape. Received: output_shape={output_shape!r}")
        super().__init__(**kwargs)
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None  # as Keras: only with a mask given
        self._output_shape = output_shape if output_shape is None or callable(
            output_shape) else _shapes_as_tuples(output_shape)
        parameters = _argument_names(function)
        self._fn_expects_mask_arg = "mask" in parameters
        self._fn_expects_training_arg = "training" in parameters

    def _convert_input(self, inputs):
        """Float inputs are cast to the layer's dtype; integers and booleans pass as they
        are (Lambda(lambda ids: ops.one_hot(ids, 10)) sees int ids), as in Keras."""
        x = np.asanyarray(inputs)
        return x if x.dtype.kind in "biu" else super()._convert_input(x)

    def _check_shape_and_build(self, shape, dtype=None):
        """An eager call runs the function directly, as Keras's does: no shape is worked
        out first (which would run it twice more, and turn its own error for a bad
        input into "could not infer the output shape")."""
        if not self.built:
            self._build_or_undo(shape)
        self._shape_checked = (shape, self.input_spec)

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)  # a copy: the function may change what it gets
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return self._probed_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch_size = tree.flatten(input_shape)[0]  # the first input's
        return tree.map_shape_structure(lambda shape: (batch_size, *shape),
                                        self._output_shape)

    def _probed_output_shape(self, input_shape):
        """The output shape(s) from calling the function on zeros, each unknown size
        tried as 2 and as 3; a tuple for one output, a list for several."""
        try:
            with state_kept(self), np.errstate(all="ignore"):
                runs = [self.call(_zeros_like_shape(input_shape, size, self.dtype))
                        for size in PROBE_SIZES]
            shapes = [[np.shape(o) for o in (r if isinstance(r, (list, tuple)) else [r])]
                      for r in runs]
        except Exception as error:
            raise NotImplementedError(
                f"Could not infer the output shape of Lambda layer '{self.name}' by "
                f"calling its function on zeros of shape {input_shape}: {error!r}. "
                "Please specify the `output_shape` argument for this Lambda layer.") \
                from error
        merged = [tuple(a if a == b else None for a, b in zip(first, second))
                  for first, second in zip(*shapes)]
        return merged if isinstance(runs[0], (list, tuple)) else merged[0]

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def clone(self):
        """A new Lambda around the same function (clone_model's: in memory, nothing is
        serialized or resolved)."""
        return Lambda(self.function, self._output_shape, self.mask, self.arguments,
                      name=self.name, dtype=self.dtype, trainable=self.trainable,
                      activity_regularizer=self.activity_regularizer)

    # ----- config ------------------------------------------------------------------
    def get_config(self):
        from kerasmini.saving.serialization_lib import serialize_keras_object  # lazy:
        config = {"function": _function_config(self.function)}   # saving imports layers
        if self._output_shape is not None:
            config["output_shape"] = (_function_config(self._output_shape)
                                      if callable(self._output_shape) else self._output_shape)
        if self.mask is not None:
            config["mask"] = (_function_config(self.mask) if callable(self.mask)
                              else serialize_keras_object(self.mask))
        config["arguments"] = serialize_keras_object(self.arguments)
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config):
        """Functions by name only (registered, custom_objects, Keras's built-ins);
        bytecode refused with a ValueError naming the layer, before anything is made."""
        from kerasmini.saving.serialization_lib import deserialize_keras_object  # lazy
        config = dict(config)
        refuse_bytecode(config)
        config["function"] = deserialize_keras_object(config["function"])
        if "output_shape" in config:
            shape = config["output_shape"]
            config["output_shape"] = (deserialize_keras_object(shape)
                                      if isinstance(shape, dict) else shape)
        if isinstance(config.get("mask"), dict):
            config["mask"] = deserialize_keras_object(config["mask"])
        if "arguments" in config:
            config["arguments"] = deserialize_keras_object(config["arguments"])
        return cls(**config)


def refuse_bytecode(config, error=ValueError):
    """Raise `error` naming the layer if a Lambda's config holds a Python lambda as
    bytecode (Keras 3's `{"class_name": "__lambda__", ...}`, or tf.keras 2's
    `function_type: "lambda"`) in its function, output_shape or mask."""
    for key in ("function", "output_shape", "mask"):
        value = config.get(key)
        if (isinstance(value, dict) and value.get("class_name") == "__lambda__"
                or config.get(f"{key}_type") == "lambda"):
            raise error(
                f"The file holds a Lambda layer ('{config.get('name')}') whose `{key}` is "
                "a Python lambda stored as bytecode: kerasmini never runs code from a "
                "file (Keras refuses it too unless safe_mode=False). Save the model with "
                "a named function instead and pass it to load_model(..., custom_objects="
                "{'name': function}) or register it with "
                "@kerasmini.saving.register_keras_serializable(); or build the model in "
                "code and load the file's weights with load_weights().")


def _function_config(function):
    """What Keras writes for a function: a Python lambda's marshalled bytecode (base64,
    with its defaults and closure values), any other function by name."""
    from kerasmini.saving.serialization_lib import serialize_keras_object
    if isinstance(function, types.LambdaType) and function.__name__ == "<lambda>":
        code = codecs.encode(marshal.dumps(function.__code__), "base64").decode("ascii")
        closure = (None if not function.__closure__ else
                   tuple(cell.cell_contents for cell in function.__closure__))
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": function.__defaults__,
                           "closure": closure}}
    return serialize_keras_object(function)


def _argument_names(function):
    """The names `function` takes by position or keyword (Keras's getfullargspec
    `args`); none for a callable whose signature Python cannot read."""
    try:
        return inspect.getfullargspec(function).args
    except TypeError:
        return []


def _shapes_as_tuples(structure):
    """Each shape a tuple, several shapes a list (as kerasmini lists several outputs)."""
    if tree.is_shape_tuple(structure):
        return tuple(structure)
    return [_shapes_as_tuples(shape) for shape in structure]


def _is_shape_structure(value):
    """A shape (tuple or list of ints and Nones) or a list / tuple of them."""
    if tree.is_shape_tuple(value):
        return True
    return isinstance(value, (list, tuple)) and all(_is_shape_structure(v) for v in value)
