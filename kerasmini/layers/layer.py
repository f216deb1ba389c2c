"""Layer: the Keras 3 layer contract on NumPy arrays.

One forward pass: `layer(x)` converts x to an array of the layer's dtype, checks its
rank and channels, works out the output shape (which raises on impossible
configurations before anything changes), builds the weights on the first call, then
hands off to `call()`.
"""
import contextlib
import functools
import inspect
import threading
import warnings
from collections import Counter

import numpy as np

from kerasmini import (activations, autodiff, config, constraints, dtype_policies,
                       initializers, regularizers)
from kerasmini.autodiff.traced import TapeArray
from kerasmini.layers import auto_config, masks
from kerasmini.layers.arguments import shape_tuple
from kerasmini.layers.input_spec import assert_input_compatibility
from kerasmini.layers.keras_tensor import (KerasTensor, flatten, is_symbolic, map_structure,
                                          record_call, symbolic_call)
from kerasmini.layers.tape_covered import is_tape_covered
from kerasmini.object_configs import dtype_policy_name, snake_case
from kerasmini.random.seed_generator import SeedGenerator
from kerasmini.variables import Variable, autocast_dtype, autocast_scope, reserve

_FLOAT_DTYPES = ("float16", "float32", "float64")
_BUILT_IN_ACTIVATIONS = frozenset(activations.ALL_OBJECTS)
# Layer's own bookkeeping attributes, which never hold a layer (_sublayers skips them)
_BOOKKEEPING = frozenset({"_variables", "_activity_losses", "_added_losses",
                          "_inbound_nodes", "_shape_checked", "_build_shape",
                          "_layer_holders"})
_NO_SCOPE = contextlib.nullcontext()  # reusable: a layer whose dtypes agree
_name_counts = Counter()
_build_lock = threading.RLock()  # re-entrant: a model's build builds its layers

# Keras's variable paths: a variable is named by the layers being built (or called)
# around its creation, outermost first ('sequential/lstm/lstm_cell/kernel'): a layer
# built inside another's build or call gets that layer's name in front. The stack of
# (name, layer) is per thread; a layer on top already is not pushed again.
_scopes = threading.local()


def _scope_stack():
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = []
    return stack


@contextlib.contextmanager
def name_scope(layer):
    """`layer`'s name around what runs inside (its build, its call)."""
    stack = _scope_stack()
    if stack and stack[-1][1] is layer:
        yield
        return
    stack.append((layer.name, layer))
    try:
        yield
    finally:
        stack.pop()


def variable_path(layer, name):
    """The path Keras gives `layer`'s variable `name`: the open scopes, the layer's own."""
    stack = _scope_stack()
    names = [scope for scope, _ in stack]
    if not stack or stack[-1][1] is not layer:
        names.append(layer.name)
    return "/".join(names + [name])


def _scoped_build(build):
    """A class's build() run inside its layer's name scope, and the layer built after it,
    as Keras wraps build: `layer.build(shape)` called directly, then `layer.set_weights`,
    must not be undone by the first call building again (new random weights)."""
    @functools.wraps(build)
    def scoped(self, *args, **kwargs):
        with name_scope(self):
            result = build(self, *args, **kwargs)
        self.built = True
        return result
    scoped.scoped = True
    return scoped


@contextlib.contextmanager
def undone_on_error(objects):
    """If the block raises, restore every attribute of `objects` as it was. Shallow
    copies suffice because building replaces lists (weights, nodes), never mutates."""
    saved = [(obj, dict(obj.__dict__)) for obj in objects]
    try:
        yield
    except BaseException:
        for obj, attributes in saved:
            obj.__dict__.clear()
            obj.__dict__.update(attributes)
        raise


@contextlib.contextmanager
def state_kept(layer):
    """Within this block, calls of `layer` that Keras does not make (shape probes, fit's
    input check) may change its non-trainable variables (a SeedGenerator's state, a
    user's counting weight): they are put back after it."""
    state = [(v, v.numpy()) for v in layer.variables if not v.trainable]
    try:
        yield
    finally:
        for variable, value in state:
            variable.assign(value)


def _known_sizes(shape_1, shape_2):
    """The sizes that stay when the unknown input sizes go from 1 to 2; None the others."""
    return tuple(a if a == b else None for a, b in zip(shape_1, shape_2))


def _probe_zeros(unknown_size):
    """A function turning a KerasTensor into zeros of its shape and dtype (unknown sizes
    as unknown_size); anything else is passed as it is."""
    def zeros(value):
        if not isinstance(value, KerasTensor):
            return value
        return np.zeros([unknown_size if d is None else d for d in value.shape], value.dtype)
    return zeros


def _zeros_like_shape(shape, unknown_size, dtype):
    """Zeros of `shape` (a list of shapes: a list of arrays), None sizes as unknown_size."""
    if shape and all(isinstance(s, (list, tuple)) for s in shape):
        return [_zeros_like_shape(s, unknown_size, dtype) for s in shape]
    return np.zeros([unknown_size if d is None else d for d in shape], dtype)


def unique_name(base):
    """'conv2d', then 'conv2d_1', 'conv2d_2', ... for each base name (skipping the names a
    model being loaded has reserved)."""
    while True:
        count = _name_counts[base]
        _name_counts[base] += 1
        name = base if count == 0 else f"{base}_{count}"
        if name not in _reserved.names:
            return name


class _Reserved(threading.local):
    names = frozenset()


_reserved = _Reserved()


@contextlib.contextmanager
def names_reserved(names):
    """While a model config is rebuilt, no layer or operation made along the way takes one
    of its layers' names: replaying Embedding(mask_zero=True) makes a NotEqual for the
    mask the layers after it read implicitly (a merge, MultiHeadAttention), which would
    otherwise be named 'not_equal' like the file's own NotEqual."""
    saved = _reserved.names
    _reserved.names = saved | frozenset(names)
    try:
        yield
    finally:
        _reserved.names = saved


def standardize_dtype(dtype):
    """A float dtype name (an Input's, a preprocessing layer's output); None means
    `config.floatx()`; Keras's policy dict accepted, and so are NumPy types and dtypes
    (np.float32) and Python's float (floatx, as in Keras)."""
    if isinstance(dtype, dict):  # {'class_name': 'DTypePolicy', 'config': {'name': ...}}
        dtype = dtype_policy_name(dtype, "a layer")
    if dtype is None or dtype is float:
        return config.floatx()
    name = getattr(dtype, "name", None) if not isinstance(dtype, type) else None
    try:
        name = np.dtype(name or dtype).name
    except TypeError:
        name = str(dtype)
    if name not in _FLOAT_DTYPES:
        raise ValueError(f"Invalid `dtype` for a layer: expected one of {_FLOAT_DTYPES}. "
                         f"Received: dtype={dtype}")
    return name


def _named_policy(dtype):
    try:
        return dtype_policies.get(dtype)
    except ValueError as error:  # Keras's words, and the argument and value received
        if "Received:" in str(error):
            raise
        raise ValueError(f"{error} Received: dtype={dtype}") from None


def layer_policy(dtype):
    """The DTypePolicy a layer's `dtype=` names (None: the global policy), whose compute
    dtype must be a float kerasmini computes in."""
    policy = _named_policy(dtype)
    if policy.compute_dtype not in _FLOAT_DTYPES:
        raise ValueError(f"Invalid `dtype` for a layer: expected one of {_FLOAT_DTYPES}. "
                         f"Received: dtype={dtype}")
    return policy


class Layer:
    """Base class: naming, dtype, weights, build-on-first-call, input checks, config."""

    # Masks (Keras's convention: a boolean (batch, steps) array, True = a step to use).
    # A layer with `supports_masking` hands on compute_mask(inputs, mask) (by default
    # the mask it received) with its output; one whose call() takes `mask` receives it.
    # Any other layer drops a mask (with Keras's warning when a graph is built), except
    # those whose Keras class reads the mask and kerasmini's does not yet
    # (`mask_not_implemented`): they raise rather than compute something else in silence.
    supports_masking = False
    mask_not_implemented = False
    # Keras's call() takes `mask` though kerasmini's does not (BatchNormalization): a
    # graph's config then records `mask: None` for a call on one tensor, as Keras does
    keras_call_takes_mask = False
    _builds_by_running = True  # a model's layers are built by its first call instead
    # Keras's class reads its inputs' masks from the tensors, not from a `mask` argument
    # of its node (the merges): a graph keeps that argument implicit (keras_tensor.py)
    masks_from_inputs = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "scoped", False):
            cls.build = _scoped_build(build)

    def __new__(cls, *args, **kwargs):
        layer = super().__new__(cls)
        # for get_config() of a user's class that defines none (auto_config.py)
        layer._auto_config = auto_config.constructor_arguments(cls, args, kwargs)
        return layer

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None,
                 autocast=True, name=None, **kwargs):
        input_shape = _pop_input_shape(kwargs)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to "
                             f"{type(self).__name__}: {kwargs}")
        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError("Argument `name` must be a string and cannot contain "
                             f"character `/`. Received: name={name} (of type {type(name)})")
        self._dtype_policy = layer_policy(dtype)
        self.autocast = bool(autocast)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.name = name or unique_name(snake_case(type(self).__name__))
        # not through the setter: a model's constructor leaves its layers' own flags
        # (Dense(7, trainable=False) in a Sequential), as Keras's does
        self._trainable = bool(trainable)
        self.built = False
        self.input_spec = None
        self._input_shape_arg = input_shape
        if type(self).compute_mask is not Layer.compute_mask:  # as Keras infers it
            self.supports_masking = True
        self._variables = []
        self._activity_losses = []
        self._added_losses = []

    # ----- trainable -----------------------------------------------------------------
    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Set on this layer and every layer inside it, as Keras 3 does: a frozen base
        model's BatchNormalization then runs in inference mode even under fit."""
        self._trainable = bool(value)
        for layer in self._children():
            layer.trainable = value

    def _children(self):
        return self._sublayers()

    # ----- dtype -------------------------------------------------------------------
    # A DTypePolicy: float32 computes and stores in float32; mixed_float16 stores its
    # weights in float32 (`variable_dtype`) and computes in float16 (`compute_dtype`).
    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        self._dtype_policy = layer_policy(value)

    @property
    def dtype(self):
        """The dtype of the weights, as Keras's `layer.dtype` (alias of variable_dtype)."""
        return self._dtype_policy.variable_dtype

    @property
    def variable_dtype(self):
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self):
        """The dtype inputs are cast to and the computation runs in."""
        return self._dtype_policy.compute_dtype

    input_dtype = compute_dtype

    def _autocast_scope(self):
        """The autocast_scope call() runs in, by Keras's AutocastScope rules: none when
        the layer's dtypes agree and no outer layer casts; else its compute dtype, or
        weights as stored (None) inside an outer cast when its `autocast` is off."""
        outer = autocast_dtype()
        if outer is None and not self._dtype_policy._mixed:
            return _NO_SCOPE
        if outer is not None and not self.autocast:
            return autocast_scope(None)
        return autocast_scope(self._dtype_policy.compute_dtype)

    # ----- weights -----------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, name=None, trainable=True,
                   regularizer=None, constraint=None, dtype=None, autocast=True,
                   aggregation="none", overwrite_with_gradient=False):
        """A weight, as Keras's add_weight takes it by keyword (initializer, regularizer
        and constraint by name or object; glorot_uniform for floats by default).
        kerasmini's own layers pass (shape, initializer, name) by position.
        `autocast=False`: read in its own dtype even in a mixed layer's call."""
        for argument, value, default in (("aggregation", aggregation, "none"),
                                         ("overwrite_with_gradient",
                                          overwrite_with_gradient, False)):
            if value != default and not (argument == "aggregation" and value is None):
                raise NotImplementedError(f"add_weight({argument}={value!r}) is not "
                                          "supported by kerasmini.")
        dtype = dtype or self.variable_dtype  # e.g. Normalization's int64 sample count
        shape = () if shape is None else shape
        if initializer is None:
            initializer = "glorot_uniform" if "float" in str(dtype) else "zeros"
        initializer = initializers.get(initializer)
        regularizer = regularizers.get(regularizer)
        constraint = constraints.get(constraint)
        if name is None:  # Keras numbers unnamed variables; paths here must be unique
            taken, name, index = {v.name for v in self._variables}, "variable", 0
            while name in taken:
                index += 1
                name = f"variable_{index}"
        reserve(shape, dtype, f"{self.name}/{name}")
        value = initializer(tuple(shape), dtype=dtype)
        variable = Variable(value, name=name, dtype=dtype, trainable=trainable,
                            autocast=autocast, path=variable_path(self, name),
                            constraint=constraint)
        variable.regularizer = regularizer
        self._variables = self._variables + [variable]  # new list: build can be undone
        return variable

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        own = [v for v in self._variables if v.trainable]
        sublayers = self._sublayers()
        if not sublayers:
            return own
        return _unique(own + [w for layer in sublayers for w in layer.trainable_weights])

    @property
    def non_trainable_weights(self):
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    @property
    def weights(self):
        """The layer's own weights (trainable, then not), then each sublayer's, as Keras
        lists them."""
        own = ([v for v in self._variables if v.trainable]
               + [v for v in self._variables if not v.trainable])
        return _unique(own + [w for layer in self._sublayers() for w in layer.weights])

    def _sublayers(self):
        """The layers this one holds in its attributes (alone, or in a list, tuple or
        dict), in the order they were assigned: Keras tracks them the same way, so a
        layer or model made of layers owns their weights and losses. Only attributes
        that ever held a layer or a container are looked at (__setattr__ lists them):
        a training step asks ~20 times, and a Conv2D has ~30 attributes."""
        found = []
        attributes = vars(self)
        for name in attributes.get("_layer_holders", ()):
            value = attributes.get(name)
            if isinstance(value, Layer):
                found.append(value)
            elif isinstance(value, (list, tuple, dict)) and value:
                for item in value.values() if isinstance(value, dict) else value:
                    if isinstance(item, Layer):
                        found.append(item)
        if self in found:
            found = [layer for layer in found if layer is not self]
        return _unique(found) if len(found) > 1 else found

    def __setattr__(self, name, value):
        if isinstance(value, (Layer, list, tuple, dict)) and name not in _BOOKKEEPING:
            holders = self.__dict__.get("_layer_holders", ())
            if name not in holders:  # a new tuple each time: undone_on_error restores it
                if name in self.__dict__:  # held something else before: vars' order
                    holders = tuple(n for n in self.__dict__ if n in holders or n == name)
                else:
                    holders = (*holders, name)
                object.__setattr__(self, "_layer_holders", holders)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        object.__delattr__(self, name)
        holders = self.__dict__.get("_layer_holders", ())
        if name in holders:  # set again later, it comes last in vars' order too
            object.__setattr__(self, "_layer_holders", tuple(n for n in holders if n != name))

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def variables(self):
        """All of the layer's state, as Keras lists it: its own weights, the states of
        the SeedGenerators it holds (not weights: weight files leave them out, as
        Keras's do), then each sublayer's variables."""
        own = ([v for v in self._variables if v.trainable]
               + [v for v in self._variables if not v.trainable])
        seeds = [value.state for value in vars(self).values()
                 if isinstance(value, SeedGenerator)]
        return _unique(own + seeds + [v for layer in self._variable_holders()
                                      for v in layer.variables])

    def _variable_holders(self):
        """The layers whose variables this one lists after its own (a model: its layers)."""
        return self._sublayers()

    def get_weights(self):
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Assign all weights at once; on any mismatch nothing is changed."""
        targets = self.weights
        if len(weights) != len(targets):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight "
                f"list of length {len(weights)}, but the layer was expecting "
                f"{len(targets)} weights.")
        arrays = [np.asarray(w) for w in weights]
        for variable, array in zip(targets, arrays):
            if variable.shape != array.shape:
                raise ValueError(
                    f"Layer {self.name} weight shape {variable.shape} is not compatible "
                    f"with provided weight shape {array.shape}.")
            if array.dtype.kind not in "biuf":  # convert nothing until all are numbers
                raise ValueError(
                    f"Layer {self.name} weight '{variable.name}' must be a numeric array. "
                    f"Received: an array of dtype {array.dtype}")
        for variable, array in zip(targets, arrays):
            variable.assign(array)

    # ----- the symbolic tensors of the first call (Keras's Operation.input/output) ----
    @property
    def input(self):
        return self._first_node_tensors("input_tensors", "input")

    @property
    def output(self):
        """The output of the layer's first symbolic call (`base.get_layer("x").output`
        to build a feature extractor)."""
        return self._first_node_tensors("output_tensors", "output")

    def _first_node_tensors(self, attribute, what):
        nodes = getattr(self, "_inbound_nodes", None)
        if not nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus "
                                 f"has no defined {what}.")
        tensors = getattr(nodes[0], attribute)
        return tensors[0] if isinstance(tensors, list) and len(tensors) == 1 else tensors

    def stateless_call(self, trainable_variables, non_trainable_variables, *args,
                       return_losses=False, **kwargs):
        """call() with these variable values; returns (outputs, the non-trainable values
        after the call[, losses]) and leaves the layer's variables unchanged."""
        from kerasmini.layers.stateless import stateless_call  # lazy: one concept a file
        return stateless_call(self, trainable_variables, non_trainable_variables, *args,
                              return_losses=return_losses, **kwargs)

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer "
                "isn't built. You can build it manually via: `layer.build(input_shape)`.")
        return int(sum(np.prod(v.shape, dtype=np.int64) for v in self.weights))

    @property
    def losses(self):
        """Losses from add_loss() in the last call, activity losses, weight regularization
        penalties (from current values), then each sublayer's."""
        penalties = [v.regularizer(v.value) for v in self._variables if v.regularizer]
        sublayers = self._sublayers()
        nested = [loss for layer in sublayers for loss in layer.losses] if sublayers else ()
        return [*self._added_losses, *self._activity_losses, *penalties, *nested]

    def add_loss(self, loss):
        """A loss term (a scalar computed in call(), recorded for gradients) that fit
        adds to the compiled loss; replaced at the layer's next call, as in Keras."""
        self._added_losses.append(loss)

    # ----- build and call ----------------------------------------------------------
    def build(self, input_shape):
        """Keras's default: a user's layer without build() whose sublayers (made in
        __init__) are not built yet is built by running call() once (on zeros here, as
        compute_output_shape probes), so `layer.build(shape)` creates their weights."""
        if (self._builds_by_running and not type(self).__module__.startswith("kerasmini.")
                and type(self).call is not Layer.call and input_shape is not None
                and any(not layer.built for layer in self._sublayers())):
            with state_kept(self):
                self.call(_zeros_like_shape(input_shape, 1, self.compute_dtype))
        self.built = True

    def call(self, inputs):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        """For a layer that does not declare its shapes (a user's subclass with only
        build and call): Keras traces `call`; kerasmini calls it on zeros, with each
        unknown size tried as 1 and as 2 (an output size that follows it stays None).
        The layer is built first, as Keras builds it before tracing. A call returning
        several arrays (a tuple or list: keras.io's Involution returns its output and its
        kernel) gives a list of shapes, one output each."""
        if type(self).call is Layer.call:
            raise NotImplementedError(f"Layer '{self.name}' ({type(self).__name__}) "
                                      "defines neither call() nor compute_output_shape().")
        if not self.built:
            self._build_or_undo(input_shape)
        with state_kept(self):  # Keras's tracing leaves the variables alone
            tried = [self.call(_zeros_like_shape(input_shape, size, self.compute_dtype))
                     for size in (1, 2)]
        if isinstance(tried[0], (list, tuple)):
            return [_known_sizes(np.shape(a), np.shape(b)) for a, b in zip(*tried)]
        return _known_sizes(np.shape(tried[0]), np.shape(tried[1]))

    def compute_mask(self, inputs, mask=None):
        """The mask of the output, from the inputs and their mask (None: no mask)."""
        return mask

    def _call_default(self, name):
        """The default of call()'s argument `name` (None when it has none)."""
        parameter = _call_parameters(type(self)).get(name)
        return None if parameter is None or parameter.default is parameter.empty \
            else parameter.default

    def _records_mask(self):
        """Whether Keras writes `mask` (None too) into this layer's nodes."""
        return self.keras_call_takes_mask or "mask" in _call_parameters(type(self))

    def _mask_argument(self, mask):
        """The `mask` to hand to call(): None when there is none or call() takes none;
        NotImplementedError when Keras's layer would read it and kerasmini's cannot."""
        if all(m is None for m in flatten(mask)):
            return None
        if "mask" in _call_parameters(type(self)):
            return mask
        if self.mask_not_implemented:
            raise NotImplementedError(
                f"Layer '{self.name}' ({type(self).__name__}) received a mask (from "
                "Embedding(mask_zero=True), Masking or a recurrent layer); Keras's "
                f"{type(self).__name__} uses it, kerasmini's does not yet.")
        return None

    def _output_mask(self, inputs, mask):
        """compute_mask() when the layer supports masking; else the mask ends here, with
        Keras's warning when there was one."""
        if self.supports_masking:
            return self.compute_mask(inputs, mask)
        if any(m is not None for m in flatten(mask)):
            warnings.warn(f"Layer '{self.name}' (of type {type(self).__name__}) was passed "
                          "an input with a mask attached to it. However, this layer does "
                          "not support masking and will therefore destroy the mask "
                          "information. Downstream layers will not see the mask.",
                          stacklevel=3)
        return None

    def explain(self, input_shape=None):
        """The output shape for `input_shape`, derived in words (see `kerasmini.explain`)."""
        from kerasmini.explain import explain  # lazy: explain imports the layers
        return explain(self, input_shape)

    def __call__(self, inputs, *more, training=None, **kwargs):
        # a user's call(x, y) given several tensors (`layer(a, b)`, `layer(x, other=y)`)
        if more or self._shapes_need_keywords(kwargs):
            return self._call_several(inputs, more, training, kwargs)
        # functional API: record the call, compute no values (is_symbolic answers an
        # array at its first two checks)
        if is_symbolic(inputs):
            return symbolic_call(self, inputs, training=training, **kwargs)
        given = kwargs.pop("mask", None)
        # the mask given, its gaps filled by those the inputs carry (masks.py): a model's
        # node records the masks of its graph, a nested model's inputs bring theirs
        carried = masks.carried(inputs)
        mask = masks.merged(given, carried)
        inputs = masks.released(inputs)
        structured = _is_array_structure(inputs)
        # several tensors ((z_mean, z_log_var)) reach call() as the same structure, each
        # converted and followed by the tape, as Keras passes them (never stacked)
        x = map_structure(self._convert_input, inputs) if structured else \
            self._convert_input(inputs)
        shape = map_structure(lambda a: a.shape, x) if structured else x.shape
        if not self.built or (shape, self.input_spec) != self._shape_checked:
            self._check_shape_and_build(shape, None if structured else
                                        _keras_dtype(inputs, x))
        if carried is not None and (self.keras_call_takes_mask or
                                    not type(self).__module__.startswith("kerasmini.")):
            # a user's call() (and a nested model's) gets its inputs with their masks, as
            # in Keras: the layers it calls read them (MultiHeadAttention's query and
            # value masks, a nested model's first layers)
            x = masks.attach(x, carried)
        if training is not None and "training" in _call_parameters(type(self)):
            kwargs["training"] = training
        mask_argument = self._mask_argument(masks.for_call(
            self, given, mask, kwargs, lambda t: isinstance(t, (np.ndarray, Variable))))
        if mask_argument is not None:
            kwargs["mask"] = masks.boolean(mask_argument)
        self._added_losses = []
        stack = _scope_stack()  # layers built inside call() are named inside this one
        stack.append((self.name, self))
        try:
            with self._autocast_scope():
                if autodiff.is_recording():
                    outputs = call_recorded(self, flatten(x) if structured else [x],
                                            lambda: self.call(x, **kwargs),
                                            check=not self._tape_covers_call())
                else:
                    outputs = self.call(x, **kwargs)
        finally:
            stack.pop()
        self._activity_losses = self._activity_penalty(outputs)
        output_mask = self.compute_mask(x, mask) if self.supports_masking else None
        return masks.attach(outputs, output_mask)

    def _shapes_need_keywords(self, kwargs):
        """Whether a symbolic call's tensor keywords (not its mask) must reach call() to
        find the output shape: a layer without its own compute_output_shape."""
        return (type(self).compute_output_shape is Layer.compute_output_shape
                and any(is_symbolic(v) for k, v in kwargs.items() if k != "mask"))

    def _call_several(self, inputs, more, training, kwargs):
        """A call of a user's layer with several tensor arguments, as Keras 3 takes it:
        built on the first argument's shape; in a graph, the output shapes found by
        calling it on zeros (each unknown size as 1 and as 2) and a node recorded with
        every argument, positional and by keyword."""
        if "training" in _call_parameters(type(self)):
            kwargs["training"] = training
        args = (inputs, *more)
        if not is_symbolic([list(args), kwargs]):
            if not self.built:
                self._build_or_undo(np.shape(inputs))
            with self._autocast_scope():
                return self.call(*args, **kwargs)
        if not self.built:
            self._build_or_undo(inputs.shape)
        with state_kept(self):  # Keras's tracing leaves the variables alone
            tried = [flatten(self.call(*map_structure(zeros, args),
                                       **map_structure(zeros, kwargs)))
                     for zeros in (_probe_zeros(1), _probe_zeros(2))]
        shapes = [tuple(a if a == b else None for a, b in zip(np.shape(x), np.shape(y)))
                  for x, y in zip(*tried)]
        return record_call(self, list(args), shapes, kwargs, positional=True)

    # The (input shape, input_spec) the last call passed the checks below with: a step
    # of fit calls every layer with the same shapes, so it checks them once.
    _shape_checked = None

    def _check_shape_and_build(self, shape, dtype=None):
        """Check `shape` (and `dtype`) against the spec and the shape rule (which raises
        on impossible configurations before anything changes), build on the first call."""
        assert_input_compatibility(self.input_spec, shape, self.name, dtype)
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            self.compute_output_shape(shape)
        if not self.built:
            self._build_or_undo(shape)
            # build() may fix the channel count in the spec: check this first input too
            assert_input_compatibility(self.input_spec, shape, self.name)
        self._shape_checked = (shape, self.input_spec)

    def _tape_covers_call(self):
        """Whether call_recorded's connectivity check can be skipped for this call: a
        built-in class proven to record every path from its input and trainable weights
        to its output (layers/tape_covered.py, checked by
        tests/test_recording_fast_paths.py), whose activation, if any, is one of
        kerasmini's (a user's function may leave the tape, and is checked). The class
        itself is named there, so a user's subclass, which may override call, is checked
        as any layer."""
        if not is_tape_covered(type(self)):
            return False
        activation = getattr(self, "activation", None)
        return activation is None or activation in _BUILT_IN_ACTIVATIONS

    def weights_read_by_call(self):
        """The trainable weights every call reads, which a recording call must connect
        to its output: all of them, unless a layer's calls use some (a reverse call of
        an untied ReversibleEmbedding reads only its reverse table)."""
        return self.trainable_weights

    def _build_at_init(self):
        """Mark a weightless layer built from the start, as Keras does for the same
        classes (pooling, activations, Dropout): its `count_params()` is 0 at once."""
        self.built = True

    def _build_or_undo(self, input_shape):
        """Build once, under a lock (threads racing to the first call build once); if
        building raises, every attribute is restored as it was."""
        with _build_lock:
            if self.built:  # another thread built it while this one waited
                return
            with undone_on_error([self]):
                if _is_one_shape(input_shape):
                    input_shape = tuple(input_shape)
                self.build(input_shape)
                self.built = True
                self._build_shape = input_shape  # the build_config Keras saves

    def _convert_input(self, inputs):
        compute_dtype = self._dtype_policy.compute_dtype
        if type(inputs) is TapeArray and inputs.dtype == compute_dtype:
            return inputs  # what the general path returns for it, in a tenth of the time
        x = np.asanyarray(inputs)  # a TapeArray stays one: the tape follows the cast
        if x.dtype.kind not in "biuf":  # tf.keras: ValueError on string tensors
            raise ValueError(f"Layer '{self.name}' expects numeric input. "
                             f"Received: inputs with dtype={x.dtype}")
        if x.dtype.kind == "f" and not self.autocast:  # Keras leaves such floats alone
            return autodiff.track(x)
        return autodiff.track(x).astype(compute_dtype, copy=False)

    def _activity_penalty(self, outputs):
        """Keras divides the activity penalty by the batch size."""
        if self.activity_regularizer is None:
            return []
        if isinstance(outputs, (list, tuple)):  # several outputs: each, as Keras
            return [p for output in outputs for p in self._activity_penalty(output)]
        batch = max(outputs.shape[0], 1) if outputs.ndim else 1
        return [self.activity_regularizer(outputs) / batch]

    # ----- config ------------------------------------------------------------------
    def get_config(self):
        config = {"name": self.name}
        if _defines_no_config(type(self)):  # a user's class: its constructor's arguments
            if getattr(self, "_auto_config", None) is None:
                raise auto_config.unsaveable_error(type(self))
            config.update(self._auto_config)
            if not auto_config.takes_name(type(self)):
                del config["name"]
        config.update(trainable=self.trainable,
                      dtype=dtype_policies.serialize(self.dtype_policy))
        if self.activity_regularizer is not None:  # Keras lists it here only when set
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        """The layer a config describes. As Keras's Operation.from_config, whatever the
        constructor refuses is a TypeError naming the class and the config: a direct
        call `Dense(3, activation=...)` keeps the constructor's own class. A dtype
        policy config is read first, outside that wrap (its ValueError stays), as there."""
        if isinstance(config.get("dtype"), dict):
            policy = _named_policy(config["dtype"])  # by name, as Keras passes it on
            config = {**config, "dtype": policy.name if policy.quantization_mode is None
                      else policy}
        try:
            return cls(**config)
        except (RecursionError, MemoryError):
            raise
        except Exception as error:  # noqa: BLE001  (Keras wraps every refusal here)
            raise TypeError(f"Error when deserializing class '{cls.__name__}' using "
                            f"config={str(config)[:300]}.\n\nException encountered: "
                            f"{error}") from error

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _defines_no_config(cls):
    """Whether `cls` is a user's class whose get_config() is the base class's."""
    if cls.__module__.startswith("kerasmini."):
        return False
    owner = next(c for c in cls.__mro__ if "get_config" in vars(c))
    return owner.__module__ in ("kerasmini.layers.layer", "kerasmini.models.model")


def _is_array_structure(inputs):
    """Whether `inputs` is a list or tuple holding arrays (several tensors), not nested
    numbers (one tensor written as lists). A dict stays refused as non-numeric input:
    the layers Keras lets take one (bounding boxes) kerasmini does not implement."""
    return isinstance(inputs, (list, tuple)) and any(
        isinstance(leaf, (np.ndarray, Variable)) for leaf in flatten(inputs))


def _is_one_shape(shape):
    return all(d is None or isinstance(d, (int, np.integer)) for d in shape)


def _keras_dtype(inputs, converted):
    """The dtype an InputSpec sees in Keras: a float input cast to the layer's dtype,
    any other as given (kerasmini casts those too, to compute; the spec sees Keras's)."""
    given = getattr(inputs, "dtype", None)
    if given is None or np.dtype(given).kind == "f":
        return converted.dtype
    return given


def _unique(items):
    """`items` without repeats (by identity), in order."""
    seen = set()
    return [i for i in items if not (id(i) in seen or seen.add(id(i)))]


def call_recorded(layer, inputs, call, check=True):
    """Run `call()` while a tape records, and check that every recorded input and every
    watched trainable weight reaches the output through recorded operations; otherwise
    their gradients would silently be None. Raises NoGradientError naming the layer.
    `check=False` (a layer whose class is proven to record every path) skips the check."""
    since = autodiff.marks() if check else None
    try:
        outputs = call()
    except autodiff.NoGradientError as error:
        raise autodiff.NoGradientError(
            f"Layer '{layer.name}' ({type(layer).__name__}) has no gradient: {error}") from None
    if not check:
        return outputs
    flat = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    # an input may reach the loss only through add_loss (a KL term on z_log_var in a
    # layer that passes z_mean on): that is a path for gradients too
    flat = [*flat, *_added_losses(layer)]
    sources = [*inputs, *layer.weights_read_by_call()]
    missing = autodiff.unreached(flat, sources, since)
    if missing:
        names = [f"weight '{s.name}'" if getattr(s, "_is_variable", False) else "its input"
                 for s in missing]
        how = next((o._taint for o in flat if getattr(o, "_taint", None)),
                   "NumPy operations the tape does not record")
        raise autodiff.NoGradientError(
            f"Layer '{layer.name}' ({type(layer).__name__}) has no gradient with respect to "
            f"{', '.join(names)}: its call() computed its output with {how}. GradientTape "
            "would return None (or wrong gradients for what comes before it).")
    return outputs


def _added_losses(layer):
    """The add_loss terms of `layer` and its sublayers (their last calls)."""
    return [*layer._added_losses,
            *(loss for sub in layer._sublayers() for loss in _added_losses(sub))]


def _pop_input_shape(kwargs):
    """Keras accepts input_shape= / input_dim= / batch_input_shape= on any layer."""
    input_dim = kwargs.pop("input_dim", None)
    input_shape = kwargs.pop("input_shape", None)
    batch_shape = kwargs.pop("batch_input_shape", None) or kwargs.pop("batch_shape", None)
    if input_dim is not None:
        return shape_tuple((input_dim,), "input_dim")
    if batch_shape is not None:
        return shape_tuple(batch_shape, "batch_input_shape")[1:]
    return None if input_shape is None else shape_tuple(input_shape, "input_shape")


_signature_cache = {}


def _call_parameters(cls):
    if cls not in _signature_cache:
        _signature_cache[cls] = inspect.signature(cls.call).parameters
    return _signature_cache[cls]
