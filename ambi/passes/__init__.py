"""Graph-to-graph rewrites and the pipeline that runs them by ``-O`` level.

Each pass is a function ``Graph -> bool`` (changed) on one graph; the manager applies it
to the graph and to every control-flow subgraph. ``docs/passes.md`` says what each
guarantees and refuses.
"""
from .cse import cse
from .dce import dce
from .fold import fold
from .fuse import fuse, fuse_large
from .manager import fixed_point, run_pass
from .simplify import simplify

# The pipeline, in order: name -> (pass, the lowest -O level that runs it).
PASSES = {
    # -O1: exact clean-ups, repeated together until none changes the graph
    "dce": (dce, 1),
    "fold": (fold, 1),
    "cse": (cse, 1),
    "simplify": (simplify, 1),
    # -O2: device rewrites, run once after -O1 reaches its fixed point.
    "fuse": (fuse, 2),  # elementwise chains -> one fused node (one OpenCL kernel)
    "fuse_large": (fuse_large, 2),  # the same for big tensors only (cpu: run in blocks)
}
CPU_REWRITES = ("fuse_large",)  # the numpy cpu device's -O2 rewrites


def run(graph, names, dump=False):
    """Run the named passes once each, in the order given; returns the stats list.

    Each record is a dict: pass, round, changed, nodes_before, nodes_after, seconds
    (and dump, the graph's ``pretty()`` text, when ``dump`` is true; ``dump=True``
    also prints it, a file object receives it).

    >>> cf = am.function(lambda x: x * 1.0 + x * 1.0, optimize=0).get_concrete_function(x)
    >>> am.passes.run(cf.graph, ["simplify", "cse", "dce"])[0]["changed"]
    True
    """
    return [run_pass(PASSES, graph, name, dump) for name in names]


def optimize(graph, level, dump=False, device=None):
    """Optimize ``graph`` in place for ``-O level`` (0, 1 or 2); returns the stats list.

    Level 2 adds the rewrites that the target ``device`` asks for (``device.rewrites``):
    fusion pays off on an OpenCL device; on the numpy ``cpu`` device (``device`` None or
    cpu) only for big tensors, whose fused chains the executor runs block by block.

    >>> report = am.passes.optimize(graph, 1)
    >>> [r["pass"] for r in report][:4]
    ['dce', 'fold', 'cse', 'simplify']
    """
    exact = [name for name, (_, lvl) in PASSES.items() if lvl == 1]
    wanted = CPU_REWRITES if device is None else device.rewrites
    rewrites = [name for name in wanted if PASSES[name][1] <= level]
    report = fixed_point(PASSES, graph, exact, dump) if level >= 1 else []
    return report + [run_pass(PASSES, graph, name, dump) for name in rewrites]
