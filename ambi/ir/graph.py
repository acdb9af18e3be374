"""Graph: the IR, a networkx.MultiDiGraph of op nodes.

A node is an int id (creation order) with attributes ``op`` (OpDef), ``params``,
``types`` (tuple of output TensorTypes), ``locs`` (tuple of SourceLocs) and ``name``.
An operand is an edge keyed by its position, carrying ``out`` (which output of the
producer); edges of one ``out`` share one read-only data mapping (a graph holds two
edges per op: one dict each was a quarter of its memory). Effects are chained in
program order by extra edges keyed ``"seq"``. Graph inputs are ``arg`` nodes; outputs
are a list of (node, out) pairs.
"""
import heapq
import itertools
import types

from .lazy import nx
from . import printer, serialize

SEQ = "seq"
_ids = itertools.count()
_OUTS = [types.MappingProxyType({"out": i}) for i in range(16)]


def _out_data(out):
    """The shared, read-only edge data of operands that read output ``out``."""
    return _OUTS[out] if out < len(_OUTS) else types.MappingProxyType({"out": out})


class Graph:
    """A traced program: ``g.nx`` is the networkx.MultiDiGraph; ``g.pretty()`` prints it."""

    def __init__(self, name="graph"):
        self.name = name
        self.nx = nx.MultiDiGraph()
        self.inputs, self.outputs = [], []
        self.variables = []  # Variable objects that var_read/var_write nodes refer to
        self.last_effect = None
        self._order = None
        self._operands = {}  # node -> its operands, cached like the order until a change
        self._schedule = None  # (order, outputs, last uses, walk steps) for that order and outputs
        self._holders = None  # the nodes holding subgraphs, cached like the order
        self._largest = 0  # most elements of any value added (see largest())
        self._names = {}
        # what runners derive from the graph (a device's executor or plan), kept here so
        # it dies with the graph: a cache keyed weakly by the graph could not let go of a
        # value that refers to its key
        self.memo = {}

    # -- building -----------------------------------------------------------------
    def add_node(self, op, operands, params, types, locs=(), name=None):
        """Append a node; ``operands`` are (node, out) pairs. Effects join the chain."""
        n = next(_ids)
        g = self.nx
        # networkx's own dicts, written as MultiDiGraph.add_node/add_edge write them
        # (a node's in-edge and out-edge key dicts are one object): 2.5x faster per op
        g._node[n] = {"op": op, "params": params, "types": tuple(types),
                      "locs": tuple(locs), "name": self._fresh_name(name or op.name)}
        g._succ[n], g._pred[n] = {}, {}
        for pos, (src, out) in enumerate(operands):
            self._link(src, n, pos, out)
        nx._clear_cache(g)
        self._operands[n] = tuple(operands)
        if self._largest is not None:
            for t in types:
                if t.size > self._largest:
                    self._largest = t.size
        if op.is_effect(params):
            if self.last_effect is not None:
                self.nx.add_edge(self.last_effect, n, key=SEQ)
            self.last_effect = n
        if op.name == "arg":
            self.inputs.append(n)
        self._order = None  # the new node has no users yet: cached operands stay right
        if op.subgraphs:
            self._holders = None
        return n

    def _link(self, src, dst, pos, out):
        """Operand ``pos`` of ``dst`` reads output ``out`` of ``src``: the edge written
        into networkx's dicts as ``MultiDiGraph.add_edge`` writes it (a node's in-edge
        and out-edge key dicts are one object), with the shared edge data."""
        g = self.nx
        keyed = g._pred[dst].get(src)
        if keyed is None:
            keyed = g._pred[dst][src] = g._succ[src][dst] = {}
        keyed[pos] = _out_data(out)

    def _fresh_name(self, base):
        k = self._names.get(base, 0)
        self._names[base] = k + 1
        return base if k == 0 else f"{base}_{k}"

    # -- reading ------------------------------------------------------------------
    def __getitem__(self, n):
        return self.nx._node[n]  # networkx's node dict: no NodeView per lookup

    def __len__(self):
        return self.nx.number_of_nodes()

    def __contains__(self, n):
        return n in self.nx._node  # networkx's node dict, as networkx's own test reads it

    def after(self, n):
        """The nodes that ``n`` follows in the effect chain (its ``"seq"`` predecessors)."""
        return [u for u, _, k in self.nx.in_edges(n, keys=True) if k == SEQ]

    def operands(self, n):
        """The (node, out) pairs feeding n, in operand order."""
        ops = self._operands.get(n)
        if ops is None:
            # networkx's own adjacency dict: 2.5x faster than the in_edges view
            edges = sorted((k, u, d["out"]) for u, keyed in self.nx._pred[n].items()
                           for k, d in keyed.items() if k != SEQ)
            ops = self._operands[n] = tuple((u, out) for _, u, out in edges)
        return list(ops)

    def users(self, n):
        """Nodes that use any output of n as an operand (each once)."""
        return list(dict.fromkeys(v for _, v, k in self.nx.out_edges(n, keys=True)
                                  if k != SEQ))

    def order(self):
        """Deterministic topological order: ties broken by creation order (node id).

        Cached until the graph changes. The same order as networkx's
        ``lexicographical_topological_sort(key=id)``, which took 41% of a small
        function's first call: a traced graph is usually in creation order already,
        checked in one sweep; a rewritten one is sorted with a heap.
        """
        if self._order is None:
            self._order = _creation_order(self.nx._pred) or _heap_order(self.nx)
        return self._order

    def effects(self):
        return [n for n in self.order() if self.is_effect(n)]

    def is_effect(self, n):
        node = self[n]
        return node["op"].is_effect(node["params"])

    def has_effects(self):
        return self.last_effect is not None or any(self.is_effect(n) for n in self.nx)

    def out_type(self, value):
        n, out = value
        return self[n]["types"][out]

    def last_uses(self):
        """node -> the values (node, out) whose last use it is; outputs are never freed.

        Cached with the order and the outputs it was computed for (a loop body's walk
        runs once per iteration): read it, don't change it.
        """
        return self._liveness()[0]

    def _liveness(self):
        """(last_uses(), the walk's steps: (node, operands, values it uses last) for each
        node but the inputs, in order), cached with the order and the outputs."""
        order, outputs = self.order(), tuple(self.outputs)
        memo = self._schedule
        if memo is None or memo[0] is not order or memo[1] != outputs:
            operands = {n: tuple(self.operands(n)) for n in order}
            last = {v: n for n, vals in operands.items() for v in vals}
            for v in outputs:
                last.pop(v, None)
            uses = {}
            for v, n in last.items():
                uses.setdefault(n, []).append(v)
            ins = set(self.inputs)
            steps = [(n, operands[n], uses.get(n, ())) for n in order if n not in ins]
            memo = self._schedule = (order, outputs, uses, steps)
        return memo[2], memo[3]

    def walk(self, inputs, step, free=None):
        """The one graph walk, shared by every executor, code generator and replay.

        ``inputs`` holds one value per graph input. Every other node, in ``order()``,
        gets ``step(n, args)`` with its operands' values and returns the tuple of its
        outputs' values. After that node, each value whose last use it was is dropped
        (and handed to ``free(value, x)`` when given). Returns the outputs' values.
        """
        env = {(n, 0): x for n, x in zip(self.inputs, inputs)}
        for n, operands, used_last in self._liveness()[1]:
            outs = step(n, [env[v] for v in operands])
            for i, x in enumerate(outs):
                env[(n, i)] = x
            for v in used_last:
                x = env.pop(v)
                if free is not None:
                    free(v, x)
        return [env[v] for v in self.outputs]

    def nested(self, fused=True):
        """This graph and every subgraph nested in it, parents first: the one loop over
        subgraphs (passes, verify, sizes). Without ``fused``, not the bodies of fused
        nodes (those of an op flagged ``fusion``)."""
        out, seen, todo = [], set(), [self]
        while todo:
            g = todo.pop()
            if id(g) in seen:
                continue
            seen.add(id(g))
            out.append(g)
            for n in g._holding():
                if fused or not g[n]["op"].fusion:
                    todo.extend(reversed(g.subgraphs(n)))
        return out

    def _holding(self):
        """The nodes whose ops hold subgraphs, in creation order (cached like the order:
        most graphs have none, and the pass manager asks many times)."""
        if self._holders is None:
            self._holders = [n for n, attrs in self.nx._node.items()
                             if attrs["op"].subgraphs]
        return self._holders

    def largest(self):
        """The most elements of any value in the graph, or more where nodes went away:
        an upper bound, kept as nodes are added, that lets a rewrite for big tensors
        (``fuse_large``) say no without a sweep. Direct edits (``touch``) recount it."""
        if self._largest is None:
            self._largest = max((t.size for attrs in self.nx._node.values()
                                 for t in attrs["types"]), default=0)
        return self._largest

    def subgraphs(self, n):
        node = self[n]
        return node["op"].subgraph_values(node["params"])

    # -- rewriting ----------------------------------------------------------------
    def replace_uses(self, old, new):
        """Every use of value ``old`` (node, out) now reads ``new``; outputs too."""
        (o, oi), (m, mi) = old, new
        for _, v, k, d in list(self.nx.out_edges(o, keys=True, data=True)):
            if k != SEQ and d["out"] == oi:
                self.nx.remove_edge(o, v, key=k)
                self._link(m, v, k, mi)
        self.outputs = [new if v == old else v for v in self.outputs]
        self._changed()

    def remove_node(self, n):
        """Remove n, splicing the effect chain around it."""
        self._unchain(n)
        if n in self.inputs:
            self.inputs.remove(n)
        self.nx.remove_node(n)
        self._changed()

    def unchain_pure(self):
        """Splice out of the effect chain the control-flow nodes that no longer have
        effects (a pass removed the last effect of their subgraphs); True if any."""
        pure = [n for n in self._holding() if not self.is_effect(n)]
        changed = any([self._unchain(n) for n in pure])
        if changed:
            self._changed()
        return changed

    def _unchain(self, n):
        """Take n out of the effect chain, linking its effect predecessors to its
        successors; whether it was in the chain."""
        preds = [u for u, _, k in self.nx.in_edges(n, keys=True) if k == SEQ]
        succs = [v for _, v, k in self.nx.out_edges(n, keys=True) if k == SEQ]
        for u in preds:
            self.nx.remove_edge(u, n, key=SEQ)
            for v in succs:
                self.nx.add_edge(u, v, key=SEQ)
        for v in succs:
            self.nx.remove_edge(n, v, key=SEQ)
        was = bool(preds or succs) or self.last_effect == n
        if self.last_effect == n:
            self.last_effect = preds[0] if preds else None
        return was

    def touch(self):
        """Say the networkx graph was edited directly: cached order and operands go."""
        self._changed()
        self._largest = None

    def _changed(self):
        self._order = self._holders = None
        self._operands = {}

    # -- views ----------------------------------------------------------------------
    def pretty(self):
        return printer.pretty(self)

    def to_dot(self):
        return printer.to_dot(self)

    def save(self, path):
        serialize.save(self, path)

    def __repr__(self):
        return f"<ambi.ir.Graph {self.name!r}: {len(self)} nodes>"


def _creation_order(pred):
    """Nodes by id when every edge runs from a lower id to a higher one, else None."""
    order = sorted(pred)
    for v, sources in pred.items():
        for u in sources:
            if u >= v:
                return None
    return order


def _heap_order(g):
    """Kahn's algorithm taking the smallest ready id first."""
    indegree = {v: len(g._pred[v]) for v in g._pred}
    ready = [v for v, k in indegree.items() if k == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        u = heapq.heappop(ready)
        order.append(u)
        for v in g._succ[u]:
            indegree[v] -= 1
            if indegree[v] == 0:
                heapq.heappush(ready, v)
    if len(order) != len(indegree):
        raise nx.NetworkXUnfeasible("the graph has a cycle")
    return order
