"""EinsumDense: `activation(einsum(equation, inputs, kernel) + bias)`.

The equation names the input's axes, the kernel's and the output's, e.g.
"abc,cde->abde" projects the last axis c of a (batch, a.., c) input to two axes (d, e):
MultiHeadAttention keeps its query/key/value/output projections in such layers. The
kernel's shape follows from the equation: a kernel letter that the output has takes its
size from `output_shape`, one that only the input has from the input's shape.
"""
import math
import re

import numpy as np

from kerasmini import ops, regularizers
from kerasmini.autodiff.einsum_rule import explicit_subscripts
from kerasmini.initializers.random_initializers import VarianceScaling
from kerasmini.layers import weight_settings
from kerasmini.layers.input_spec import InputSpec
from kerasmini.layers.layer import Layer

_FORMS = (  # (pattern with '...' as '0', where the ellipsis is)
    (r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", None),
    (r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", "left"),
    (r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", "right"),
)


def parse_equation(equation):
    """(input letters, kernel letters, output letters, where '...' is: None, 'left' or
    'right'), the forms Keras accepts."""
    text = str(equation).replace("...", "0")
    for pattern, ellipsis in _FORMS:
        match = re.fullmatch(pattern, text)
        if match:
            return (*match.groups(), ellipsis)
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the "
                     "form [X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def einsum_shapes(equation, bias_axes, input_shape, partial_output_shape):
    """(kernel shape, bias shape or None, full output shape, kernel input axes, kernel
    output axes) for `input_shape`; ValueError for what does not fit, as Keras says it."""
    inputs, kernel, outputs, ellipsis = parse_equation(equation)
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(inputs)
    batch, rest = [input_shape[0]], list(partial_output_shape)
    if elided > 0 and ellipsis == "left":
        output_shape = batch + list(input_shape[1:elided]) + rest
    elif elided > 0:
        output_shape = batch + rest + list(input_shape[len(input_shape) - elided:])
    else:
        output_shape = batch + rest
    lead = elided if ellipsis == "left" else 0
    input_size = {c: input_shape[i + lead] for i, c in enumerate(inputs)}
    output_size = {c: output_shape[i + lead] for i, c in enumerate(outputs)}
    for c in inputs:
        if c in output_size and output_size[c] is None:  # the input's size, as Keras's
            at = outputs.index(c) + lead                  # symbolic call finds it
            output_shape[at] = output_size[c] = input_size[c]
        if c in output_size and output_size[c] is not None and output_size[c] != input_size[c]:
            raise ValueError(f"Input shape and output shape do not match at shared dimension "
                             f"'{c}'. Input shape is {input_size[c]}, and output shape is "
                             f"{output_size[c]}.")
    for c in outputs:
        if c not in inputs and c not in kernel:
            raise ValueError(f"Dimension '{c}' was specified in the output '{outputs}' but "
                             f"has no corresponding dim in the input spec '{inputs}' or "
                             f"weight spec '{kernel}'")
    kernel_shape, input_axes, output_axes = [], [], []
    for i, c in enumerate(kernel):
        if c in output_size:
            kernel_shape.append(output_size[c])
            output_axes.append(i)
        elif c in input_size:
            kernel_shape.append(input_size[c])
            input_axes.append(i)
        else:
            raise ValueError(f"Weight dimension '{c}' did not have a match in either the "
                             f"input spec '{inputs}' or the output spec '{outputs}'. For "
                             "this layer, the weight must be fully specified.")
    bias_shape = None
    if bias_axes is not None:
        for c in bias_axes:
            if c not in outputs:
                raise ValueError(f"Bias dimension '{c}' was requested, but is not part of "
                                 f"the output spec '{outputs}'")
        # the bias spans the output from its first axis to the end (broadcasts from the
        # right), size 1 where it does not vary
        first = min(outputs.find(c) for c in bias_axes)
        bias_shape = [output_size[c] if c in bias_axes else 1 for c in outputs[first:]]
        if ellipsis != "left":
            bias_shape += [1] * max(elided, 0)
    return kernel_shape, bias_shape, output_shape, input_axes, output_axes


class EinsumDense(Layer):
    """A dense layer whose product is an einsum.

    Args:
        equation: "ab,bc->ac", "...b,bc->...c" or "ab...,bc->ac..." forms: input,
            kernel and output letters.
        output_shape: the output's shape without the batch axis (and without the axes
            the ellipsis stands for); None for a size the input gives.
        activation: applied last (default: none).
        bias_axes: output letters the bias varies along (None: no bias).
        kernel_/bias_initializer, kernel_/bias_/activity_regularizer,
        kernel_/bias_constraint: as in Keras.
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        for name, value in (("lora_rank", lora_rank), ("lora_alpha", lora_alpha),
                            ("gptq_unpacked_column_size", gptq_unpacked_column_size),
                            ("quantization_config", quantization_config)):
            if value is not None:
                raise NotImplementedError(f"EinsumDense({name}={value!r}) is not supported "
                                          "by kerasmini.")
        if not isinstance(equation, str):
            raise TypeError(f"Argument `equation` must be a string. Received: "
                            f"equation={equation!r}")
        parse_equation(equation)
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise TypeError("Argument `bias_axes` must be a string of output letters or "
                            f"None. Received: bias_axes={bias_axes!r}")
        settings = weight_settings.resolve(
            activation=activation, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint)
        super().__init__(**kwargs)
        self.equation = equation
        self.partial_output_shape = _partial_shape(output_shape)
        self.bias_axes = bias_axes
        for name, value in settings.items():
            setattr(self, name, value)
        self.kernel = self.bias = None

    def compute_output_shape(self, input_shape):
        return tuple(einsum_shapes(self.equation, self.bias_axes, input_shape,
                                   self.partial_output_shape)[2])

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = einsum_shapes(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        if None in kernel_shape:
            raise ValueError(f"The kernel of EinsumDense '{self.name}' would have an "
                             f"unknown size: {kernel_shape} (equation '{self.equation}', "
                             f"input shape {tuple(input_shape)}).")
        self.kernel = self.add_weight(
            tuple(kernel_shape), _with_fan_axes(self.kernel_initializer, input_axes,
                                                output_axes), "kernel",
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = self.add_weight(tuple(bias_shape), self.bias_initializer, "bias",
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=len(input_shape))
        self.built = True

    def call(self, inputs, training=None):
        bound = matrix_product_axes(self.equation, inputs.ndim, self.kernel.shape)
        if bound:  # ops.dense: one BLAS product on both cores (np.einsum: one core, or
            x = _as_matrix_product(inputs, self.kernel.value, bound)  # loops)
        else:
            x = np.einsum(self.equation, inputs, self.kernel.value, optimize=True)
        if self.bias is not None:
            x = x + self.bias.value
        return self.activation(x)

    def get_config(self):
        return {**super().get_config(), "output_shape": self.partial_output_shape,
                "equation": self.equation, **weight_settings.serialize(self, "activation"),
                "bias_axes": self.bias_axes,
                **weight_settings.serialize(
                    self, "kernel_initializer", "bias_initializer", "kernel_regularizer",
                    "bias_regularizer"),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                **weight_settings.serialize(self, "kernel_constraint", "bias_constraint"),
                "quantization_config": None}


def matrix_product_axes(equation, ndim, kernel_shape):
    """n when the einsum is a matrix product: the input's last n axes contracted with the
    kernel's first n, the output the input's other axes then the kernel's others, in
    order ("abc,cde->abde": 1, "abcd,cde->abe": 2); 0 otherwise."""
    (x_letters, k_letters), output = explicit_subscripts(equation, [ndim, len(kernel_shape)])
    for n in range(1, len(k_letters) + 1):
        if (x_letters.endswith(k_letters[:n]) and output == x_letters[:-n] + k_letters[n:]
                and len(set(x_letters + k_letters)) == len(x_letters) + len(k_letters) - n):
            return n
    return 0


def _as_matrix_product(x, kernel, bound):
    """x (..., bound axes) . kernel (bound axes, made axes) -> (..., made axes)."""
    made = kernel.shape[bound:]
    # sizes spelled out: reshape cannot infer a -1 beside a zero size (an empty sequence)
    width = math.prod(kernel.shape[:bound])
    rows = np.reshape(x, x.shape[:x.ndim - bound] + (width,))
    y = ops.dense(rows, np.reshape(kernel, (width, math.prod(made))))
    return np.reshape(y, x.shape[:x.ndim - bound] + made)


def _partial_shape(output_shape):
    if isinstance(output_shape, (int, np.integer)) and not isinstance(output_shape, bool):
        return (int(output_shape),)
    try:
        shape = tuple(output_shape)
    except TypeError:
        raise TypeError("Argument `output_shape` must be an int or a tuple of ints and "
                        f"None. Received: output_shape={output_shape!r}") from None
    for size in shape:
        if size is not None and not (isinstance(size, (int, np.integer))
                                     and not isinstance(size, bool) and size > 0):
            raise ValueError("Argument `output_shape` must hold positive ints or None. "
                             f"Received: output_shape={output_shape!r}")
    return tuple(None if s is None else int(s) for s in shape)


def _with_fan_axes(initializer, input_axes, output_axes):
    """Keras computes a VarianceScaling kernel's fans from the equation's axes (the
    kernel's input and output letters), not from its last two axes."""
    if not isinstance(initializer, VarianceScaling) or (
            initializer.input_axes is not None and initializer.output_axes is not None):
        return initializer
    config = {**initializer.get_config(), "input_axes": input_axes,
              "output_axes": output_axes}
    return type(initializer).from_config(config)
