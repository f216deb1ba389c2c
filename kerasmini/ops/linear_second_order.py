"""Gradients of linear and bilinear kernels as differentiable operations: what makes a
convolution, a transposed or depthwise convolution, an average pooling or a resize
differentiable twice (a gradient penalty through a critic that uses them).

A kernel linear in its input, y = A x (average pooling, resize), has the rule
dx = A^T g, itself linear in g; the gradient of A^T g with respect to g, for an
output gradient h, is A h: the forward kernel. So A^T is wrapped as a recorded op
whose rule is the forward, and the forward's recorded rule is that op.

A bilinear kernel, y = B(x, K) (every convolution: linear in the input and in the
kernel), has two gradients, each bilinear too. With g = dL/dy,

    dx = input_gradient(g, K)        dK = kernel_gradient(x, g)

and the three maps are each other's transposes (<B(x, K), g> = <x, dx> = <K, dK>), so
each one's rule is made of the other two:

    input_gradient(g, K), output gradient h:
        d/dg = B(h, K),                   d/dK = kernel_gradient(h, g)
    kernel_gradient(x, g), output gradient h:
        d/dx = input_gradient(g, h),      d/dg = B(x, h)

Each is a recorded op whose rule calls recorded ops, so a gradient taken inside an
outer tape differentiates exactly, to any order, with the first-order kernels' speed:
both gradients come from the kernel's own first-order rule (`vjp`), asked for one at a
time when it takes `needed`. The operand whose gradient is not asked for is a
zero-memory stand-in of the right shape and dtype: the rules read only its shape then.
"""
import inspect

import numpy as np

from kerasmini.autodiff import differentiable


def stand_in(like):
    """A zero-memory array of `like`'s shape and dtype."""
    return np.broadcast_to(np.zeros((), np.asarray(like).dtype), np.shape(like))


def _with_signature_of(vjp, rule):
    """`rule(g, out, *args, **kwargs)` presented with `vjp`'s signature, which is the
    kernel's after (g, out): the tape hands both the same arguments
    (tests/test_autodiff.py checks every rule's signature against its kernel's)."""
    parameters = [p for p in inspect.signature(vjp).parameters.values()
                  if p.name != "needed"]
    rule.__signature__ = inspect.Signature(parameters)
    return rule


def differentiable_linear(vjp, linear_part=None):
    """`@differentiable(vjp)` for a kernel linear in its one input: its recorded rule
    is the transposed map A^T g as a recorded op whose rule is the kernel (module doc).
    An affine kernel, A x + c (an image transform's constant fill), names in
    `linear_part` the arguments that make c zero: A h is the kernel called with them."""

    def wrap(forward):
        signature = inspect.signature(forward)

        def transposed(g, like, *args, **kwargs):
            return vjp(g, None, like, *args, **kwargs)

        def transposed_rule(h, out, g, like, *args, **kwargs):
            if not linear_part:
                return op(h, *args, **kwargs)
            call = signature.bind(h, *args, **kwargs)
            call.arguments.update(linear_part)
            return op(*call.args, **call.kwargs)

        input_gradient = differentiable(transposed_rule, recorded=True,
                                        name=f"{forward.__name__}_input_gradient")(transposed)

        def recorded(g, out, inputs, *args, **kwargs):
            return input_gradient(g, stand_in(inputs), *args, **kwargs)

        op = differentiable(vjp, recorded=_with_signature_of(vjp, recorded))(forward)
        return op
    return wrap


def differentiable_bilinear(vjp):
    """`@differentiable(vjp, inputs=2)` for a kernel bilinear in (inputs, kernel): its
    recorded rule gives the two gradients as the recorded ops of the module doc."""
    takes_needed = "needed" in inspect.signature(vjp).parameters

    def one_gradient(which, g, x, kernel, args, kwargs):
        if takes_needed:
            kwargs = dict(kwargs, needed=(which == 0, which == 1))
        return vjp(g, None, x, kernel, *args, **kwargs)[which]

    def wrap(forward):
        def input_gradient_kernel(g, kernel, x_like, *args, **kwargs):
            return one_gradient(0, g, x_like, kernel, args, kwargs)

        def kernel_gradient_kernel(x, g, kernel_like, *args, **kwargs):
            return one_gradient(1, g, x, kernel_like, args, kwargs)

        def input_gradient_rule(h, out, g, kernel, x_like, *args, **kwargs):
            return (op(h, kernel, *args, **kwargs),
                    kernel_gradient(h, g, stand_in(kernel), *args, **kwargs))

        def kernel_gradient_rule(h, out, x, g, kernel_like, *args, **kwargs):
            return (input_gradient(g, h, stand_in(x), *args, **kwargs),
                    op(x, h, *args, **kwargs))

        name = forward.__name__
        input_gradient = differentiable(
            input_gradient_rule, inputs=2, recorded=True,
            name=f"{name}_input_gradient")(input_gradient_kernel)
        kernel_gradient = differentiable(
            kernel_gradient_rule, inputs=2, recorded=True,
            name=f"{name}_kernel_gradient")(kernel_gradient_kernel)

        def recorded(g, out, x, kernel, *args, **kwargs):
            return (input_gradient(g, kernel, stand_in(x), *args, **kwargs),
                    kernel_gradient(x, g, stand_in(kernel), *args, **kwargs))

        op = differentiable(vjp, inputs=2,
                            recorded=_with_signature_of(vjp, recorded))(forward)
        return op
    return wrap
