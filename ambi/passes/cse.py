"""Common-subexpression elimination: one node per (op, params, operands).

Nodes are visited in topological order and looked up in a dict keyed by the op, a
hashable form of the params and the operand values (sorted first for commutative
ops), so the pass is linear. A node that alone reads its first operand's producer has
no twin and is keyed only if a merge later gives that producer more users. A node
whose key was seen is replaced by the first one, which takes on its source locations.
Effects (prints, variable reads and writes, random draws without a seed) and graph
inputs are never merged.
"""
import struct

import numpy as np

from ..ir.graph import Graph
from ..ir.ops_ir import ARG


def cse(graph):
    """Merge equal computations in ``graph``.

    >>> am.passes.run(graph, ["cse", "dce"])    # x*y + y*x  ->  m = x*y; m + m
    """
    seen, alone, changed = {}, set(), False
    succ = graph.nx._succ  # networkx's own dict: a node's users, one entry each
    for n in list(graph.order()):
        node = graph[n]
        if node["op"] is ARG or node["op"].is_effect(node["params"]):
            continue
        operands = graph.operands(n)
        if operands and len(succ[operands[0][0]]) == 1:
            alone.add(n)  # no other node reads its first operand: it has no twin (yet)
            continue
        first = seen.setdefault(_node_key(graph, n, operands), n)
        if first != n:
            _key_alone_users(graph, first, alone, seen)
            _merge(graph, first, n)
            changed = True
    return changed


def _key_alone_users(graph, keep, alone, seen):
    """Before n's users move to ``keep``: key the users of ``keep`` that had it to
    themselves, since n's users may be their twins. In a long graph most nodes are the
    one user of their first operand; keying only the others keeps the dict small."""
    for w in graph.users(keep):
        if w in alone:
            alone.discard(w)
            seen.setdefault(_node_key(graph, w, graph.operands(w)), w)


def _node_key(graph, n, operands):
    node = graph[n]
    operands = tuple(sorted(operands) if node["op"].commutative else operands)
    params = node["params"]
    params = tuple([(k, param_key(v)) for k, v in params.items()]) if params else ()
    return node["op"], params, operands


def _merge(graph, keep, n):
    """Every use of n reads ``keep`` instead; ``keep`` carries both nodes' locations."""
    for i in range(len(graph[n]["types"])):
        graph.replace_uses((n, i), (keep, i))
    graph[keep]["locs"] = tuple(dict.fromkeys(graph[keep]["locs"] + graph[n]["locs"]))
    graph.remove_node(n)


def param_key(v):
    """A hashable stand-in for a param value that is equal only when the values are.

    Arrays compare by dtype, shape and raw bytes, and floats by their bits, so 0.0 and
    -0.0 stay apart while equal NaNs match; subgraphs compare by identity.
    """
    if isinstance(v, (np.ndarray, np.generic)):
        a = np.ascontiguousarray(v)  # note: makes 0-d arrays 1-d, so key on v's own shape
        return ("array", a.dtype.str, np.shape(v), a.tobytes())
    if isinstance(v, float):
        return ("float", struct.pack("<d", v))
    if isinstance(v, tuple):
        return ("tuple",) + tuple(param_key(x) for x in v)
    if isinstance(v, Graph):
        return ("graph", id(v))
    try:
        hash(v)
    except TypeError:
        return ("object", id(v))
    return (type(v), v)
