"""A step's variables as one flat array: an elementwise update rule runs over all of them
in a few NumPy calls instead of a dozen per variable (a small model's step spent more on
the calls than on the arithmetic).

An elementwise operation gives each element the same bits whether the arrays are apart
or concatenated, so the flat update is the per-variable one exactly. After an update,
each variable holds a view of the new flat array (its value is replaced, as `assign`
replaces it); the next step finds its values already in one array unless someone
assigned a variable in between, and concatenates them again only then.
"""
import numpy as np


class FlatLayout:
    """Where each of `shapes` lies in one flat array."""

    def __init__(self, shapes):
        self.shapes = [tuple(shape) for shape in shapes]
        sizes = [int(np.prod(shape, dtype=np.int64)) for shape in self.shapes]
        self._handed = {}  # id(first variable of a group) -> the flat array it views
        self.bounds = list(zip(np.cumsum([0] + sizes[:-1]).tolist(), np.cumsum(sizes).tolist()))

    def gather(self, arrays):
        """The arrays end to end, one new flat array."""
        return np.concatenate([np.reshape(a, -1) for a in arrays])

    def values(self, variables):
        """The variables' values as one flat array: the one `assign` last handed them,
        if each still holds its view of it, else a concatenation of their values."""
        flat = self._handed.get(id(variables[0]))
        if flat is not None and all(v._value.base is flat for v in variables):
            return flat
        return self.gather([v._value for v in variables])

    def assign(self, variables, flat):
        """Each variable takes its part of `flat` (a new array nobody else holds)."""
        for variable, (start, stop), shape in zip(variables, self.bounds, self.shapes):
            variable._assign_owned(flat[start:stop].reshape(shape))
        self._handed[id(variables[0])] = flat
