"""Running an elementwise subgraph block by block, so its temporaries stay in cache.

numpy evaluates ``tanh(exp(sin(x) * 0.5 + y) - ...)`` one whole array at a time: on
10M floats every temporary is 40 MB, written to memory and read back by the next op.
The same ops over 64 KiB slices (16K float32 elements) keep each temporary in the core's cache (the
chain on 10M float32 runs 1.3-1.6x faster than numpy on this 512 KiB-L2 EPYC, up to
2.2x while other work loads the memory bus; 64K-element blocks were slower than numpy
here), and each element still meets the very same numpy kernels in the same order, so
results are the same bits. The -O2 ``fuse_large`` pass
makes such subgraphs on the cpu device; any subgraph of elementwise ops, without
effects, whose outputs share one shape of at least ``config.CPU_FUSE_MIN_ELEMENTS``
elements, runs this way, its blocks shared by the cores (``workers.py``: 1.7-2.6x numpy
with two cores here).
"""
import math

import numpy as np

from .. import config
from ..ir.ops_ir import ARG, CONST
from . import workers


def block_shape(graph):
    """The common output shape if ``graph`` may run block by block, else None."""
    if not graph.outputs or graph.has_effects():
        return None
    for n in graph.order():
        op = graph[n]["op"]
        if op is not ARG and op is not CONST and not (op.elementwise and op.nout == 1):
            return None
    shapes = {graph.out_type(v).shape for v in graph.outputs}
    if len(shapes) != 1 or any(graph[n]["op"] in (ARG, CONST) for n, _ in graph.outputs):
        return None
    shape = shapes.pop()
    if not shape or math.prod(shape) < config.CPU_FUSE_MIN_ELEMENTS:
        return None
    return shape


def run_blocked(compiled, shape, inputs):
    """``compiled(*inputs)``, computed ``config.CPU_BLOCK_BYTES`` of the widest dtype at a
    time."""
    dtypes = [compiled.graph.out_type(v).dtype.np for v in compiled.graph.outputs]
    widest = max(np.dtype(d).itemsize for d in [*dtypes, *(np.result_type(x) for x in inputs)])
    elements = max(1, config.CPU_BLOCK_BYTES // widest)
    flat = all(np.shape(x) == shape or np.size(x) == 1 for x in inputs)
    if flat:  # the usual case: whole arrays and scalars; blocks of the flattened arrays
        inputs = [np.reshape(x, -1) if np.shape(x) == shape else np.reshape(x, ())
                  for x in inputs]
        outs = _blocks(compiled, (math.prod(shape),), inputs, dtypes, elements)
        return [o.reshape(shape) for o in outs]
    rows = max(1, elements // max(1, math.prod(shape[1:])))
    return _blocks(compiled, shape, inputs, dtypes, rows)


def _blocks(compiled, shape, inputs, dtypes, step):
    """Slices ``[i:i+step]`` along the first axis of inputs that span it; others whole.
    The cores share the blocks (``workers.py``), at least two blocks each."""
    outs = [np.empty(shape, d) for d in dtypes]
    spans = [np.ndim(x) == len(shape) and np.shape(x)[0] == shape[0] for x in inputs]

    def block(i):
        part = [x[i:i + step] if s else x for x, s in zip(inputs, spans)]
        for out, value in zip(outs, compiled(*part)):
            out[i:i + step] = value
    starts = range(0, shape[0], step)
    workers.for_each(block, starts, helpers=len(starts) // 2 - 1)
    return outs
