"""Structured control flow: ``cond`` and ``while`` nodes that hold subgraphs.

Operands of ``cond``: the predicate, then the true branch's inputs, then the false
branch's. Operands of ``while``: the loop variables, then the inputs that the
condition graph captures, then the body's. The kernels run subgraphs through ``run``,
which the executing interpreter supplies, so every executor runs them its own way.
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


cond = defop("cond", variadic=True,
             params={"true_graph": P.graph(None), "false_graph": P.graph(None),
                     "n_true": P.count(0)},
             cl={"kernel": "control"},
             kernel=_cond_kernel, types=_cond_types, subgraphs=("true_graph", "false_graph"),
             same_dtype=(), nout=None, vjp=grads.cond_vjp,
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
                   vjp=grads.while_vjp,
                   doc="Run the body subgraph while the condition subgraph gives true.")
