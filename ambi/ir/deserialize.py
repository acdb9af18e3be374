"""Load graphs that ``serialize`` wrote: trust nothing, check every field (the format
is described in ``ambi/ir/serialize.py``)."""
import json
import os
import stat


from .. import dtypes as dt
from ..errors import AmbiError, ArgumentError, LoadError
from ..limits import DEFAULT as DEFAULT_BUDGET
from . import jsonread as jr
from .graph import SEQ, Graph, _ids
from .lazy import nx
from .opdef import REGISTRY
from .serialize import FORMAT, MAX_DEPTH, READS
from .verify import verify


# -- loading --------------------------------------------------------------------------
def load_graph(path, budget=None, variable=None):
    """Read a graph that ``save`` wrote; any problem raises ``LoadError``. ``budget`` (an
    ``ambi.limits.Budget``) bounds the file's size and what its values may allocate;
    ``variable(array, name=)`` makes the graph's fresh Variables (``am.Variable``: the IR
    sits below the class)."""
    budget = budget or DEFAULT_BUDGET
    data = read_regular(path, budget.file_bytes, LoadError)
    try:
        return loads(data, budget, variable)
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


def loads(text, budget=None, variable=None):
    """Parse JSON text (str or bytes) into a verified Graph, or raise LoadError."""
    try:
        obj = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise LoadError(f"not valid JSON: {e}") from None
    except RecursionError:
        raise LoadError("not valid JSON: nested too deeply") from None
    return from_json(obj, budget, variable)


def from_json(obj, budget=None, variable=None):
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
        dec = _Decoder([_variable(v, top / "variables" / i, variable)
                         for i, v in enumerate(variables)],
                       budget or DEFAULT_BUDGET)
        graph = dec.graph(jr.field(obj, "graph", top), top / "graph", depth=0)
    except RecursionError:
        raise LoadError("the file is nested too deeply") from None
    graph.variables = dec.variables
    _verify(graph)
    return graph


def _verify(graph):
    try:
        verify(graph)
    except AmbiError as e:
        raise LoadError(f"the graph does not verify: {e.message}") from None
    except Exception as e:  # noqa: BLE001  a hostile file must never crash the loader
        raise LoadError(f"the graph does not verify: {type(e).__name__}: {e}") from None


def _variable(v, where, make):
    jr.expect(v, dict, where)
    jr.check_keys(v, {"name", "array"}, where)
    name = jr.expect(v["name"], str, where / "name")
    if make is None:
        raise LoadError("the graph holds Variables: load it with am.load, which makes them")
    return make(jr.array(v["array"], where / "array"), name=name)


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
