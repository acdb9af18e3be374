"""Structured control flow: ``cond`` and ``while`` nodes that hold subgraphs.

Operands of ``cond``: the predicate, then the true branch's inputs, then the false
branch's. Operands of ``while``: the loop variables, then the inputs that the
condition graph captures, then the body's. The kernels run subgraphs through ``run``,
which the executing interpreter supplies, so every executor runs them its own way.
"""
import numpy as np

from ..ir.opdef import defop


def _cond_kernel(pred, *args, run, true_graph, false_graph, n_true):
    if np.asarray(pred):
        return tuple(run(true_graph, args[:n_true]))
    return tuple(run(false_graph, args[n_true:]))


def _cond_types(types, true_graph, false_graph, n_true):
    return tuple(true_graph.out_type(v) for v in true_graph.outputs)


cond = defop("cond", variadic=True, params={"true_graph": None, "false_graph": None,
                                            "n_true": 0},
             kernel=_cond_kernel, types=_cond_types, subgraphs=("true_graph", "false_graph"),
             same_dtype=(), nout=None, doc="Run one of two subgraphs on a scalar bool.")


def _while_kernel(*args, run, cond_graph, body_graph, n_vars, n_cond):
    vars_ = tuple(args[:n_vars])
    cond_in, body_in = args[n_vars:n_vars + n_cond], args[n_vars + n_cond:]
    while np.asarray(run(cond_graph, vars_ + cond_in)[0]):
        vars_ = tuple(run(body_graph, vars_ + body_in))
    return vars_


def _while_types(types, cond_graph, body_graph, n_vars, n_cond):
    return tuple(types[:n_vars])


while_loop = defop("while", variadic=True,
                   params={"cond_graph": None, "body_graph": None, "n_vars": 0, "n_cond": 0},
                   kernel=_while_kernel, types=_while_types,
                   subgraphs=("cond_graph", "body_graph"), same_dtype=(), nout=None,
                   doc="Run the body subgraph while the condition subgraph gives true.")
