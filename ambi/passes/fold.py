"""Constant folding: a node whose operands are all constants becomes a constant.

The value comes from the very kernel the reference interpreter calls (``run_node``),
so a folded graph computes exactly what the unfolded one would. The op's rewrite rules
marked ``folds`` apply too: so a ``cond`` whose predicate is a constant becomes its taken
branch, inlined and folded in turn (its effects keep the cond's place in the effect
chain). Refused: effects (which includes random draws without a seed; seeded draws are
pure and fold), ops marked ``foldable=False``, loops (a loop may not end), results with
more than ``ambi.config.FOLD_MAX_ELEMENTS`` elements, and kernels that raise, so the
error still happens at run time, at the user's line.
"""
import numpy as np

from .. import config, dtypes as dt
from ..interp.interpreter import interpret, run_node
from ..ir.ops_ir import CONST
from .simplify import Site, rules_for


def fold(graph):
    """Replace every foldable node whose operands are all constants by a ``const``, and
    every ``cond`` on a constant predicate by its taken branch.

    >>> am.passes.run(graph, ["fold", "dce"])   # x + 2*3  ->  x + 6
    """
    changed = False
    for n in list(graph.order()):
        if n in graph and _fold_node(graph, n) is not None:
            changed = True
    return changed


def _fold_node(graph, n):
    """Fold n: returns the values that replaced it, or None (n stays)."""
    outs = _folded(graph, n)
    if outs is not None:
        for i, v in enumerate(outs):
            graph.replace_uses((n, i), v)
        graph.remove_node(n)
    return outs


def _folded(graph, n):
    """The values that stand for n (constants, or a branch's outputs), or None."""
    node = graph[n]
    rules = node["op"].rewrites and rules_for(graph, n, folds=True)  # most ops have none
    if rules:  # e.g. a cond's taken branch: each node it adds is folded as it comes
        outs = Site(graph, n, _fold_node).match(rules)
        if outs is not None:
            return outs
    if not _foldable(graph, n):
        return None
    values = _evaluate(graph, n, [graph[u]["params"]["value"] for u, _ in graph.operands(n)])
    if values is None:
        return None
    return [(graph.add_node(CONST, [], {"value": v}, (t,), node["locs"]), 0)
            for v, t in zip(values, node["types"])]


def _foldable(graph, n):
    node = graph[n]
    op = node["op"]
    if op is CONST or not op.foldable or op.subgraphs:
        return False
    for u, _ in graph.operands(n):  # the usual no: an operand is computed
        if graph[u]["op"] is not CONST:
            return False
    return (not graph.is_effect(n)
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
