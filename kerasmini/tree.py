"""keras.tree: nested structures (lists, tuples, namedtuples, dicts) of leaves.

Keras's rules (optree's): None and strings are leaves; a dict's children come in sorted
key order (an OrderedDict's in its own order), and a rebuilt dict keeps the key order of
the structure it copies; NumPy arrays are leaves.
"""
import collections

__all__ = ["MAP_TO_NONE", "assert_same_paths", "assert_same_structure", "flatten",
           "flatten_with_path", "is_nested", "lists_to_tuples", "map_shape_structure",
           "map_structure", "map_structure_up_to", "pack_sequence_as", "traverse"]


class MAP_TO_NONE:  # noqa: N801 (Keras's name)
    """What `traverse`'s function returns to replace a subtree by None (returning None
    itself means "leave it as it is")."""


def is_nested(structure):
    return isinstance(structure, (list, tuple, dict))


def _children(structure):
    """[(key, child)] in Keras's flattening order."""
    if isinstance(structure, dict):
        keys = (list(structure) if isinstance(structure, collections.OrderedDict)
                else sorted(structure))
        return [(key, structure[key]) for key in keys]
    return list(enumerate(structure))


def _rebuild(structure, values_by_key):
    """A container like `structure` holding values_by_key[key] for each of its keys."""
    if isinstance(structure, dict):
        return type(structure)((key, values_by_key[key]) for key in structure)
    values = [values_by_key[index] for index in range(len(structure))]
    if _is_namedtuple(structure):
        return type(structure)(*values)
    return type(structure)(values)


def _is_namedtuple(value):
    return isinstance(value, tuple) and hasattr(type(value), "_fields")


def flatten(structure):
    """The leaves, depth first."""
    if not is_nested(structure):
        return [structure]
    return [leaf for _, child in _children(structure) for leaf in flatten(child)]


def flatten_with_path(structure):
    """[(path tuple of keys and indices, leaf)]."""
    if not is_nested(structure):
        return [((), structure)]
    return [((key, *path), leaf) for key, child in _children(structure)
            for path, leaf in flatten_with_path(child)]


def assert_same_paths(a, b):
    """ValueError unless `a` and `b` have the same paths (keys and indices), whatever
    their container types: a list and a tuple of two leaves have the same paths."""
    a_paths = {path for path, _ in flatten_with_path(a)}
    b_paths = {path for path, _ in flatten_with_path(b)}
    if a_paths != b_paths:
        message = "`a` and `b` don't have the same paths."
        if a_paths - b_paths:
            message += f"\nPaths in `a` missing in `b`:\n{a_paths - b_paths}"
        if b_paths - a_paths:
            message += f"\nPaths in `b` missing in `a`:\n{b_paths - a_paths}"
        raise ValueError(message)


def assert_same_structure(a, b, check_types=True):
    """ValueError naming the first difference between the nestings of `a` and `b`."""
    if not is_nested(a):
        return
    if check_types and type(a) is not type(b) or not is_nested(b):
        raise ValueError(f"Expected an instance of {type(a).__name__}, got {b!r}.")
    if isinstance(a, dict):
        if sorted(a) != sorted(b):
            raise ValueError(f"dictionary key mismatch; expected key(s): {sorted(a)}, "
                             f"got key(s): {sorted(b)}; dict: {b!r}.")
    elif len(a) != len(b):
        raise ValueError(f"{type(a).__name__} arity mismatch; expected: {len(a)}, "
                         f"got: {len(b)}; {type(a).__name__}: {b!r}.")
    for (key, child) in _children(a):
        assert_same_structure(child, b[key], check_types)


def map_structure(func, *structures):
    """`func` applied to the leaves at the same place in each structure, in the nesting
    of the first."""
    if not structures:
        raise TypeError("map_structure() needs at least one structure.")
    for other in structures[1:]:
        assert_same_structure(structures[0], other)
    return _map(func, structures)


def _map(func, structures):
    first = structures[0]
    if not is_nested(first):
        return func(*structures)
    return _rebuild(first, {key: _map(func, [s[key] for s in structures])
                            for key, _ in _children(first)})


def is_shape_tuple(value):
    """A list or tuple of ints and Nones: one shape, a leaf for map_shape_structure."""
    return isinstance(value, (list, tuple)) and all(
        isinstance(d, (int, type(None))) for d in value)


def map_shape_structure(func, structure):
    """`func` applied to each shape (a tuple or list of ints and Nones) in a nested
    structure of shapes; a list of shapes is a structure, not one shape."""
    if not callable(func):
        raise TypeError(f"`func` must be callable, got {func} of type {type(func)}")
    if is_shape_tuple(structure) or not is_nested(structure):
        return func(structure)
    return _rebuild(structure, {key: map_shape_structure(func, child)
                                for key, child in _children(structure)})


def map_structure_up_to(shallow_structure, func, *structures):
    """`func` applied to the subtrees of `structures` at the leaves of
    `shallow_structure`."""
    if not is_nested(shallow_structure):
        return func(*structures)
    for structure in structures:
        if not is_nested(structure) or len(structure) < len(shallow_structure):
            raise ValueError(f"The structure {structure!r} is shallower than "
                             f"{shallow_structure!r}.")
    return _rebuild(shallow_structure, {
        key: map_structure_up_to(child, func, *[s[key] for s in structures])
        for key, child in _children(shallow_structure)})


def pack_sequence_as(structure, flat_sequence):
    """The leaves of `flat_sequence`, in order, placed in the nesting of `structure`."""
    flat = list(flat_sequence)
    expected = len(flatten(structure))
    if len(flat) != expected:
        raise ValueError(f"Too {'few' if len(flat) < expected else 'many'} leaves for "
                         f"the structure; expected: {expected}, got: {len(flat)}.")
    leaves = iter(flat)
    return _map(lambda _: next(leaves), [structure])


def lists_to_tuples(structure):
    """The same nesting with every list turned into a tuple."""
    if not is_nested(structure):
        return structure
    rebuilt = _rebuild(structure, {key: lists_to_tuples(child)
                                   for key, child in _children(structure)})
    return tuple(rebuilt) if isinstance(rebuilt, list) else rebuilt


def traverse(func, structure, top_down=True):
    """Visit every subtree; where `func` returns something other than None, that
    replaces the subtree (top down: its children are not visited); MAP_TO_NONE
    replaces it by None."""
    if top_down:
        replaced = func(structure)
        if replaced is not None:
            return None if replaced is MAP_TO_NONE else replaced
        if not is_nested(structure):
            return structure
        return _rebuild(structure, {key: traverse(func, child, top_down)
                                    for key, child in _children(structure)})
    if is_nested(structure):
        structure = _rebuild(structure, {key: traverse(func, child, top_down)
                                         for key, child in _children(structure)})
    replaced = func(structure)
    if replaced is MAP_TO_NONE:
        return None
    return structure if replaced is None else replaced
