"""Gradients of the structured control-flow nodes (``cond`` and ``while`` in graphs).

Eagerly, ``am.cond`` and ``am.while_loop`` run Python control flow, so the tape sees the
ops of the path taken. Inside ``am.function`` they are single nodes holding subgraphs;
their rules *replay* a subgraph (bind its nodes again, under a fresh tape) to
differentiate it:

- ``cond``: the gradient is itself a ``cond`` on the same predicate whose branches
  differentiate the true and the false subgraph.
- ``while``: reverse mode over a recorded trip count ``n``: a loop runs k = n-1 .. 0, each
  step recomputing the state after k iterations from the initial values (O(n**2) body
  runs, O(1) memory) and pulling the cotangent back through one body run.
"""
from .. import core
from ..ir.ops_ir import ARG


def replay(graph, inputs):
    """Bind every node of ``graph`` again on ``inputs``; returns its output tensors.

    Nodes without outputs (print, variable writes) are not replayed: a gradient must
    not repeat a side effect.
    """
    env = {(n, 0): x for n, x in zip(graph.inputs, inputs)}
    for n in graph.order():
        node = graph[n]
        op = node["op"]
        if op is ARG or op.nout == 0:
            continue
        args = [env[v] for v in graph.operands(n)]
        out = core.bind(op, args, node["params"])
        for i, o in enumerate(out if isinstance(out, tuple) else (out,)):
            env[(n, i)] = o
    return [env[v] for v in graph.outputs]


def _here(xs):
    """Tensors as values of the current trace (captured if they come from outside)."""
    trace = core.current_trace()
    return [trace.to_symbolic(x) if trace is not None and x is not None else x for x in xs]


def subgraph_vjp(graph, inputs, cts):
    """Cotangents of ``graph``'s inputs given its outputs' (None: no cotangent).

    Float inputs always get a tensor (zeros where unconnected); other inputs get None.
    """
    from ..constructors import zeros_like
    from .tape import GradientTape
    inputs, cts = _here(inputs), _here(cts)
    with GradientTape() as tape:
        tape.watch(inputs)
        outs = replay(graph, inputs)
    pairs = [(o, g) for o, g in zip(outs, cts) if g is not None]
    grads = tape.gradient([o for o, _ in pairs], list(inputs), [g for _, g in pairs])
    return [None if not x.dtype.is_float else g if g is not None else zeros_like(x)
            for x, g in zip(inputs, grads)]


def cond_vjp(cts, pred, *args, out, true_graph, false_graph, n_true):
    from ..constructors import zeros_like
    from ..control import cond
    floats = [i for i, a in enumerate(args) if a.dtype.is_float]
    if not floats:
        return (None,) * (1 + len(args))

    def branch(graph, lo, hi):
        def fn():
            mine = subgraph_vjp(graph, args[lo:hi], cts)
            return [mine[i - lo] if lo <= i < hi else zeros_like(args[i]) for i in floats]
        return fn

    res = cond(pred, branch(true_graph, 0, n_true), branch(false_graph, n_true, len(args)))
    grads = dict(zip(floats, res))
    return (None,) + tuple(grads.get(i) for i in range(len(args)))


def while_vjp(cts, *args, out, cond_graph, body_graph, n_vars, n_cond):
    from ..constructors import zeros_like
    from ..control import while_loop
    init, caps = list(args[:n_vars]), list(args[n_vars + n_cond:])
    fv = [i for i in range(n_vars) if init[i].dtype.is_float]
    fc = [j for j, c in enumerate(caps) if c.dtype.is_float]
    if not fv and not fc:
        return (None,) * len(args)
    test = lambda *v: replay(cond_graph, list(v) + list(args[n_vars:n_vars + n_cond]))[0]
    body = lambda *v: replay(body_graph, list(v) + caps)
    trips = while_loop(lambda i, *v: test(*v), lambda i, *v: (i + 1, *body(*v)), [0, *init])[0]

    def state_at(k):
        return while_loop(lambda j, *v: j < k, lambda j, *v: (j + 1, *body(*v)), [0, *init])[1:]

    def step(k, *carry):
        k = k - 1
        ct_v = {i: c for i, c in zip(fv, carry[:len(fv)])}
        grads = subgraph_vjp(body_graph, list(state_at(k)) + caps,
                             [ct_v.get(i) for i in range(n_vars)])
        acc = [a + grads[n_vars + j] for a, j in zip(carry[len(fv):], fc)]
        return (k, *[grads[i] for i in fv], *acc)

    start = [trips, *[cts[i] for i in fv], *[zeros_like(caps[j]) for j in fc]]
    res = while_loop(lambda k, *c: k > 0, step, start)[1:]
    g_init, g_caps = dict(zip(fv, res[:len(fv)])), dict(zip(fc, res[len(fv):]))
    return (tuple(g_init.get(i) for i in range(n_vars)) + (None,) * n_cond
            + tuple(g_caps.get(j) for j in range(len(caps))))
