"""The gradient of `np.einsum(subscripts, *operands)`, for the tape (numpy_rules.py).

An einsum multiplies its operands elementwise over all the letters and sums the letters
that the output leaves out. Its derivative with respect to one operand is therefore
another einsum: the output gradient times every *other* operand, summed back to the
operand's letters,

    z = einsum("bqhd,bkhd->bhqk", q, k)   =>   dq = einsum("bhqk,bkhd->bqhd", dz, k)

A letter that only this operand has (summed away in the forward pass) gets the same
gradient all along it, so that axis is broadcast back; an axis of size 1 that NumPy
broadcast against a longer one is summed back by the tape (`_fit`). A letter repeated
within one operand (a diagonal, "ii->i") has no such rule here: NoGradientError.
"""
import string

import numpy as np

from kerasmini.autodiff.errors import NoGradientError


def explicit_subscripts(subscripts, ndims):
    """(input letter strings, output letter string) for `subscripts` on operands of
    `ndims` dimensions, with '...' spelled out as letters the equation does not use and
    an implicit output ("ij,jk") made explicit as NumPy defines it."""
    text = subscripts.replace(" ", "")
    inputs, arrow, output = text.partition("->")
    inputs = inputs.split(",")
    if len(inputs) != len(ndims):
        raise ValueError(f"einsum subscripts {subscripts!r} name {len(inputs)} operands; "
                         f"received {len(ndims)}.")
    free = [c for c in string.ascii_letters if c not in text]
    widest = max([n - len(s.replace("...", "")) for s, n in zip(inputs, ndims)
                  if "..." in s] or [0])
    ellipsis = "".join(free[:widest])
    spelled = [s.replace("...", ellipsis[widest - (n - len(s.replace("...", ""))):])
               for s, n in zip(inputs, ndims)]
    if not arrow:  # implicit: the broadcast axes, then each letter used once, sorted
        letters = "".join(spelled)
        output = ellipsis + "".join(sorted(c for c in set(letters)
                                           if letters.count(c) == 1 and c not in ellipsis))
    return spelled, output.replace("...", ellipsis)


def einsum_rule(g, out, subscripts, *operands, optimize=False):
    """One gradient per operand of `np.einsum(subscripts, *operands)`."""
    if not isinstance(subscripts, str):
        raise NoGradientError("numpy.einsum in its interleaved (operand, sublist) form has "
                              "no gradient rule; pass the subscripts as a string.")
    inputs, output = explicit_subscripts(subscripts, [np.ndim(x) for x in operands])
    grads = []
    for i, (letters, x) in enumerate(zip(inputs, operands)):
        if len(set(letters)) != len(letters):
            raise NoGradientError(f"numpy.einsum({subscripts!r}) takes a diagonal of "
                                  "an operand, which has no gradient rule here.")
        others = [(s, o) for j, (s, o) in enumerate(zip(inputs, operands)) if j != i]
        seen = set(output).union(*[s for s, _ in others])
        kept = "".join(c for c in letters if c in seen)
        equation = ",".join([output] + [s for s, _ in others]) + "->" + kept
        grad = np.einsum(equation, g, *[o for _, o in others], optimize=optimize)
        for axis, letter in enumerate(letters):
            if letter not in seen:  # summed in x alone: constant along it
                grad = np.expand_dims(grad, axis)
        grads.append(np.broadcast_to(grad, np.broadcast_shapes(grad.shape, np.shape(x))))
    return grads
