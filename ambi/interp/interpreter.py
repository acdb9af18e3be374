"""The reference interpreter: it defines what a graph means.

One short loop: an env dict from (node, output) to value, a kernel call per node in
topological order, values freed after their last use. Errors are reported at the
user's source line that created the failing node.
"""
import math

import numpy as np

from .. import config, dtypes as dt
from ..errors import AmbiError, RunError
from ..limits import allocation_error, cannot_allocate

KERNEL_ERRORS = (ValueError, IndexError, TypeError, ArithmeticError, MemoryError)


def interpret(graph, inputs):
    """Run ``graph`` on numpy ``inputs`` (one per graph input); returns output values."""
    return graph.walk(inputs, lambda n, args: run_node(graph, n, args, interpret))


def run_node(graph, n, args, run_subgraph):
    """Call one node's kernel; returns a tuple of its outputs."""
    node = graph[n]
    op, params = node["op"], node["params"]
    extra = {"run": run_subgraph} if op.subgraphs else {}
    try:
        out = op.kernel(*args, **params, **extra)
    except AmbiError:
        raise
    except KERNEL_ERRORS as e:
        raise node_error(graph, n, e) from e
    outs = (out,) if op.nout == 1 else tuple(out or ())
    if config.CHECKS:
        _check_types(graph, n, outs)
    return outs


def node_error(graph, n, exc):
    node = graph[n]
    loc = node["locs"][0] if node["locs"] else None
    if cannot_allocate(exc, node["types"]):
        t = max(node["types"], key=lambda t: math.prod(t.shape))
        return allocation_error(t.shape, t.dtype, node["op"].name, loc)
    return RunError(f"{node['op'].name}: {exc}", loc=loc)


def _check_types(graph, n, outs):
    node = graph[n]
    for v, t in zip(outs, node["types"]):
        if np.shape(v) != t.shape or dt.of_numpy(np.asarray(v).dtype) is not t.dtype:
            raise RunError(f"internal: {node['op'].name} kernel returned "
                           f"{np.asarray(v).dtype}{list(np.shape(v))}, its rules say {t}")
