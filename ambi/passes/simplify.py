"""Algebraic simplification: identities exact in IEEE arithmetic, one pattern each.

A rule gets the node being rewritten (a ``Site``) and its operand values, and returns
the value(s) that replace the node, or None. A replacement is taken only if it has
the node's exact type (shape and dtype): ``x*1`` is ``x`` only where ``1`` does not
broadcast ``x`` up or change its dtype. Nodes are visited in topological order and a
node a rule creates is simplified at once, so one run reaches a fixed point.

Refused, because they change some result: ``x*0 -> 0`` (inf*0 and nan*0 are nan),
``x-x -> 0`` (inf-inf is nan), ``x+0 -> x`` (-0.0 + 0.0 is +0.0), ``x/c -> x*(1/c)``
(1/c rounds), and reassociation of ``+`` and ``*`` (rounding depends on the order).
"""
import contextlib

import numpy as np

from ..ir.graph import SEQ
from ..ir.ops_ir import ARG, CONST
from ..ops import control, elementwise as ew, shape as sh
from .manager import graphs


def simplify(graph):
    """Apply the rules in RULES to every node of ``graph`` and of its subgraphs.

    >>> am.passes.run(graph, ["simplify", "dce"])   # -(-x) * 1.0  ->  x
    """
    changed = False
    for g in graphs(graph):
        for n in list(g.order()):
            if n in g and _rewrite(g, n) is not None:
                changed = True
    return changed


def _rewrite(graph, n):
    """Replace n by the first rule's result that keeps its types; returns that or None."""
    op = graph[n]["op"]
    rules = _BY_OP.get(op)
    if not rules or graph.is_effect(n) and op is not control.cond:  # a cond keeps effect order
        return None
    site = Site(graph, n)
    for rule in rules:
        out = rule(site, *graph.operands(n))
        outs = out if isinstance(out, list) else [out]
        if out is not None and [graph.out_type(v) for v in outs] == list(site.types):
            _replace(graph, n, outs)
            return outs
    return None


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
        return self.graph[v[0]]["params"][name]

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
        env = {(a, 0): v for a, v in zip(sub.inputs, inputs)}
        with _chained_after(self.graph, self.n):
            for m in sub.order():
                node = sub[m]
                if node["op"] is not ARG:
                    outs = self._add(node["op"], [env[v] for v in sub.operands(m)],
                                     node["params"], node["types"], node["locs"])
                    env.update(((m, i), v) for i, v in enumerate(outs))
        return [env[v] for v in sub.outputs]

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


def _same(s, x, y):
    return x if x == y else None


def _perm(s, v):
    perm = s.param(v, "perm")
    ndim = s.graph.out_type(v).ndim
    return tuple(range(ndim))[::-1] if perm is None else tuple(perm)


def _transpose_identity(s, x):
    return x if _perm(s, (s.n, 0)) == tuple(range(s.type.ndim)) else None


def _transpose_transpose(s, x):
    inner = s.arg(x, sh.transpose)
    if inner is None:
        return None
    p, q = _perm(s, x), _perm(s, (s.n, 0))
    perm = tuple(p[i] for i in q)  # out[i] = mid[q[i]] = in[p[q[i]]]
    return inner if perm == tuple(range(len(perm))) else s.emit(sh.transpose, inner, perm=perm)


def _transpose_as_reshape(s, x):
    shape = s.graph.out_type(x).shape
    moved = [i for i in _perm(s, (s.n, 0)) if shape[i] != 1]
    return s.emit(sh.reshape, x, shape=s.type.shape) if moved == sorted(moved) else None


def _reshape_reshape(s, x):
    inner = s.arg(x, sh.reshape)
    return None if inner is None else s.emit(sh.reshape, inner, shape=s.type.shape)


def _broadcast_broadcast(s, x):
    inner = s.arg(x, sh.broadcast_to)
    return None if inner is None else s.emit(sh.broadcast_to, inner, shape=s.type.shape)


def _cast_roundtrip(s, x):
    inner = s.arg(x, sh.cast)
    if inner is None or not s.keeps(inner):
        return None
    return inner if np.can_cast(s.type.dtype.np, s.param(x, "dtype").np, "safe") else None


def _abs_negative(s, x):
    inner = s.arg(x, ew.negative)
    return None if inner is None else s.emit(ew.abs, inner)


def cond_constant(s, pred, *args):
    """cond(true, t, f) -> t, cond(false, t, f) -> f: the taken branch, inlined; its
    effects keep the cond's place in the effect chain."""
    p = s.const(pred)
    if p is None:
        return None
    k = s.params["n_true"]
    if bool(p):
        return s.inline(s.params["true_graph"], args[:k])
    return s.inline(s.params["false_graph"], args[k:])


# op -> rule, tried in this order; each line states its identity.
RULES = [
    (ew.multiply, lambda s, x, y: x if s.is_const(y, 1) else None),  # x*1 -> x
    (ew.multiply, lambda s, x, y: y if s.is_const(x, 1) else None),  # 1*x -> x
    (ew.divide, lambda s, x, y: x if s.is_const(y, 1) else None),    # x/1 -> x
    (ew.subtract, lambda s, x, y: x if s.is_plus_zero(y) else None),  # x-(+0) -> x, even -0
    (ew.pow, lambda s, x, y: x if s.is_const(y, 1) else None),       # x**1 -> x
    (ew.pow, lambda s, x, y: s.emit(ew.multiply, x, x)               # x**2 -> x*x
     if s.is_const(y, 2) and s.keeps(x) else None),
    (ew.negative, lambda s, x: s.arg(x, ew.negative)),               # --x -> x
    (ew.logical_not, lambda s, x: s.arg(x, ew.logical_not)),         # not not x -> x
    (ew.abs, lambda s, x: x if s.arg(x, ew.abs) is not None else None),  # ||x|| -> |x|
    (ew.abs, _abs_negative),                                         # |-x| -> |x|
    (ew.maximum, _same),                                             # max(x, x) -> x
    (ew.minimum, _same),                                             # min(x, x) -> x
    (ew.logical_and, _same),                                         # x and x -> x
    (ew.logical_or, _same),                                          # x or x -> x
    (ew.where, lambda s, c, x, y: _same(s, x, y)),                   # where(c, x, x) -> x
    (ew.where, lambda s, c, x, y: x if s.is_const(c, True) else None),   # where(T, x, y) -> x
    (ew.where, lambda s, c, x, y: y if s.is_const(c, False) else None),  # where(F, x, y) -> y
    (sh.reshape, lambda s, x: x if s.keeps(x) else None),            # reshape(x, x.shape) -> x
    (sh.reshape, _reshape_reshape),                  # reshape(reshape(x, s), t) -> reshape(x, t)
    (sh.transpose, _transpose_identity),             # transpose(x, (0, 1, ..)) -> x
    (sh.transpose, _transpose_transpose),            # transpose(transpose(x, p), q) -> x^(p.q)
    (sh.transpose, _transpose_as_reshape),           # moving only size-1 axes -> a reshape
    (sh.cast, lambda s, x: x if s.keeps(x) else None),               # cast(x, x.dtype) -> x
    (sh.cast, _cast_roundtrip),                      # cast(cast(x, wider), x.dtype) -> x
    (sh.broadcast_to, lambda s, x: x if s.keeps(x) else None),       # broadcast_to(x, x.shape) -> x
    (sh.broadcast_to, _broadcast_broadcast),         # bcast(bcast(x, s), t) -> bcast(x, t)
    (control.cond, cond_constant),                   # cond(true, t, f) -> t; (false, ..) -> f
]

_BY_OP = {}
for _op, _rule in RULES:
    _BY_OP.setdefault(_op, []).append(_rule)
