"""The structures `sources` come in (an array or Variable, or lists, tuples and dicts
of them), flattened and rebuilt in one order: what gradient() and jacobian() return has
the structure of what they were asked for."""


def flat(structure):
    if isinstance(structure, dict):
        return [v for key in structure for v in flat(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [v for item in structure for v in flat(item)]
    return [structure]


def map_structure(fn, structure):
    if isinstance(structure, dict):
        return {key: map_structure(fn, value) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(map_structure(fn, item) for item in structure)
    return fn(structure)
