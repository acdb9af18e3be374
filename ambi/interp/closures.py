"""The quick executor: a graph as nested Python closures, built without source or compile.

Generating Python source and compiling it costs about 10 µs per node: half of a small
function's first call. Closures cost a tenth of that to build, and each call then pays
about 0.1 µs per node more than the generated code (one Python call per node). So
``Compiled`` runs a graph this way for its first ``config.COMPILE_AFTER`` calls, and only a
graph that keeps being called pays for the source (docs/performance.md has the figures).

Each node's closure calls the very kernel, with the very params, that the generated code
and the reference interpreter call, in the same order; only the dispatch differs. A
single-output value used once, by the next node, is passed inline as a closure call, as
the generated code inlines it; every other value lives in a slot of a list, cleared
after its last use.
"""
import functools
import types

import numpy as np

from ..ir.ops_ir import CONST

MAX_NESTING = 25  # calls nested in one statement (closures) or expression (source)


def takes_inline(pending, n, args, last):
    """Whether node ``n`` takes the ``pending`` call inline: it reads its value once, and
    last (``last``: ``Graph.last_uses``). Both tiers decide alike, so both run the calls
    in the same order."""
    return (pending is not None and args.count(pending) == 1
            and (pending.node, 0) in last.get(n, ()))


def may_wait(op, params, depth):
    """Whether a node's call may wait for its use to take it inline: a pure call of one
    output, not nested too deep already."""
    return (op.nout == 1 and depth < MAX_NESTING and not op.subgraphs
            and not op.is_effect(params))


def bound_kernel(op, params, run_sub):
    """The node's kernel with its params (and a subgraph runner) bound ahead of time."""
    extra = {"run": run_sub} if op.subgraphs else {}
    if not params and not extra:
        return op.kernel
    return functools.partial(op.kernel, **params, **extra)


def read_only(value):
    """A constant's array as a read-only view: a caller who gets it back as an output
    and writes to it must not change what later calls compute."""
    view = np.asarray(value).view()
    view.setflags(write=False)
    return view


def build(graph, run_sub):
    """``run(*arrays) -> list of outputs`` for ``graph``, in one graph walk."""
    b = _Builder(graph, run_sub)
    outs = graph.walk(list(range(len(graph.inputs))), b.step)
    b.flush()
    outs = [_slot(v) for v in outs]
    statements, template = tuple(b.statements), b.template[len(graph.inputs):]

    def run(*inputs):
        env = [*inputs, *template]
        for fn, target, dead in statements:
            env[target] = fn(env)
            for d in dead:
                env[d] = None
        return [env[i] for i in outs]
    return run


class _Pending:
    """A node's closure, not yet stored while its one use may still take it inline;
    ``slot`` is where it went once stored."""

    __slots__ = ("node", "fn", "nodes", "depth", "slot")

    def __init__(self, node, fn, nodes, depth):
        self.node, self.fn, self.nodes, self.depth = node, fn, nodes, depth
        self.slot = None


def _slot(v):
    return v if type(v) is int else v.slot


class _Builder:
    """The walk's step: each value is its slot (an int) or its pending closure."""

    def __init__(self, graph, run_sub):
        self.graph, self.run_sub, self.last = graph, run_sub, graph.last_uses()
        self.template = [None] * len(graph.inputs)  # one per slot: constants, else None
        self.statements = []  # (closure, target slot, slots to clear after it)
        self.slots = {}  # (node, out) -> slot, for values computed by statements
        self.pending = None

    def step(self, n, args):
        node = self.graph[n]
        op, params = node["op"], node["params"]
        if op is CONST:
            return (self._new_slot(read_only(params["value"])),)
        kernel = bound_kernel(op, params, self.run_sub)
        p, inline = self.pending, -1
        if takes_inline(p, n, args, self.last):
            self.pending, inline = None, args.index(p)  # p runs inside n's closure
            nodes, depth = (*p.nodes, n), p.depth + 1
        else:
            self.flush()
            nodes, depth = (n,), 1
        slots = [a if type(a) is int else a.slot for a in args]  # values stored earlier
        if inline >= 0:
            slots[inline] = p.fn
        fn = _closure(kernel, slots, inline, n)
        if may_wait(op, params, depth):
            self.pending = _Pending(n, fn, nodes, depth)
            return (self.pending,)
        return self._store(fn, nodes, len(node["types"]), op.nout == 1)

    def flush(self):
        """Store the pending closure's value, if any, in a slot of its own."""
        p, self.pending = self.pending, None
        if p is not None:
            p.slot = self._store(p.fn, p.nodes, 1, True)[0]

    def _store(self, fn, nodes, nout, single):
        """A statement running ``fn`` (whose node is ``nodes[-1]``; the others run inline
        in it); returns the slots of the node's outputs."""
        if single:
            target = self._new_slot()
            slots = (target,)
        else:  # several outputs (or none): the closure unpacks them into their slots
            slots = tuple(self._new_slot() for _ in range(nout))
            target, fn = self._new_slot(), _unpacking(fn, slots)
        # after it, the slots of values used for the last time by any of its nodes
        dead = tuple(self.slots.pop(v) for k in nodes for v in self.last.get(k, ())
                     if v in self.slots)
        self.statements.append((fn, target, dead))
        self.slots.update(((nodes[-1], i), s) for i, s in enumerate(slots))
        return slots

    def _new_slot(self, value=None):
        self.template.append(value)
        return len(self.template) - 1


def _unpacking(fn, slots):
    def run(env):
        outs = fn(env)
        for s, x in zip(slots, outs or ()):
            env[s] = x
    return run


def _closure(k, args, inline, n):
    """One node's call: ``args`` are slots (ints), but for ``args[inline]`` (if any),
    the closure of the operand computed inline. The usual shapes of call have a closure
    each; others take the general one."""
    make = _SHAPES.get((len(args), inline))
    return make(k, *args, n) if make else _general(k, args, n)


# Each closure keeps its node as a default argument, so the frame of a failing kernel's
# closure names the node (``failing_node``) at no cost to calls that do not fail.
_SHAPES = {
    (1, -1): lambda k, i, n: lambda env, n=n: k(env[i]),
    (1, 0): lambda k, f, n: lambda env, n=n: k(f(env)),
    (2, -1): lambda k, i, j, n: lambda env, n=n: k(env[i], env[j]),
    (2, 0): lambda k, f, j, n: lambda env, n=n: k(f(env), env[j]),
    (2, 1): lambda k, i, f, n: lambda env, n=n: k(env[i], f(env)),
}


def _general(k, args, n):
    parts = [(a, None) if type(a) is int else (None, a) for a in args]
    return lambda env, n=n: k(*[env[i] if f is None else f(env) for i, f in parts])


_CODES = frozenset(c for make in (*_SHAPES.values(), _general)
                   for c in make.__code__.co_consts if isinstance(c, types.CodeType))


def failing_node(tb):
    """The node whose kernel raised, from traceback ``tb``: the innermost closure frame's,
    or None when no closure was running."""
    n = None
    while tb is not None:
        if tb.tb_frame.f_code in _CODES:
            n = tb.tb_frame.f_locals["n"]
        tb = tb.tb_next
    return n
