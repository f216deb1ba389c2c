"""keras.ops.core's functional loops: map, scan, associative_scan, vectorized_map,
vectorize, and forward-mode jvp.

As cond and while_loop (core.py), they run Python over NumPy values: each step calls
the function on concrete slices and the results are stacked, so a GradientTape
records every step's operations and differentiates the loop as written. Nested
structures (lists, tuples, dicts of tensors) are sliced and stacked leaf by leaf.
jvp has no forward-mode tape to use: it builds J t from reverse-mode passes, one per
output element (exact, and fine for the small functions it is used on; a loop over
outputs, not a kernel).
"""
import numpy as np

from kerasmini import tree
from kerasmini.ops.arguments import tensor


def _slices(structure, axis=0):
    """The structure's leaves sliced along `axis`: a list of structures, one a slice."""
    leaves = [tensor(leaf) for leaf in tree.flatten(structure)]
    count = leaves[0].shape[axis]
    index = lambda i: (slice(None),) * (axis % leaves[0].ndim) + (i,)
    return [tree.pack_sequence_as(structure, [leaf[index(i)] for leaf in leaves])
            for i in range(count)]


def _stacked(results, axis=0):
    """A list of structures stacked leaf by leaf along a new `axis`."""
    if results[0] is None:
        return None
    columns = zip(*[tree.flatten(r) for r in results])
    return tree.pack_sequence_as(results[0], [np.stack([tensor(v) for v in c], axis)
                                              for c in columns])


def map(f, xs):  # noqa: A001 (keras.ops.map)
    """f applied to each slice of xs along its first axis, the results stacked."""
    return _stacked([f(x) for x in _slices(xs)])


def vectorized_map(function, elements):
    """map under its other name: the slices are run one by one."""
    return map(function, elements)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """(carry, ys): carry, y = f(carry, x) for each slice x of xs (or `length` times
    with x None), in reverse with reverse=True; the ys stacked in xs's order."""
    if xs is None and length is None:
        raise ValueError("Got no `xs` to scan over and `length` not provided.")
    if not isinstance(unroll, (bool, int)) or isinstance(unroll, int) and unroll < 1:
        raise ValueError(f"`unroll` must be a positive integer or a boolean. "
                         f"Received: unroll={unroll}")
    steps = _slices(xs) if xs is not None else [None] * int(length)
    if length is not None and len(steps) != length:
        raise ValueError(f"`length` ({length}) does not match the size of the scanned "
                         f"axis of `xs` ({len(steps)}).")
    carry, ys = init, []
    for x in (steps[::-1] if reverse else steps):
        carry, y = f(carry, x)
        ys.append(y)
    ys = ys[::-1] if reverse else ys
    return carry, (_stacked(ys) if ys else None)


def associative_scan(f, elems, reverse=False, axis=0):
    """The running f-reductions of elems along `axis`: out[i] = f(out[i - 1],
    elems[i]) (from the end with reverse=True). For an associative f this is the
    result of any grouping, as TensorFlow's parallel prefix."""
    steps = _slices(elems, axis)
    steps = steps[::-1] if reverse else steps
    results = [steps[0]]
    for x in steps[1:]:
        results.append(f(x, results[-1]) if reverse else f(results[-1], x))
    return _stacked(results[::-1] if reverse else results, axis)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """pyfunc made to take arrays: called on each element (on each core-dimension
    block with a gufunc `signature` such as '(n),(n)->()'), NumPy's vectorize."""
    vectorized = np.vectorize(lambda *args, **kwargs: np.asarray(pyfunc(*args, **kwargs)),
                              excluded=excluded or set(), signature=signature)

    def wrapped(*args, **kwargs):
        return vectorized(*[np.asarray(tensor(a)) if not callable(a) else a
                            for a in args], **kwargs)
    return wrapped


def jvp(fun, primals, tangents, has_aux=False):
    """(fun(*primals), J t[, aux]): the Jacobian-vector product of fun at primals
    with tangents, each output element's row of J from one reverse-mode pass."""
    from kerasmini.autodiff import GradientTape
    primals, tangents = list(primals), [np.asarray(t) for t in tangents]
    if len(primals) != len(tangents):
        raise ValueError(f"`primals` and `tangents` must have the same length. "
                         f"Received: {len(primals)} and {len(tangents)}")
    with GradientTape(persistent=True) as tape:
        watched = [tape.watch(np.asarray(tensor(p))) for p in primals]
        result = fun(*watched)
    output, aux = result if has_aux else (result, None)
    outputs = tree.flatten(output)
    products = []
    for out in outputs:
        product = np.zeros(np.shape(out), np.asarray(out).dtype)
        for i in np.ndindex(np.shape(out)):
            seed = np.zeros(np.shape(out), np.asarray(out).dtype)
            seed[i] = 1
            rows = tape.gradient(out, watched, output_gradients=seed)
            product[i] = sum(float(np.sum(np.asarray(g) * t))
                             for g, t in zip(rows, tangents) if g is not None)
        products.append(product)
    plain_output = tree.map_structure(lambda v: np.array(np.asarray(v)), output)
    tangent_out = tree.pack_sequence_as(output, products)
    return (plain_output, tangent_out, aux) if has_aux else (plain_output, tangent_out)
