"""keras.ops.rearrange: einops's axis notation, 'b h w c -> b (h w) c'.

A pattern names each input axis, or a group '(h1 h)' of axes an input axis splits
into (all sizes but one given as keywords), and says how the output's axes are made
of the same names. It is one reshape to the named axes, one transpose and one
reshape to the output's groups: the tape records all three.
"""
import math
import re

import numpy as np

from kerasmini.ops.arguments import tensor as as_tensor
from kerasmini.ops.symbolic import keras_operation

EINOPS = "keras.src.ops.einops"
_AXIS = r"\w+|\(.*?\)"


def _groups(side):
    """'b (h w) c' -> [['b'], ['h', 'w'], ['c']]."""
    return [re.findall(r"\w+", part) for part in re.findall(_AXIS, side)]


def _axis_sizes(groups, shape, axes_lengths, pattern):
    """The size of every named input axis: a group's one unnamed size is what the
    input axis leaves after the given ones."""
    if len(groups) != len(shape):
        raise ValueError(f"The pattern's input side has {len(groups)} axes; the tensor "
                         f"has {len(shape)}. Received: pattern={pattern!r}, "
                         f"tensor.shape={tuple(shape)}")
    sizes = {}
    for group, size in zip(groups, shape):
        unknown = [a for a in group if a not in axes_lengths]
        if len(unknown) > 1:
            raise ValueError(f"Give the sizes of all but one of the axes {group} as "
                             f"keywords. Received: pattern={pattern!r}, axes_lengths="
                             f"{axes_lengths}")
        known = math.prod(axes_lengths[a] for a in group if a in axes_lengths)
        if unknown:
            sizes[unknown[0]] = size // known
        sizes.update({a: axes_lengths[a] for a in group if a in axes_lengths})
        if math.prod(sizes[a] for a in group) != size:
            raise ValueError(f"Axes {group} of sizes {[sizes[a] for a in group]} do not "
                             f"make an axis of size {size}. Received: pattern={pattern!r}")
    return sizes


@keras_operation("Rearrange", module=EINOPS)
def rearrange(tensor, pattern, **axes_lengths):
    """tensor's axes regrouped and reordered as `pattern` says (see the module
    docstring); e.g. rearrange(x, 'b (h1 h) w c -> (b h1) h w c', h1=2)."""
    x = as_tensor(tensor)
    source, target = re.split(r"\s*->\s*", pattern)
    inputs, outputs = _groups(source), _groups(target)
    names, wanted = sum(inputs, []), sum(outputs, [])
    if sorted(names) != sorted(wanted) or len(set(names)) != len(names):
        raise ValueError(f"Both sides of the pattern must name the same axes, each once. "
                         f"Received: pattern={pattern!r}")
    sizes = _axis_sizes(inputs, x.shape, axes_lengths, pattern)
    x = np.reshape(x, [sizes[a] for a in names])
    x = np.transpose(x, [names.index(a) for a in wanted])
    return np.reshape(x, [math.prod(sizes[a] for a in group) for group in outputs])
