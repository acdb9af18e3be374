"""Graph-to-graph rewrites and the pipeline that runs them by ``-O`` level."""
import time

from .. import config
from .dce import dce

# name -> (pass function, the lowest -O level that runs it), in pipeline order
PASSES = {
    "dce": (dce, 1),
}


def run(graph, names):
    """Run the named passes in order (``am.passes.run(g, ["dce"])``); returns a report."""
    from ..ir.verify import verify
    report = []
    for name in names:
        fn = PASSES[name][0]
        before, t0 = len(graph), time.perf_counter()
        changed = fn(graph)
        report.append({"pass": name, "changed": changed, "nodes_before": before,
                       "nodes_after": len(graph), "seconds": time.perf_counter() - t0})
        if config.CHECKS:
            verify(graph, after=name)
    return report


def optimize(graph, level):
    """Run every pass of level <= ``level``, in pipeline order."""
    return run(graph, [n for n, (_, lvl) in PASSES.items() if lvl <= level])
