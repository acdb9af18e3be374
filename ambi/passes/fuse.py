"""Elementwise fusion (-O2): chains of elementwise ops of one shape become one node of the
op flagged ``fusion`` (``fused``) holding them as a subgraph, so an OpenCL device runs
them as one kernel and the intermediates never touch memory. The pass manager never
hands a level-2 rewrite such as this one a fused body, so a chain is fused once.

A node joins the groups of its operands' producers when they have its shape and the
union stays convex (no operand from outside depends on the group, which would make a
cycle). Inputs of any
shape may broadcast into a group; values used outside it become the node's outputs.
"""
import functools

from ..ir.lazy import nx

from .. import config
from ..ir.graph import Graph
from ..ir.ops_ir import ARG
from ..ir.opdef import REGISTRY


def fuse(graph, min_size=0, min_ops=2):
    """Group elementwise chains of ``graph`` into fused nodes (only chains of at least
    ``min_size`` elements and ``min_ops`` ops)."""
    if not _has_size(graph, min_size):
        return False
    groups = [m for m in _groups(graph)
              if graph[m[0]]["types"][0].size >= min_size and len(m) >= min_ops]
    groups = _acyclic(graph, groups)
    for members in groups:
        _replace(graph, members)
    return bool(groups)


def fuse_large(graph):
    """The cpu device's -O2 fusion: only chains of ``config.CPU_FUSE_MIN_ELEMENTS`` or more
    elements and ``config.CPU_FUSE_MIN_OPS`` or more ops, which the executor runs block by
    block (smaller ones would only gain a call, shorter ones have few temporaries to keep
    in cache and pay the blocks' Python: with Adam's 3-5-op updates of a 784x256 kernel
    blocked, the MLP train step took 1.31-1.37x numpy's time, 1.17-1.21x unblocked)."""
    return fuse(graph, min_size=config.CPU_FUSE_MIN_ELEMENTS, min_ops=config.CPU_FUSE_MIN_OPS)


@functools.cache
def _fusion_op():
    """The op whose node holds a fused chain: the record flagged ``fusion``."""
    return next(op for op in REGISTRY.values() if op.fusion)


def _has_size(g, min_size):
    """Whether any value may be that big (a quick no for the usual small graph on cpu)."""
    return not min_size or g.largest() >= min_size


def _acyclic(g, groups):
    """Drop groups until contracting all of them leaves the graph acyclic.

    Each group is convex alone, yet two groups can still feed each other (a1 -> b2,
    b1 -> a3); only the contracted graph shows that. Cycles are rare, so one linear
    check usually suffices.
    """
    while groups:
        cycle = _contracted_cycle(g, groups)
        if cycle is None:
            return groups
        drop = max(cycle)
        groups = [m for i, m in enumerate(groups) if i != drop]
    return groups


def _contracted_cycle(g, groups):
    """Indices of groups on a cycle of the graph with every group contracted, or None."""
    owner = {n: ("g", i) for i, m in enumerate(groups) for n in m}
    q = nx.DiGraph()
    for u, v in g.nx.edges():
        a, b = owner.get(u, ("n", u)), owner.get(v, ("n", v))
        if a != b:
            q.add_edge(a, b)
    try:
        cycle = nx.find_cycle(q)
    except nx.NetworkXNoCycle:
        return None
    return [x[1] for x, _ in cycle if x[0] == "g"]


def _fusible(g, n):
    node = g[n]
    return node["op"].elementwise and node["op"].cl is not None and not g.is_effect(n)


def _groups(g):
    """Lists of nodes (in order) to fuse; groups of one are left alone.

    Groups are kept as union-find sets (a member -> its root, merged smaller into
    larger) with their first rank, so a chain that runs through the whole graph costs
    O(n log n) to grow, not O(n) per node.
    """
    order = g.order()
    rank = {n: i for i, n in enumerate(order)}
    ops = {n: [u for u, _ in g.operands(n)] for n in order}
    root, members, lo = {}, {}, {}  # node -> its group's root; root -> members, first rank
    for n in order:
        if not _fusible(g, n):
            continue
        shape = g[n]["types"][0].shape
        mine, root[n], members[n], lo[n] = n, n, {n}, rank[n]
        for u in ops[n]:  # join every operand's group that keeps the group convex
            r = root.get(u)
            if r is None or r == mine or g[r]["types"][0].shape != shape:
                continue
            # joining one group, only n's own operands can close a cycle; a second group
            # may reach the first through any of its members' operands
            check = ops[n] if len(members[mine]) == 1 else \
                [v for m in members[mine] | members[r] for v in ops[m]]
            if _convex(g, check, (mine, r), root, min(lo[mine], lo[r]), rank):
                mine = _merge(mine, r, root, members, lo)
    groups = [sorted(m, key=rank.get) for m in members.values() if len(m) > 1]
    return sorted(groups, key=lambda m: rank[m[0]])


def _merge(a, b, root, members, lo):
    """Union of groups a and b; returns the root kept."""
    if len(members[a]) < len(members[b]):
        a, b = b, a
    for m in members[b]:
        root[m] = a
    members[a] |= members.pop(b)
    lo[a] = min(lo[a], lo.pop(b))
    return a


def _convex(g, check, pair, root, lo, rank):
    """No operand (of the nodes ``check``) from outside the groups ``pair`` is computed
    from them."""
    outside = {u for u in check if root.get(u) not in pair}
    return not any(_reaches(g, u, pair, root, lo, rank) for u in outside if rank[u] > lo)


def _reaches(g, u, pair, root, lo, rank):
    """Whether u depends on a member of the groups ``pair``; nodes before ``lo`` in
    topological order cannot, so the search stays within the groups' span."""
    todo, seen = [u], {u}
    while todo:
        for p in g.nx.predecessors(todo.pop()):
            if root.get(p) in pair:
                return True
            if p not in seen and rank[p] > lo:
                seen.add(p)
                todo.append(p)
    return False


def _replace(g, members):
    op, inside = _fusion_op(), set(members)
    sub, outer, inner = Graph(op.name), {}, {}
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
    f = g.add_node(op, list(outer), {op.subgraphs[0]: sub},  # its one param: the body
                   [g[n]["types"][0] for n in outs], g[members[-1]]["locs"])
    for i, n in enumerate(outs):
        g.replace_uses((n, 0), (f, i))
    for n in reversed(members):
        g.remove_node(n)
