"""Constant folding: a node whose operands are all constants becomes a constant.

The value comes from the very kernel the reference interpreter calls (``run_node``),
so a folded graph computes exactly what the unfolded one would. Refused: effects
(which includes random draws without a seed; seeded draws are pure and fold), ops
marked ``foldable=False``, control flow (a loop may not end; a ``cond`` on a constant
is inlined by ``simplify`` instead), results with more than
``ambi.config.FOLD_MAX_ELEMENTS`` elements, and kernels that raise, so the error
still happens at run time, at the user's line.
"""
import numpy as np

from .. import config, dtypes as dt
from ..interp.interpreter import interpret, run_node
from ..ir.ops_ir import CONST
from .manager import graphs


def fold(graph):
    """Replace every foldable node whose operands are all constants by a ``const``.

    >>> am.passes.run(graph, ["fold", "dce"])   # x + 2*3  ->  x + 6
    """
    changed = False
    for g in graphs(graph):
        for n in list(g.order()):
            changed |= _fold_node(g, n)
    return changed


def _fold_node(graph, n):
    if not _foldable(graph, n):
        return False
    values = _evaluate(graph, n, [graph[u]["params"]["value"] for u, _ in graph.operands(n)])
    if values is None:
        return False
    node = graph[n]
    for i, value in enumerate(values):
        c = graph.add_node(CONST, [], {"value": value}, (node["types"][i],), node["locs"])
        graph.replace_uses((n, i), (c, 0))
    graph.remove_node(n)
    return True


def _foldable(graph, n):
    node = graph[n]
    op = node["op"]
    return (op is not CONST and op.foldable and not op.subgraphs
            and all(graph[u]["op"] is CONST for u in graph.nx.pred[n])
            and not graph.is_effect(n)
            and sum(t.size for t in node["types"]) <= config.FOLD_MAX_ELEMENTS)


def _evaluate(graph, n, args):
    """The node's outputs as fresh arrays of its recorded types, or None to refuse."""
    try:
        outs = run_node(graph, n, args, interpret)
    except Exception:  # noqa: BLE001 -- any failure is the program's, left for run time
        return None
    values = [np.array(v) for v in outs]  # a copy: no constant aliases another's buffer
    for v, t in zip(values, graph[n]["types"]):
        if v.shape != t.shape or dt.of_numpy(v.dtype) is not t.dtype:
            return None
    return values
