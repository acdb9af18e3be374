"""Subgraphs for the gradient rules of structured control flow (``cond`` and ``while``).

The rules live in their op records (``ambi/ops/control.py``); tracing a subgraph and
replaying one live above the ops, so the reverse sweep hands these functions to those
rules as ``ctx`` (``tape.SubgraphContext``). A rule *replays* a subgraph (binds its
nodes again, under a fresh tape) to differentiate it.
"""
from .. import core
from ..tracing import finish_branch, trace_subgraph


def replay(graph, inputs):
    """Bind every node of ``graph`` again on ``inputs``; returns its output tensors.

    Nodes without outputs (print, variable writes) are not replayed: a gradient must
    not repeat a side effect.
    """
    def step(n, args):
        node = graph[n]
        if node["op"].nout == 0:
            return ()
        out = core.bind(node["op"], args, node["params"])
        return out if isinstance(out, tuple) else (out,)
    return graph.walk(inputs, step)


def tensors(xs):
    """Values as tensors of the current trace (captured if they come from outside;
    Python numbers become constants). None stays None."""
    trace = core.current_trace()
    return [trace.to_symbolic(x) if trace is not None and x is not None else x for x in xs]


def trace(fn, like, name):
    """``fn`` traced into a subgraph of the current trace, its inputs typed like the
    tensors ``like`` and its results (a tensor or a list) its outputs.
    Returns (the graph, the current trace's tensors it captures)."""
    sub, _, result = trace_subgraph(fn, [x.type for x in like], name)
    finish_branch(sub, result)
    return sub.graph, sub.captures
