"""verify(graph): the IR's invariants, checked after every pass when checks are on."""
from .lazy import nx

from ..errors import AmbiError, GraphError
from .graph import SEQ
from .printer import pretty


def verify(graph, after=None):
    """Raise GraphError, showing the graph around the bad node, if an invariant fails."""
    for g in graph.nested():
        _verify_one(g, after)


def _verify_one(graph, after):
    if not nx.is_directed_acyclic_graph(graph.nx):
        loop = [u for u, *_ in nx.find_cycle(graph.nx)]
        cycle = " -> ".join(graph[u]["name"] for u in loop + loop[:1])
        _fail(graph, None, f"the graph has a cycle: {cycle}", after)
    for n in graph.order():
        _verify_node(graph, n, after)
    for v in graph.outputs:
        if v[0] not in graph:
            _fail(graph, None, f"output {v} refers to a removed node", after)
    effects = graph.effects()
    for a, b in zip(effects, effects[1:]):
        if not graph.nx.has_edge(a, b, key=SEQ):
            _fail(graph, b, "the effect chain is broken before this node", after)


def _verify_node(graph, n, after):
    node = graph[n]
    op, operands = node["op"], graph.operands(n)
    positions = sorted(k for _, _, k in graph.nx.in_edges(n, keys=True) if k != SEQ)
    if positions != list(range(len(positions))):
        _fail(graph, n, f"operand positions {positions} have a gap", after)
    if not op.variadic and len(positions) != op.arity:
        _fail(graph, n, f"{op.name} takes {op.arity} operand(s), the node has "
                        f"{len(positions)}", after)
    for u, out in operands:
        if not 0 <= out < len(graph[u]["types"]):
            _fail(graph, n, f"an operand reads output {out} of {graph[u]['name']}, which "
                            f"has {len(graph[u]['types'])}", after)
    types = [graph.out_type(v) for v in operands]
    if op.name != "arg":
        try:
            inferred = op.infer(types, node["params"])
        except AmbiError as e:
            _fail(graph, n, f"types no longer check: {e.message}", after)
        if tuple(inferred) != tuple(node["types"]):
            _fail(graph, n, f"recorded types {node['types']} but rules give {inferred}", after)


def _fail(graph, n, message, after):
    where = f" after pass {after!r}" if after else ""
    try:
        listing = pretty(graph, around=n)
    except nx.NetworkXUnfeasible:  # a cycle: no topological order to list the nodes in
        listing = "\n".join([f"graph {graph.name}, nodes in creation order:"] + [
            f"   {graph[k]['name']} = {graph[k]['op'].name}(...)" for k in sorted(graph.nx)])
    raise GraphError(f"invalid graph{where}: {message}\n{listing}")
