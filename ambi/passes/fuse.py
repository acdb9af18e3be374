"""Elementwise fusion (-O2): chains of elementwise ops of one shape become one ``fused``
node holding them as a subgraph, so an OpenCL device runs them as one kernel and the
intermediates never touch memory.

A node joins the groups of its operands' producers when they have its shape and the
union stays convex (no operand from outside depends on the group, which would make a
cycle). Inputs of any
shape may broadcast into a group; values used outside it become the node's outputs.
"""
from ..ir.graph import Graph
from ..ir.ops_ir import ARG
from ..ir.opdef import REGISTRY
from .manager import graphs

BODY = "fused"  # the name of every fused subgraph; the pass never fuses inside one


def fuse(graph):
    """Group elementwise chains into ``fused`` nodes, in ``graph`` and its subgraphs."""
    changed = False
    for g in graphs(graph):
        # one group at a time, regrouping after each: two groups checked separately can
        # still feed each other (a1 -> b2, b1 -> a3), which only the contracted graph shows
        while g.name != BODY:
            groups = _groups(g)
            if not groups:
                break
            _replace(g, groups[0])
            changed = True
    return changed


def _fusible(g, n):
    node = g[n]
    return node["op"].elementwise and node["op"].cl is not None and not g.is_effect(n)


def _groups(g):
    """Lists of nodes (in order) to fuse; groups of one are left alone."""
    root, members = {}, {}
    rank = {n: i for i, n in enumerate(g.order())}
    for n in g.order():
        if not _fusible(g, n):
            continue
        shape = g[n]["types"][0].shape
        group = [n]
        for u, _ in g.operands(n):  # join every operand's group that keeps the group convex
            r = root.get(u)
            if r is not None and r not in group and g[r]["types"][0].shape == shape \
                    and _convex(g, group + members[r], rank):
                group += members.pop(r)
        top = min(group, key=rank.get)
        members[top] = group
        root.update({m: top for m in group})
    return [sorted(m, key=rank.get) for m in members.values() if len(m) > 1]


def _convex(g, nodes, rank):
    """No operand from outside ``nodes`` is itself computed from ``nodes`` (no cycle)."""
    inside = set(nodes)
    lo = min(rank[n] for n in nodes)
    outside = {u for n in nodes for u, _ in g.operands(n)} - inside
    return not any(_reaches(g, u, inside, lo, rank) for u in outside if rank[u] > lo)


def _reaches(g, u, inside, lo, rank):
    """Whether u depends on a node of ``inside``; nodes before ``lo`` in topological order
    cannot, so the search stays within the group's span."""
    todo, seen = [u], {u}
    while todo:
        for p in g.nx.predecessors(todo.pop()):
            if p in inside:
                return True
            if p not in seen and rank[p] > lo:
                seen.add(p)
                todo.append(p)
    return False


def _replace(g, members):
    inside = set(members)
    sub, outer, inner = Graph(BODY), {}, {}
    for n in members:
        ops = []
        for v in g.operands(n):
            if v[0] not in inside and v not in outer:
                t = g.out_type(v)
                a = sub.add_node(ARG, [], {"index": len(outer), "name": None, "type": t}, (t,))
                outer[v] = (a, 0)
            ops.append(inner[v] if v[0] in inside else outer[v])
        node = g[n]
        inner[(n, 0)] = (sub.add_node(node["op"], ops, node["params"], node["types"],
                                      node["locs"], node["name"]), 0)
    outs = [n for n in members if (n, 0) in g.outputs
            or any(u not in inside for u in g.users(n))]
    sub.outputs = [inner[(n, 0)] for n in outs]
    f = g.add_node(REGISTRY["fused"], list(outer), {"graph": sub},
                   [g[n]["types"][0] for n in outs], g[members[-1]]["locs"], "fused")
    for i, n in enumerate(outs):
        g.replace_uses((n, 0), (f, i))
    for n in reversed(members):
        g.remove_node(n)
