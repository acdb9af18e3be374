"""The pass manager: run named passes, verify after each, record stats, dump the graph.

A pass is a function ``Graph -> bool`` (did it change anything) on one graph. The manager
adds what every pass needs and none should write itself: it applies the pass to the graph
and to each subgraph, parents first (a level-2 device rewrite skips the bodies of fused
nodes: each is one kernel already); it runs the IR verifier after each pass
when checks are on (``AMBI_CHECKS=1``, always in tests), keeps a stats record per pass,
and prints the graph after each pass (``dump=True``, or ``AMBI_DEBUG>=3``).
"""
import sys
import time

from .. import config
from ..errors import ArgumentError
from ..ir.verify import verify

MAX_ROUNDS = 4  # -O1 repeats its passes until nothing changes, at most this many times


def size(graph):
    """Nodes in ``graph`` and all of its subgraphs."""
    return sum(len(g) for g in graph.nested())


def run_pass(table, graph, name, dump=False, round_=1):
    """Run one pass from ``table`` (name -> (fn, level)); returns its stats record."""
    if name not in table:
        raise ArgumentError(f"unknown pass {name!r}; the passes are: {', '.join(table)}")
    before, t0 = size(graph), time.perf_counter()
    pass_, level = table[name]
    changed = apply(pass_, graph, fused=level < 2)
    if changed:  # a subgraph that lost its last effect takes its node out of the chain
        for g in reversed(graph.nested()):  # innermost first
            g.unchain_pure()
    seconds = time.perf_counter() - t0
    if config.CHECKS:
        verify(graph, after=name)
    record = {"pass": name, "round": round_, "changed": changed, "nodes_before": before,
              "nodes_after": size(graph) if changed else before, "seconds": seconds}
    _show(graph, record, dump)
    return record


def apply(pass_, graph, fused=True):
    """Run ``pass_`` on ``graph`` and on each of its subgraphs (``fused``: fused bodies
    too); whether any changed.

    Parents go first, each subgraph as it stood before the pass: nodes that ``fold`` or
    ``simplify`` inline from a branch are rewritten as they are added, and the bodies of
    the nodes ``fuse`` makes are not fused again.
    """
    changed = False
    for g in graph.nested(fused):
        changed |= bool(pass_(g))
    return changed


def _show(graph, record, dump):
    """AMBI_DEBUG>=1: one line per pass; >=3 or ``dump``: the graph after it."""
    if not (dump or config.DEBUG):
        return
    line = (f"pass {record['pass']:<9} round {record['round']}: {record['nodes_before']} -> "
            f"{record['nodes_after']} nodes, {record['seconds'] * 1e3:.2f} ms"
            + ("" if record["changed"] else " (no change)"))
    if config.DEBUG >= 1:
        print(line, file=sys.stderr)
    if dump or config.DEBUG >= 3:
        record["dump"] = graph.pretty()
        out = dump if hasattr(dump, "write") else sys.stdout if dump else sys.stderr
        out.write(f"--- after {line}\n{record['dump']}\n")


def fixed_point(table, graph, names, dump=False):
    """Cycle through ``names`` until each has run once since the last change.

    Passes are idempotent, so the pass that made the last change need not run again.
    At most MAX_ROUNDS rounds run.
    """
    report, quiet = [], 0
    for round_ in range(1, MAX_ROUNDS + 1):
        for name in names:
            report.append(run_pass(table, graph, name, dump, round_))
            quiet = 1 if report[-1]["changed"] else quiet + 1
            if quiet == len(names):
                return report
    return report
