"""Algebraic simplification: the rewrite rules that the op records carry (``op.rewrites``,
declared with their algebra in ``ambi/ops/rewrites.py``), applied node by node.

A rule gets the node being rewritten (a ``Site``) and its operand values, and returns
the value(s) that replace the node, or None. A replacement is taken only if it has
the node's exact type (shape and dtype); a ``commutative`` op's rules are tried on both
operand orders. Effects are rewritten only by rules marked ``effects``, which keep them
in their place. Nodes are visited in topological order and a node a rule creates is
simplified at once, so one run reaches a fixed point.
"""
import contextlib

import numpy as np

from ..ir.graph import SEQ
from ..ir.ops_ir import CONST


def simplify(graph):
    """Apply the rules of each node's op to every node of ``graph``.

    >>> am.passes.run(graph, ["simplify", "dce"])   # -(-x) * 1.0  ->  x
    """
    changed = False
    for n in list(graph.order()):
        if n in graph and _rewrite(graph, n) is not None:
            changed = True
    return changed


def rules_for(graph, n, folds=False):
    """The rules that may rewrite node n: its op's (with ``folds``, those marked so), and
    only those that keep effects in place when n is an effect."""
    rules = graph[n]["op"].rewrites
    if rules and folds:
        rules = [r for r in rules if r.folds]
    if rules and graph.is_effect(n):
        rules = [r for r in rules if r.effects]
    return rules


def _rewrite(graph, n):
    """Replace n by the first rule's result that keeps its types; returns that or None."""
    rules = graph[n]["op"].rewrites and rules_for(graph, n)  # most ops have none
    outs = Site(graph, n).match(rules) if rules else None
    if outs is not None:
        _replace(graph, n, outs)
    return outs


def _replace(graph, n, outs):
    locs = graph[n]["locs"]
    for i, v in enumerate(outs):
        graph.replace_uses((n, i), v)
        graph[v[0]]["locs"] = tuple(dict.fromkeys(graph[v[0]]["locs"] + locs))
    graph.remove_node(n)


class Site:
    """The node being rewritten, with helpers that read the producers of its operands."""

    def __init__(self, graph, n, rewrite=None):
        node = graph[n]
        self.rewrite = rewrite or _rewrite  # applied to each node the site adds
        self.graph, self.n, self.op, self.params = graph, n, node["op"], node["params"]
        self.types, self.locs = node["types"], node["locs"]
        self.type = self.types[0] if self.types else None

    def match(self, rules):
        """The first rule's replacement with this node's exact types, or None. A rule of
        a commutative op sees both orders of the two operands (``x*1`` is ``1*x``)."""
        operands = self.graph.operands(self.n)
        orders = [operands]
        if self.op.commutative and len(operands) == 2:
            orders.append(operands[::-1])
        for rule in rules:
            for args in orders:
                out = rule.fn(self, *args)
                outs = out if isinstance(out, list) else [out]
                if out is not None and [self.type_of(v) for v in outs] == list(self.types):
                    return outs
        return None

    def const(self, v):
        """The value of v when a ``const`` node makes it, else None."""
        node = self.graph[v[0]]
        return node["params"]["value"] if node["op"] is CONST else None

    def is_const(self, v, x):
        """v is a constant each of whose elements equals x (1.0, 1 and True alike)."""
        c = self.const(v)
        return c is not None and bool(np.all(c == x))

    def is_plus_zero(self, v):
        c = self.const(v)
        return c is not None and bool(np.all(c == 0)) and not np.any(np.signbit(c))

    def arg(self, v, op, i=0):
        """Operand i of v's producer when that producer is ``op``, else None."""
        if self.graph[v[0]]["op"] is not op:
            return None
        return self.graph.operands(v[0])[i]

    def param(self, v, name):
        """Param ``name`` of v's producer."""
        return self.graph[v[0]]["params"][name]

    def type_of(self, v):
        return self.graph.out_type(v)

    def keeps(self, v):
        """v has this node's type, so it can stand in for it."""
        return self.graph.out_type(v) == self.type

    def emit(self, op, *operands, **params):
        """A new node with this node's locations, simplified at once; returns its value."""
        params = op.fill_params(params)
        types = op.infer([self.graph.out_type(v) for v in operands], params)
        return self._add(op, operands, params, types, self.locs)[0]

    def inline(self, sub, inputs):
        """Copy subgraph ``sub`` here, its inputs bound to ``inputs``; returns its outputs.

        Its effects, in their order, take this node's place in the effect chain.
        """
        def copy(m, args):
            node = sub[m]
            return self._add(node["op"], args, node["params"], node["types"], node["locs"])
        with _chained_after(self.graph, self.n):
            return sub.walk(inputs, copy)

    def _add(self, op, operands, params, types, locs):
        m = self.graph.add_node(op, operands, params, types, locs)
        return self.rewrite(self.graph, m) or [(m, i) for i in range(len(types))]


@contextlib.contextmanager
def _chained_after(graph, n):
    """Effects added inside the block follow effect ``n`` and precede n's successors."""
    if not graph.is_effect(n):
        yield
        return
    after = [v for _, v, k in graph.nx.out_edges(n, keys=True) if k == SEQ]
    end, graph.last_effect = graph.last_effect, n
    try:
        yield
    finally:
        last = graph.last_effect
        for v in after if last != n else ():
            graph.nx.add_edge(last, v, key=SEQ)
        graph.touch()
        graph.last_effect = last if end == n else end
