"""``fused``: a chain of elementwise ops held as one node (made by the -O2 ``fuse`` pass).

Its operands are the chain's inputs from outside; its outputs are the chain's values
used outside. On the ``cpu`` device it runs the subgraph with the reference semantics;
an OpenCL device renders the whole subgraph into one generated kernel. Its ``fusion``
flag tells the passes so: ``fuse`` makes such nodes and never fuses inside their bodies.
"""
from ..ir.opdef import P, defop


def _fused_kernel(*args, run, graph):
    return tuple(run(graph, args))


def _fused_types(types, graph):
    return tuple(graph.out_type(v) for v in graph.outputs)


fused = defop("fused", variadic=True, params={"graph": P.graph(None)}, kernel=_fused_kernel,
              types=_fused_types, subgraphs=("graph",), same_dtype=(), nout=None,
              differentiable=False, cl={"kernel": "fused", "graph": "graph"}, fusion=True,
              doc="Elementwise ops fused into one node; one kernel on an OpenCL device.")
