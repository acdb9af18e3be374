"""Structured control flow: ``cond`` and ``while`` nodes that hold subgraphs.

Operands of ``cond``: the predicate, then the true branch's inputs, then the false
branch's. Operands of ``while``: the loop variables, then the inputs that the
condition graph captures, then the body's. The kernels run subgraphs through ``run``,
which the executing interpreter supplies, so every executor runs them its own way.

Their gradient rules get ``ctx`` from the reverse sweep (``ambi/autodiff``): the ways to
trace, replay and differentiate a subgraph, which live above the ops (see
``_cond_vjp``).
"""
import numpy as np

from ..errors import DTypeError, ShapeError
from ..ir.opdef import P, defop
from . import grads


def _cond_kernel(pred, *args, run, true_graph, false_graph, n_true):
    if np.asarray(pred):
        return tuple(run(true_graph, args[:n_true]))
    return tuple(run(false_graph, args[n_true:]))


def _cond_types(types, true_graph, false_graph, n_true):
    if types[0].shape != () or not types[0].dtype.is_bool:
        raise DTypeError(f"cond: the predicate must be a scalar bool, not {types[0]}")
    _check_inputs("cond", true_graph, types[1:1 + n_true])
    _check_inputs("cond", false_graph, types[1 + n_true:])
    outs = _out_types(true_graph)
    if outs != _out_types(false_graph):
        raise ShapeError(f"cond: the branches return {list(outs)} and "
                         f"{list(_out_types(false_graph))}")
    return outs


def _out_types(graph):
    return tuple(graph.out_type(v) for v in graph.outputs)


def _check_inputs(op, graph, types):
    """A subgraph's inputs must match the operands that feed them (loaded files too)."""
    want = tuple(graph.out_type((n, 0)) for n in graph.inputs)
    if want != tuple(types):
        raise ShapeError(f"{op}: subgraph {graph.name!r} takes {list(want)}, but its "
                         f"operands are {list(types)}")


# -- gradients -------------------------------------------------------------------------
# Eagerly, am.cond and am.while_loop run Python control flow, so the tape sees the ops of
# the path taken; these rules differentiate the nodes of a traced function. ``ctx``:
#   ctx.tensors(xs)          the current trace's tensors for xs (numbers become constants)
#   ctx.trace(fn, like, name) -> (graph, captures): fn traced as a subgraph whose inputs
#                            are typed like the tensors ``like``; its results are the outputs
#   ctx.replay(graph, inputs) the graph's nodes bound again on inputs (no effects)
#   ctx.vjp(graph, inputs, cts) the inputs' cotangents (zeros where unconnected; None for
#                            non-float inputs) given the outputs' (None: no cotangent)
def _cond_vjp(cts, pred, *args, out, ctx, true_graph, false_graph, n_true):
    # the gradient is a cond on the same predicate whose branches differentiate the
    # true and the false subgraph
    floats = [i for i, a in enumerate(args) if a.dtype.is_float]
    if not floats:
        return (None,) * (1 + len(args))

    def branch(graph, lo, hi):
        def fn():
            mine = ctx.vjp(graph, args[lo:hi], cts)
            return [mine[i - lo] if lo <= i < hi else grads.zeros(args[i].shape, args[i].dtype)
                    for i in floats]
        return fn

    res = _bind_cond(ctx, pred, branch(true_graph, 0, n_true),
                     branch(false_graph, n_true, len(args)))
    got = dict(zip(floats, res))
    return (None,) + tuple(got.get(i) for i in range(len(args)))


def _while_vjp(cts, *args, out, ctx, cond_graph, body_graph, n_vars, n_cond):
    # reverse mode over a recorded trip count n: a loop runs k = n-1 .. 0, each step
    # recomputing the state after k iterations from the initial values (O(n**2) body
    # runs, O(1) memory) and pulling the cotangent back through one body run
    init, caps = list(args[:n_vars]), list(args[n_vars + n_cond:])
    fv = [i for i in range(n_vars) if init[i].dtype.is_float]
    fc = [j for j, c in enumerate(caps) if c.dtype.is_float]
    if not fv and not fc:
        return (None,) * len(args)
    test = lambda *v: ctx.replay(cond_graph, list(v) + list(args[n_vars:n_vars + n_cond]))[0]
    body = lambda *v: ctx.replay(body_graph, list(v) + caps)
    trips = _bind_while(ctx, lambda i, *v: test(*v), lambda i, *v: (i + 1, *body(*v)),
                        [0, *init])[0]

    def state_at(k):
        return _bind_while(ctx, lambda j, *v: j < k, lambda j, *v: (j + 1, *body(*v)),
                           [0, *init])[1:]

    def step(k, *carry):
        k = k - 1
        ct_v = {i: c for i, c in zip(fv, carry[:len(fv)])}
        back = ctx.vjp(body_graph, list(state_at(k)) + caps,
                       [ct_v.get(i) for i in range(n_vars)])
        acc = [a + back[n_vars + j] for a, j in zip(carry[len(fv):], fc)]
        return (k, *[back[i] for i in fv], *acc)

    start = [trips, *[cts[i] for i in fv], *[grads.zeros(caps[j].shape, caps[j].dtype)
                                             for j in fc]]
    res = _bind_while(ctx, lambda k, *c: k > 0, step, start)[1:]
    g_init, g_caps = dict(zip(fv, res[:len(fv)])), dict(zip(fc, res[len(fv):]))
    return (tuple(g_init.get(i) for i in range(n_vars)) + (None,) * n_cond
            + tuple(g_caps.get(j) for j in range(len(caps))))


def _bind_cond(ctx, pred, true_fn, false_fn):
    """A cond node running ``true_fn`` or ``false_fn`` (as am.cond builds it)."""
    pred = ctx.tensors([pred])[0]
    t_graph, t_caps = ctx.trace(true_fn, [], "true_fn")
    f_graph, f_caps = ctx.trace(false_fn, [], "false_fn")
    return cond([pred, *t_caps, *f_caps], true_graph=t_graph, false_graph=f_graph,
                n_true=len(t_caps))


def _bind_while(ctx, test, body, init):
    """A while node over the loop variables ``init`` (as am.while_loop builds it)."""
    init = ctx.tensors(init)
    c_graph, c_caps = ctx.trace(test, init, "cond_fn")
    b_graph, b_caps = ctx.trace(body, init, "body_fn")
    return while_loop([*init, *c_caps, *b_caps], cond_graph=c_graph, body_graph=b_graph,
                      n_vars=len(init), n_cond=len(c_caps))


cond = defop("cond", variadic=True,
             params={"true_graph": P.graph(None), "false_graph": P.graph(None),
                     "n_true": P.count(0)},
             cl={"kernel": "control"},
             kernel=_cond_kernel, types=_cond_types, subgraphs=("true_graph", "false_graph"),
             same_dtype=(), nout=None, vjp=_cond_vjp,
             doc="Run one of two subgraphs on a scalar bool.")


def _while_kernel(*args, run, cond_graph, body_graph, n_vars, n_cond):
    vars_ = tuple(args[:n_vars])
    cond_in, body_in = args[n_vars:n_vars + n_cond], args[n_vars + n_cond:]
    while np.asarray(run(cond_graph, vars_ + cond_in)[0]):
        vars_ = tuple(run(body_graph, vars_ + body_in))
    return vars_


def _while_types(types, cond_graph, body_graph, n_vars, n_cond):
    loop = tuple(types[:n_vars])
    _check_inputs("while", cond_graph, loop + tuple(types[n_vars:n_vars + n_cond]))
    _check_inputs("while", body_graph, loop + tuple(types[n_vars + n_cond:]))
    test = _out_types(cond_graph)
    if len(test) != 1 or test[0].shape != () or not test[0].dtype.is_bool:
        raise DTypeError(f"while: the condition must return one scalar bool, not {list(test)}")
    if _out_types(body_graph) != loop:
        raise ShapeError(f"while: the body returns {list(_out_types(body_graph))}, the loop "
                         f"variables are {list(loop)}")
    return loop


while_loop = defop("while", variadic=True,
                   cl={"kernel": "control"},
                   params={"cond_graph": P.graph(None), "body_graph": P.graph(None),
                           "n_vars": P.count(0), "n_cond": P.count(0)},
                   kernel=_while_kernel, types=_while_types,
                   subgraphs=("cond_graph", "body_graph"), same_dtype=(), nout=None,
                   terminates=False,
                   vjp=_while_vjp,
                   doc="Run the body subgraph while the condition subgraph gives true.")

