"""Small source mutations of one Python file, generated from its AST.

Each mutant replaces one span of the source (an operator, a bound, an argument list, a
statement) with other text, keeping every other line where it was. The operators are the
bugs a kernel gets wrong in practice: an operator swapped, a slice bound or loop range off
by one, two arguments swapped, a term or keyword (axis=, dtype=, out=) dropped, a
transpose dropped (`.T`, or a transpose / swapaxes / moveaxis call), min for max, float32
for float64, an in-place update left out, an epsilon moved inside or outside a square
root (`sqrt(v) + eps` against `sqrt(v + eps)`); and the bugs of a blocked or chunked
loop: an accumulation restarted (`acc += x` made `acc = x`), the last partial block
dropped (`range(a, b, step)` stopping at the last whole block, a ceiling division
`-(-n // k)` made a floor).

Not mutated, because a change there is no bug a test of results should see: docstrings,
error messages (f-strings, anything inside `raise` or `warnings.warn`), `copy=` arguments
(they decide whether a copy is made, not its values), imports and decorators. A
module-level UPPER_CASE constant gets only `limit_scaled` (a whole number ten times
larger or smaller): a file check's limit must be pinned by a hostile file at the limit
and one above; a kernel's chunk and thread limits are work cuts (any value is correct,
tests shrink them), equivalent by rule in mutation_equivalents.py.
"""
import ast
import dataclasses

BINOP_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
               ast.FloorDiv: ast.Mult, ast.Pow: ast.Mult, ast.Mod: ast.FloorDiv,
               ast.LShift: ast.RShift, ast.RShift: ast.LShift, ast.BitAnd: ast.BitOr,
               ast.BitOr: ast.BitAnd}
ORDERED = (ast.Sub, ast.Div, ast.FloorDiv, ast.Pow, ast.MatMult, ast.Mod)
COMPARE_SWAPS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
                 ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
                 ast.In: ast.NotIn, ast.NotIn: ast.In}
NAME_SWAPS = {"min": "max", "max": "min", "maximum": "minimum", "minimum": "maximum",
              "amax": "amin", "amin": "amax", "argmax": "argmin", "argmin": "argmax",
              "floor": "ceil", "ceil": "floor", "sum": "mean", "mean": "sum",
              "float64": "float32", "float32": "float64", "zeros": "ones", "ones": "zeros",
              "zeros_like": "ones_like", "ones_like": "zeros_like", "sqrt": "abs",
              "exp": "abs", "log": "abs", "square": "abs", "cumsum": "abs"}
STRING_SWAPS = {"float64": "float32", "float32": "float64"}
# A direction named by a string: a metric's `_direction`, a callback's mode.
DIRECTION_SWAPS = {"up": "down", "down": "up", "min": "max", "max": "min"}
QUIET_CALLS = {"warn", "warning", "info", "debug"}
# Keyword arguments that change no value: `copy=` only says whether a copy is made.
QUIET_KEYWORDS = {"copy"}
# Calls that only reorder axes: dropping one leaves its first argument (or the object).
AXIS_ORDER_CALLS = {"transpose", "swapaxes", "moveaxis", "permute_dims"}
# Calls whose two arguments commute: swapping them is no bug.
COMMUTATIVE = {"min", "max", "maximum", "minimum", "fmax", "fmin", "add", "multiply",
               "logical_and", "logical_or", "hypot", "array_equal", "allclose"}


@dataclasses.dataclass(frozen=True)
class Mutant:
    path: str       # file, relative to the repository
    line: int       # 1-based, of the span's start
    col: int        # byte offsets in the UTF-8 source, as the AST gives them
    end_line: int
    end_col: int
    old: str
    new: str
    kind: str

    @property
    def id(self):
        return f"{self.path}:{self.line}:{self.col}:{self.kind}:{self.new}"

    def describe(self):
        return f"{self.path}:{self.line} {self.kind}: {self.old!r} -> {self.new!r}"


def apply(source, m):
    """The mutated source text (str); line numbers of the rest stay as they were."""
    lines = source.encode().splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    data = source.encode()
    begin = starts[m.line - 1] + m.col
    end = starts[m.end_line - 1] + m.end_col
    return (data[:begin] + m.new.encode() + data[end:]).decode()


def mutants(path, source):
    """Every mutant of the file's source, in source order."""
    tree = ast.parse(source)
    data = source.encode()
    line_starts = [0]
    for line in data.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))

    def text(node):
        begin = line_starts[node.lineno - 1] + node.col_offset
        end = line_starts[node.end_lineno - 1] + node.end_col_offset
        return data[begin:end].decode()

    found = []

    def add(node, new, kind, old=None):
        old = text(node) if old is None else old
        if new != old:
            found.append(Mutant(path, node.lineno, node.col_offset, node.end_lineno,
                                node.end_col_offset, old, new, kind))

    for node in _mutable_nodes(tree):
        _node_mutants(node, text, add)
    for value in _limits(tree):  # a size limit or threshold ten times off
        add(value, f"({text(value)}) * 10", "limit_scaled")
        add(value, f"({text(value)}) // 10", "limit_scaled")
    found.sort(key=lambda m: (m.line, m.col, m.kind, m.new))
    return list(dict.fromkeys(found))


def _mutable_nodes(tree):
    """The nodes outside the regions left alone (see the module docstring)."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Raise, ast.JoinedStr, ast.Import, ast.ImportFrom,
                             ast.Assert, ast.Global, ast.Nonlocal)):
            skip.update(map(id, ast.walk(node)))
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                skip.update(map(id, ast.walk(decorator)))
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value,
                                                                     ast.Constant):
                skip.update(map(id, ast.walk(body[0])))
        elif isinstance(node, ast.Call) and _called_name(node) in QUIET_CALLS:
            skip.update(map(id, ast.walk(node)))
        elif isinstance(node, ast.keyword) and node.arg in QUIET_KEYWORDS:
            skip.update(map(id, ast.walk(node)))
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            skip.update(map(id, ast.walk(node)))  # module docstring
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if names and all(n.isupper() or n.lstrip("_").isupper() for n in names):
                skip.update(map(id, ast.walk(node)))  # tuning constants and tables
    return [n for n in ast.walk(tree) if id(n) not in skip and hasattr(n, "lineno")]


def _limits(tree):
    """The values of module-level UPPER_CASE constants that are whole numbers (a limit,
    a block size, a threshold: `MAX_MEMBERS = 1000`, `WORKSPACE_BYTES = 8 * 2**20`)."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name) and node.targets[0].id.lstrip("_").isupper():
            try:
                value = eval(compile(ast.Expression(node.value), "", "eval"), {})
            except Exception:  # a name, a call, a table: not a plain number
                continue
            if isinstance(value, int) and not isinstance(value, bool) and value > 1:
                yield node.value


def _called_name(call):
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)


def _unparse(node):
    return ast.unparse(node)


def _node_mutants(node, text, add):
    if isinstance(node, ast.BinOp):
        _binop(node, text, add)
    elif isinstance(node, ast.AugAssign):
        swap = BINOP_SWAPS.get(type(node.op))
        if swap:
            add(node, _unparse(ast.AugAssign(node.target, swap(), node.value)), "augassign")
        add(node, "pass", "statement_dropped")
        # a sum over blocks or taps that starts again at each one
        add(node, f"{text(node.target)} = {text(node.value)}", "accumulation_restarted")
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            swap = COMPARE_SWAPS.get(type(op))
            if swap:
                ops = list(node.ops)
                ops[i] = swap()
                add(node, _unparse(ast.Compare(node.left, ops, node.comparators)), "compare")
    elif isinstance(node, ast.BoolOp):
        other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        add(node, _unparse(ast.BoolOp(other, node.values)), "boolop")
        for i in range(len(node.values)):
            rest = node.values[:i] + node.values[i + 1:]
            new = rest[0] if len(rest) == 1 else ast.BoolOp(node.op, rest)
            add(node, _unparse(new), "term_dropped")
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        add(node, text(node.operand) if not isinstance(node.operand, ast.BinOp)
            else f"({text(node.operand)})", "sign_dropped" if isinstance(node.op, ast.USub)
            else "not_dropped")
        if isinstance(node.op, ast.USub) and _is_int(node.operand):
            add(node, str(-node.operand.value - 1), "constant")
        inner = node.operand
        if isinstance(node.op, ast.USub) and isinstance(inner, ast.BinOp) and isinstance(
                inner.op, ast.FloorDiv) and isinstance(inner.left, ast.UnaryOp) and \
                isinstance(inner.left.op, ast.USub):  # ceil(a / b) -> floor: a partial
            left = inner.left.operand           # block (or chunk) no longer counted
            left = f"({text(left)})" if isinstance(left, ast.BinOp) else text(left)
            add(node, f"{left} // {text(inner.right)}", "partial_block_dropped")
    elif isinstance(node, ast.Constant):
        _constant(node, add)
    elif isinstance(node, ast.Slice):
        _slice(node, text, add)
    elif isinstance(node, ast.Subscript):
        index = node.slice
        if isinstance(index, (ast.Name, ast.BinOp, ast.Attribute)):
            add(index, f"{text(index)} + 1", "index")
            add(index, f"{text(index)} - 1", "index")
    elif isinstance(node, ast.Call):
        _call(node, text, add)
    elif isinstance(node, ast.Attribute):
        if node.attr == "T":
            add(node, text(node.value), "transpose_dropped")
        elif node.attr in NAME_SWAPS:
            add(node, f"{text(node.value)}.{NAME_SWAPS[node.attr]}", "name")
    elif isinstance(node, ast.Name) and node.id in NAME_SWAPS and isinstance(
            node.ctx, ast.Load):
        add(node, NAME_SWAPS[node.id], "name")
    elif isinstance(node, ast.Tuple) and isinstance(node.ctx, ast.Load):
        _swap_neighbours(node, node.elts, text, add, "tuple_swapped")
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        add(node, "pass", "statement_dropped")
    elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Subscript)
                                              for t in node.targets):
        add(node, "pass", "statement_dropped")


def _binop(node, text, add):
    if isinstance(node.op, ast.Add):
        _epsilon_into_root(node, text, add)
    swap = BINOP_SWAPS.get(type(node.op))
    if swap:
        add(node, _unparse(ast.BinOp(node.left, swap(), node.right)), "operator")
    if isinstance(node.op, ORDERED) and text(node.left) != text(node.right):
        add(node, _unparse(ast.BinOp(node.right, node.op, node.left)), "operands_swapped")
    if isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.MatMult)):
        add(node, f"({text(node.left)})", "term_dropped")
        if not isinstance(node.op, (ast.Div, ast.MatMult)):
            add(node, f"({text(node.right)})", "term_dropped")


def _is_int(node):
    return (isinstance(node, ast.Constant) and isinstance(node.value, int)
            and not isinstance(node.value, bool))


def _constant(node, add):
    value = node.value
    if isinstance(value, bool):
        add(node, str(not value), "constant")
    elif isinstance(value, int):
        add(node, str(value + 1), "constant")
        add(node, str(value - 1), "constant")
    elif isinstance(value, float):
        add(node, repr(value + 1.0), "constant")
    elif isinstance(value, str) and value in STRING_SWAPS:
        add(node, repr(STRING_SWAPS[value]), "dtype")
    elif isinstance(value, str) and value in DIRECTION_SWAPS:
        add(node, repr(DIRECTION_SWAPS[value]), "direction")


def _slice(node, text, add):
    for bound in ("lower", "upper"):
        expr = getattr(node, bound)
        if expr is None:
            continue
        if _is_int(expr):
            continue  # the Constant itself is mutated
        add(expr, f"{text(expr)} + 1", "slice_bound")
        add(expr, f"{text(expr)} - 1", "slice_bound")
    if node.lower is None:
        # `[:stop]` -> `[1:stop]`: the first element left out
        parts = ["1", text(node.upper) if node.upper else "",
                 text(node.step) if node.step else None]
        add(node, ":".join(p for p in parts if p is not None), "slice_bound")
    if node.step is not None:
        lower = text(node.lower) if node.lower else ""
        upper = text(node.upper) if node.upper else ""
        add(node, f"{lower}:{upper}", "step_dropped")


def _is_root(node):
    return isinstance(node, ast.Call) and _called_name(node) == "sqrt" and \
        len(node.args) == 1 and not node.keywords


def _epsilon_into_root(node, text, add):
    """`sqrt(v) + eps` -> `sqrt(v + eps)` (either side of the sum)."""
    for root, other in ((node.left, node.right), (node.right, node.left)):
        if _is_root(root):
            add(node, f"{text(root.func)}({text(root.args[0])} + {text(other)})",
                "epsilon_moved")


def _call(node, text, add):
    name = _called_name(node)
    if _is_root(node) and isinstance(node.args[0], ast.BinOp) and \
            isinstance(node.args[0].op, ast.Add):
        inner = node.args[0]  # `sqrt(v + eps)` -> `sqrt(v) + eps`
        add(node, f"({text(node.func)}({text(inner.left)}) + {text(inner.right)})",
            "epsilon_moved")
    if name in AXIS_ORDER_CALLS and isinstance(node.func, ast.Attribute):
        owner = text(node.func.value)
        if owner in ("np", "numpy", "ops", "keras.ops") and node.args:
            add(node, text(node.args[0]), "transpose_dropped")
        elif owner not in ("np", "numpy", "ops", "keras.ops"):
            add(node, owner, "transpose_dropped")
    if name in ("range", "slice"):
        for arg in node.args:
            if not _is_int(arg):
                add(arg, f"{text(arg)} + 1", "range_bound")
                add(arg, f"{text(arg)} - 1", "range_bound")
    if name == "range" and len(node.args) == 3 and not (
            _is_int(node.args[2]) and node.args[2].value == 1):
        stop, step = node.args[1], node.args[2]  # block starts: the last partial one gone
        add(stop, f"{text(stop)} - {text(step)} + 1", "partial_block_dropped")
    if name == "astype" and isinstance(node.func, ast.Attribute):
        add(node, text(node.func.value), "cast_dropped")
    positional = [a for a in node.args if not isinstance(a, ast.Starred)]
    if len(positional) == len(node.args) and not (name in COMMUTATIVE
                                                   and len(node.args) == 2):
        _swap_neighbours(node, node.args, text, add, "args_swapped")
    for i, keyword in enumerate(node.keywords):
        if keyword.arg is None or keyword.arg == "name" or keyword.arg in QUIET_KEYWORDS:
            continue
        rest = node.keywords[:i] + node.keywords[i + 1:]
        add(node, _unparse(ast.Call(node.func, node.args, rest)), "kwarg_dropped")


def _swap_neighbours(node, items, text, add, kind):
    """Each pair of neighbouring items swapped, the rest of the node's text kept."""
    if len(items) < 2 or any(getattr(i, "lineno", None) is None for i in items):
        return
    whole = text(node)
    for a, b in zip(items, items[1:]):
        ta, tb = text(a), text(b)
        if ta == tb:
            continue
        # offsets of a and b inside the node's text (same-line or multi-line alike)
        sa, sb = _offset(node, a, text), _offset(node, b, text)
        if sa is None or sb is None:
            continue
        new = whole[:sa] + tb + whole[sa + len(ta):sb] + ta + whole[sb + len(tb):]
        add(node, new, kind)


def _offset(node, child, text):
    """Character offset of `child`'s text inside `node`'s text (the node's first line
    starts at its own column, later lines at the file line's column 0)."""
    lines = text(node).split("\n")
    line = child.lineno - node.lineno
    if line >= len(lines):
        return None
    col = child.col_offset - (node.col_offset if line == 0 else 0)
    before = sum(len(earlier) + 1 for earlier in lines[:line])
    return before + len(lines[line].encode()[:col].decode(errors="ignore"))
