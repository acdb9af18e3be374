"""Save and load graphs as versioned JSON: no pickle, no eval, every field validated.

A file is ``{"format": "ambi-graph", "version": 2, "variables": [...], "graph": {...}}``.
A graph is ``{"name", "nodes", "inputs", "outputs"}``; nodes are listed in creation
order and refer to each other by their index in that list::

    {"op": "add", "name": "add", "operands": [[0, 0], [3, 0]], "after": [],
     "types": [{"shape": [3], "dtype": "float32"}], "locs": [["f.py", 7, 9, "y = a + b"]],
     "params": {}}

A location is ``[file, line, col, source line]``: the line's text is saved with it, so
errors from a loaded graph quote the user's line, and loading never opens a file that a
graph names (version 2 files, whose locations have no text, quote nothing).

``operands`` are (node, output) pairs in operand order; ``after`` lists the effect-chain
predecessors (the ``"seq"`` edges). Param values are JSON scalars, lists for tuples (JSON
has no tuples; every list comes back as a tuple, since params are frozen) and one-key
objects for everything else: ``{"float": hex}`` (exact, nan/inf/-0.0 included),
``{"dtype": name}``, ``{"tensor_type": ...}``, ``{"array": ...}``, ``{"scalar": ...}``,
``{"variable": index}`` into the top-level variables table, and ``{"graph": ...}`` for
subgraphs. An array is ``{"dtype", "shape", "data"}`` with ``data`` flat (floats as
``float.hex`` strings) when it is small, or ``{"dtype", "shape", "bytes"}`` with its raw
little-endian bytes in base64 from ``BYTES_MIN`` elements on (version 2: a million
float32s take 5.3 MB, not 24 MB of hex strings). Version 1 files, all ``data``, still
load. A variable is ``{"name", "array"}``.

Loading rebuilds the graph, checks every param by its op's declared kind
(``ambi.ir.params``), re-infers every node's types, holds them to the allocation
``Budget`` (``ambi.limits``) and runs ``verify``; any problem is a ``LoadError`` that
says what is wrong and where in the file. Only regular files are read.
"""
import base64
import json
import os
import stat

from .lazy import nx
import numpy as np

from .. import dtypes as dt
from ..errors import AmbiError, ArgumentError, LoadError
from ..limits import DEFAULT as DEFAULT_BUDGET
from . import jsonread as jr
from .graph import SEQ, Graph, _ids
from .opdef import REGISTRY
from .types import TensorType

FORMAT, VERSION = "ambi-graph", 3
READS = (1, 2, 3)  # the versions this ambi loads (3: locations carry their line's text)
BYTES_MIN = 64  # arrays of this many elements or more are stored as base64 bytes
MAX_DEPTH = 64              # nesting of subgraphs (and of tuples in params)


# -- saving ---------------------------------------------------------------------------
def save(graph, path):
    """Write ``graph`` to ``path`` as JSON. ``f.get_concrete_function(x).graph.save("f.json")``"""
    text = dumps(graph)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def dumps(graph):
    """The JSON text of a graph (what ``save`` writes)."""
    return json.dumps(to_json(graph), allow_nan=False)


def to_json(graph):
    """The file's content as plain JSON-ready Python objects."""
    enc = _Encoder()
    body = enc.graph(graph)
    return {"format": FORMAT, "version": VERSION, "variables": enc.variables, "graph": body}


class _Encoder:
    def __init__(self):
        self.variables, self._var_index = [], {}

    def graph(self, g):
        nodes = sorted(g.nx.nodes)  # creation order: keeps pretty() and order() stable
        index = {n: i for i, n in enumerate(nodes)}
        return {"name": g.name, "nodes": [self.node(g, n, index) for n in nodes],
                "inputs": [index[n] for n in g.inputs],
                "outputs": [[index[n], out] for n, out in g.outputs]}

    def node(self, g, n, index):
        node = g[n]
        after = sorted(index[u] for u, _, k in g.nx.in_edges(n, keys=True) if k == SEQ)
        return {"op": node["op"].name, "name": node["name"],
                "operands": [[index[u], out] for u, out in g.operands(n)], "after": after,
                "types": [_type_json(t) for t in node["types"]],
                "locs": [[*loc.to_json(), loc.text or ""] for loc in node["locs"]
                         if loc is not None],
                "params": {k: self.value(v, node["name"], k) for k, v in node["params"].items()}}

    def value(self, v, node, key):
        if v is None or isinstance(v, (bool, int, str)):
            return v
        if isinstance(v, float):
            return {"float": v.hex()}
        if isinstance(v, (tuple, list)):
            return [self.value(x, node, key) for x in v]
        if isinstance(v, dt.DType):
            return {"dtype": v.name}
        if isinstance(v, TensorType):
            return {"tensor_type": _type_json(v)}
        if isinstance(v, np.ndarray):
            return {"array": _array_json(v)}
        if isinstance(v, np.generic):
            return {"scalar": _array_json(np.asarray(v))}
        if isinstance(v, Graph):
            return {"graph": self.graph(v)}
        if _is_variable(v):
            return {"variable": self.variable(v)}
        raise ArgumentError(f"cannot save node {node!r}: its param {key!r} holds a "
                            f"{type(v).__name__}, which has no JSON form")

    def variable(self, var):
        if id(var) not in self._var_index:
            self._var_index[id(var)] = len(self.variables)
            self.variables.append({"name": var.name, "array": _array_json(var.numpy())})
        return self._var_index[id(var)]


def _is_variable(v):
    from ..variables import Variable
    return isinstance(v, Variable)


def _type_json(t):
    return {"shape": list(t.shape), "dtype": t.dtype.name}


def _array_json(a):
    kind = dt.of_numpy(a.dtype)
    if kind is None:
        raise ArgumentError(f"cannot save an array of numpy dtype {a.dtype}")
    if a.size >= BYTES_MIN:
        raw = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes()
        return {"dtype": kind.name, "shape": list(a.shape),
                "bytes": base64.b64encode(raw).decode("ascii")}
    flat = a.ravel().tolist()
    data = list(map(float.hex, flat)) if kind.is_float else flat
    return {"dtype": kind.name, "shape": list(a.shape), "data": data}


# -- loading --------------------------------------------------------------------------
def load_graph(path, budget=None):
    """Read a graph that ``save`` wrote; any problem raises ``LoadError``. ``budget`` (an
    ``ambi.limits.Budget``) bounds the file's size and what its values may allocate."""
    budget = budget or DEFAULT_BUDGET
    data = read_regular(path, budget.file_bytes, LoadError)
    try:
        return loads(data, budget)
    except LoadError as e:
        e.message = f"{path}: {e.message}"
        e.args = (e.message,)
        raise


def read_regular(path, limit, error):
    """The bytes of a regular file of at most ``limit`` bytes, or ``error(message)``:
    never a device, a FIFO or a directory (``/dev/zero`` would never end)."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            size = st.st_size if stat.S_ISREG(st.st_mode) else None
            data = f.read(limit + 1) if size is not None and size <= limit else b""
    except OSError as e:
        raise error(f"cannot read {path}: {e.strerror or e}") from None
    except ValueError as e:  # a NUL in the path
        raise error(f"cannot read {path!r}: {e}") from None
    if size is None:
        raise error(f"{path}: not a regular file")
    if size > limit or len(data) > limit:  # len: it grew while we read
        raise error(f"{path}: the file is more than the limit of {limit} bytes")
    return data


def loads(text, budget=None):
    """Parse JSON text (str or bytes) into a verified Graph, or raise LoadError."""
    try:
        obj = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise LoadError(f"not valid JSON: {e}") from None
    except RecursionError:
        raise LoadError("not valid JSON: nested too deeply") from None
    return from_json(obj, budget)


def from_json(obj, budget=None):
    """Build a verified Graph from the file's parsed JSON content."""
    top = jr.Where()
    jr.expect(obj, dict, top)
    if obj.get("format") != FORMAT:
        raise LoadError(f"not an ambi graph file: 'format' is {jr.short(obj.get('format'))}, "
                        f"expected {FORMAT!r}")
    if obj.get("version") not in READS or type(obj.get("version")) is not int:
        raise LoadError(f"unsupported graph file version {jr.short(obj.get('version'))}; this "
                        f"ambi reads versions {', '.join(map(str, READS))}")
    try:
        variables = jr.as_list(jr.field(obj, "variables", top), top / "variables")
        dec = _Decoder([_variable(v, top / "variables" / i) for i, v in enumerate(variables)],
                       budget or DEFAULT_BUDGET)
        graph = dec.graph(jr.field(obj, "graph", top), top / "graph", depth=0)
    except RecursionError:
        raise LoadError("the file is nested too deeply") from None
    graph.variables = dec.variables
    _verify(graph)
    return graph


def _verify(graph):
    from .verify import verify
    try:
        verify(graph)
    except AmbiError as e:
        raise LoadError(f"the graph does not verify: {e.message}") from None
    except Exception as e:  # noqa: BLE001  a hostile file must never crash the loader
        raise LoadError(f"the graph does not verify: {type(e).__name__}: {e}") from None


def _variable(v, where):
    from ..variables import Variable
    jr.expect(v, dict, where)
    jr.check_keys(v, {"name", "array"}, where)
    name = jr.expect(v["name"], str, where / "name")
    return Variable(jr.array(v["array"], where / "array"), name=name)


class _Decoder:
    """Turns JSON graphs back into Graphs; holds the file's fresh Variables and counts
    the elements of every value its nodes make (subgraphs included) against the budget."""

    def __init__(self, variables, budget):
        self.variables, self.budget, self.total = variables, budget, 0

    def graph(self, obj, where, depth):
        if depth > MAX_DEPTH:
            jr.fail(where, f"subgraphs are nested more than {MAX_DEPTH} deep")
        jr.expect(obj, dict, where)
        jr.check_keys(obj, {"name", "nodes", "inputs", "outputs"}, where)
        g = Graph(jr.name(obj["name"], where / "name"))
        raw = jr.as_list(obj["nodes"], where / "nodes")
        ids = [next(_ids) for _ in raw]
        nodes = [self.node(r, where / "nodes" / i, depth) for i, r in enumerate(raw)]
        for n, (op, attrs, _) in zip(ids, nodes):
            g.nx.add_node(n, op=op, **attrs)
        for i, (n, (_, _, edges)) in enumerate(zip(ids, nodes)):
            _add_edges(g, n, edges, ids, where / "nodes" / i)
        g.touch()  # edges went into networkx directly: no cached order or operands
        _set_io(g, obj, ids, where)
        _check_nodes(g, ids, where)
        _finish(g)
        return g

    def node(self, obj, where, depth):
        jr.expect(obj, dict, where)
        jr.check_keys(obj, {"op", "name", "operands", "after", "types", "locs", "params"}, where)
        op = REGISTRY.get(obj["op"]) if isinstance(obj["op"], str) else None
        if op is None:
            jr.fail(where / "op", f"unknown op {jr.short(obj['op'])}")
        if op.decompose is not None:
            jr.fail(where / "op", f"{op.name} is a composite op; graphs hold only primitives")
        types = tuple(jr.tensor_type(t, where / "types" / i)
                      for i, t in enumerate(jr.as_list(obj["types"], where / "types")))
        self.total += self.budget.check_types(types, where / "types")
        self.budget.check_total(self.total, where / "types")
        attrs = {"params": self.params(op, obj["params"], where / "params", depth),
                 "types": types,
                 "locs": tuple(jr.loc(x, where / "locs" / i)
                               for i, x in enumerate(jr.as_list(obj["locs"], where / "locs"))),
                 "name": jr.name(obj["name"], where / "name")}
        edges = (_pairs(obj["operands"], where / "operands"),
                 [jr.as_int(u, where / "after" / i) for i, u in
                  enumerate(jr.as_list(obj["after"], where / "after"))])
        return op, attrs, edges

    def params(self, op, obj, where, depth):
        jr.expect(obj, dict, where)
        jr.check_keys(obj, set(op.params), where, required=())
        params = {k: self.param(op, k, obj[k], where / k, depth) if k in obj else d
                  for k, d in op.params.items()}
        for k in op.subgraphs:
            if not isinstance(params[k], Graph):
                jr.fail(where / k, f"{op.name} needs a subgraph here")
        return params

    def param(self, op, key, v, where, depth):
        """A param's value, checked by its op's declared kind as the API checks it."""
        value = self.value(v, where, depth)
        try:
            return op.check_param(key, value)
        except ArgumentError as e:
            jr.fail(where, e.message)

    def value(self, v, where, depth):
        if v is None or isinstance(v, (bool, int, str, float)):
            return v
        if isinstance(v, list):
            if depth > MAX_DEPTH:
                jr.fail(where, f"values are nested more than {MAX_DEPTH} deep")
            return tuple(self.value(x, where / i, depth + 1) for i, x in enumerate(v))
        jr.expect(v, dict, where)
        if len(v) != 1 or next(iter(v)) not in self.TAGS:
            jr.fail(where, "a param object must have exactly one key among "
                    + ", ".join(sorted(self.TAGS)) + f", got {jr.short(sorted(v))}")
        tag, body = next(iter(v.items()))
        return self.TAGS[tag](self, body, where / tag, depth)

    def _variable_ref(self, v, where, depth):
        return self.variables[jr.as_int(v, where, lo=0, hi=len(self.variables))]

    def _scalar(self, v, where, depth):
        a = jr.array(v, where)
        if a.shape != ():
            jr.fail(where, f"a scalar has shape (), got {a.shape}")
        return a[()]

    TAGS = {
        "float": lambda self, v, w, d: jr.element(jr.expect(v, str, w), dt.float64, w),
        "dtype": lambda self, v, w, d: jr.as_dtype(v, w),
        "tensor_type": lambda self, v, w, d: jr.tensor_type(v, w),
        "array": lambda self, v, w, d: jr.array(v, w),
        "scalar": _scalar,
        "variable": _variable_ref,
        "graph": lambda self, v, w, d: self.graph(v, w, d + 1),
    }


def _pairs(v, where):
    out = []
    for i, p in enumerate(jr.as_list(v, where)):
        if not isinstance(p, list) or len(p) != 2:
            jr.fail(where / i, f"expected [node, output], got {jr.short(p)}")
        out.append((jr.as_int(p[0], where / i / 0), jr.as_int(p[1], where / i / 1)))
    return out


def _node_id(ids, i, where):
    if not 0 <= i < len(ids):
        jr.fail(where, f"refers to node {i}, but the graph has {len(ids)} nodes")
    return ids[i]


def _value_ref(g, ids, pair, where):
    n = _node_id(ids, pair[0], where)
    nout = len(g[n]["types"])
    if not 0 <= pair[1] < nout:
        jr.fail(where, f"refers to output {pair[1]} of node {pair[0]}, which has {nout}")
    return n, pair[1]


def _add_edges(g, n, edges, ids, where):
    operands, after = edges
    for pos, pair in enumerate(operands):
        src, out = _value_ref(g, ids, pair, where / "operands" / pos)
        g.nx.add_edge(src, n, key=pos, out=out)
    for i, u in enumerate(after):
        g.nx.add_edge(_node_id(ids, u, where / "after" / i), n, key=SEQ)


def _set_io(g, obj, ids, where):
    inputs = [_node_id(ids, jr.as_int(i, where / "inputs" / k), where / "inputs" / k)
              for k, i in enumerate(jr.as_list(obj["inputs"], where / "inputs"))]
    args = [n for n in ids if g[n]["op"].name == "arg"]
    if sorted(inputs) != args:
        jr.fail(where / "inputs", "must list every arg node exactly once")
    g.inputs = inputs
    g.outputs = [_value_ref(g, ids, pair, where / "outputs" / i)
                 for i, pair in enumerate(_pairs(obj["outputs"], where / "outputs"))]


def _check_nodes(g, ids, where):
    """Acyclic, the right number of operands, and types that re-infer as recorded."""
    index = {n: i for i, n in enumerate(ids)}
    if not nx.is_directed_acyclic_graph(g.nx):
        cycle = [index[n] for n, _, *_ in nx.find_cycle(g.nx)]
        jr.fail(where / "nodes", f"the edges form a cycle through nodes {cycle}")
    for n in g.order():
        _check_node(g, n, where / "nodes" / index[n])


def _check_node(g, n, where):
    node = g[n]
    op, operands = node["op"], g.operands(n)
    if not op.variadic and len(operands) != op.arity:
        jr.fail(where, f"{op.name} takes {op.arity} operand(s), the file gives {len(operands)}")
    try:
        inferred = op.infer([g.out_type(v) for v in operands], node["params"])
    except AmbiError as e:
        jr.fail(where, f"{op.name}: {e.message}")
    except Exception as e:  # noqa: BLE001  rules given hostile params must not crash the loader
        jr.fail(where, f"{op.name}: its params do not check ({type(e).__name__}: {e})")
    if tuple(inferred) != node["types"]:
        jr.fail(where / "types", f"{op.name} gives types {list(inferred)}, the file records "
                               f"{list(node['types'])}")


def _finish(g):
    """The bookkeeping add_node keeps: the last effect and the counters of fresh names."""
    effects = [n for n in g.order() if g.is_effect(n)]
    g.last_effect = effects[-1] if effects else None
    for n in g.nx:
        name = g[n]["name"]
        g._names[name] = max(g._names.get(name, 0), 1)
        base, _, k = name.rpartition("_")
        if base and k.isdigit() and len(k) < 10:
            g._names[base] = max(g._names.get(base, 0), int(k) + 1)
