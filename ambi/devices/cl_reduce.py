"""Reductions on an OpenCL device: ``reduce_sum/prod/max/min`` over any axes (also of a
fused elementwise chain, evaluated term by term), and ``argmax``/``argmin``.

Kept and reduced dims are merged where contiguous, then reduced in one pass, or in two
when few outputs would leave the device idle. CPU kernels give each work-item a chunk
(with vector loads when the terms are contiguous); GPU kernels give each chunk a
work-group that combines its partials as a tree in local memory.
"""
from ..ir.types import norm_axes, norm_axis
from . import cl_cache, cl_codegen as cg, cl_kernels as ck
from .cl_launch import VECTOR_MIN, contiguous, element_ints, launch, pad, size

TREE_LOCAL = 256  # work-group size of GPU tree reductions (at most the device's limit)
TREE_MAX_OUTPUTS_PER_UNIT = 64  # more outputs than this per compute unit: one item each
ALIGN = 16  # chunks of terms start at multiples of this (the widest vector load)

def _merge(dims):
    """Drop size-1 dims and merge neighbours that are contiguous with each other."""
    out = []
    for n, stride in dims:
        if n == 1:
            continue
        if out and out[-1][1] == n * stride:
            out[-1] = (out[-1][0] * n, stride)
        else:
            out.append((n, stride))
    return out


def _split(shape, axes):
    dims = list(zip(shape, contiguous(shape)))
    kept = _merge([d for a, d in enumerate(dims) if a not in axes])
    red = _merge([d for a, d in enumerate(dims) if a in axes])
    return kept, red


def reduce_op(dev, op, args, params, types, spec):
    x, t = args[0], types[0]
    axes = norm_axes(params["axis"], len(x.shape), op.name)
    kept, red = _split(x.shape, axes)
    return [_reduce(dev, x, t, kept, red, spec)]


def fused_reduce(dev, graph, op, args, params, types):
    """A reduction of a fused elementwise chain: the chain is evaluated per term inside
    the reduction kernel, so its result never exists in memory (cl_graph merges them)."""
    body, outs = cg.body_of(graph)
    shape = graph.out_type(graph.outputs[0]).shape
    return [reduce_body(dev, body, outs[0], shape, op, args, params, types[0])]


def reduce_body(dev, body, value, shape, op, args, params, t):
    """Reduce ``value`` of an elementwise ``body`` over ``args`` (a chain of ``shape``)."""
    kept, red = _split(shape, norm_axes(params["axis"], len(shape), op.name))
    return _reduce(dev, args, t, kept, red, op.cl, (body, value, shape))


def merges_into_reduction(dev, shape, axis):
    """Whether a fused chain feeding this reduction should run inside it: not when the
    plain reduction would use vector loads (CPU devices, contiguous terms, many)."""
    kept, red = _split(shape, norm_axes(axis, len(shape), "reduce"))
    r = size([s for s, _ in red])
    return not _vector_loads(dev, red, r)


def _vector_loads(dev, red, r):
    """Chunked reductions load contiguous terms as vectors, when there are many."""
    return (dev.params.reduce == "chunk" and dev.params.width > 0 and len(red) == 1
            and red[0][1] == 1 and r >= VECTOR_MIN)


def _reduce(dev, x, t, kept, red, spec, fused=None):
    """A reduction in one pass, or two when few outputs would leave the device idle: the
    terms of each output are split into ``parts`` chunks, then each row of partials is
    reduced. A chunk is one work-item's on CPU kernels, one work-group's tree on GPU
    kernels (for outputs too few to give every work-item its own)."""
    out = dev.empty(t.shape, t.dtype)
    nout, r = out.size, size([s for s, _ in red])
    if nout == 0:
        return out
    tree = tree_size(dev, nout)
    workers = dev.compute_units * (4 if tree else 8)
    parts = 1
    if nout < workers and r >= 8192:
        parts = min(-(-workers // nout), r // 4096)
    rc = -(-r // parts)
    rc = -(-rc // ALIGN) * ALIGN
    parts = -(-r // rc) if r else 1
    target = out if parts == 1 else dev.empty((nout * parts,), t.dtype)
    _launch_reduce(dev, x, target, t.dtype, kept, red, parts, rc, r, spec, fused)
    if parts > 1:  # partial results, one row per output: reduce each row
        _launch_reduce(dev, target, out, t.dtype, [(nout, parts)] if nout > 1 else [],
                       [(parts, 1)], 1, parts, parts, spec)
    return out


def tree_size(dev, nout):
    """Work-group size of a tree reduction, or 0 for one work-item per output chunk: GPU
    kernels use trees unless the outputs alone give every work-item one."""
    if dev.params.reduce != "tree" or nout >= dev.compute_units * TREE_MAX_OUTPUTS_PER_UNIT:
        return 0
    return 1 << (min(TREE_LOCAL, dev.max_local).bit_length() - 1)


def _launch_reduce(dev, x, out, dtype, kept, red, parts, rc, r, spec, fused=None):
    init = ck.fill_value(spec["init"], dtype)
    combine = ck.by_kind(spec["combine"], dtype)
    nout = out.size // parts
    local = tree_size(dev, nout)
    vector = dev.params.width if (fused is None and _vector_loads(dev, red, r)) else 0
    # one reduced dim (the common case) gets its own build, with no index decoding
    nk, nr = max(cg.MAXDIM, len(kept)), 1 if len(red) == 1 else max(cg.MAXDIM, len(red))
    kept, red = pad(kept, nk, (1, 0)), pad(red, nr, (1, 0))
    flat = [s for s, _ in kept] + [s for _, s in kept] + [s for s, _ in red] + [s for _, s in red]
    if fused is None:
        bufs, extra, load, body_key = [x.buf], [], None, None
    else:  # x: the chain's inputs
        (body, value, shape), in_dtypes = fused, tuple(a.dtype for a in x)
        ndim = max(cg.MAXDIM, len(shape))
        bufs, extra = [a.buf for a in x], element_ints(x, shape, ndim)
        load, body_key = cg.element_value(body, in_dtypes, value, ndim), (body, value, in_dtypes)
    def build(local):
        key = ("reduce", dtype, init, combine, nk, nr, vector, body_key, local)
        return cl_cache.kernel(dev, key, lambda: ck.reduce_source(
            dtype, init, combine, nk, nr, vector, load, local), "reduce")
    k = build(local)
    if k.max_local < local:  # this kernel cannot run groups that big: one item per chunk
        local = 0
        k = build(local)
    launch(dev, k, (nout * parts * max(local, 1),),
                    bufs + [out.buf, nout, r, rc, parts] + flat + extra,
                    (local,) if local else None)


def argreduce_op(dev, op, args, params, types, spec):
    x, t = args[0], types[0]
    out = dev.empty(t.shape, t.dtype)
    if not x.shape or params["axis"] is None:  # over every element, flattened
        axis, r, rs = -1, x.size, 1
    else:
        axis = norm_axis(params["axis"], len(x.shape), op.name)
        r, rs = x.shape[axis], contiguous(x.shape)[axis]
    dims = zip(x.shape, contiguous(x.shape))
    kept = [] if axis < 0 else _merge([d for a, d in enumerate(dims) if a != axis])
    better = ck.by_kind(spec["better"], x.dtype)
    nk = max(cg.MAXDIM, len(kept))
    kept = pad(kept, nk, (1, 0))
    k = cl_cache.kernel(dev, ("argreduce", x.dtype, better, nk),
                        lambda: ck.argreduce_source(x.dtype, better, nk), "argreduce")
    flat = [s for s, _ in kept] + [s for _, s in kept]
    launch(dev, k, (out.size,), [x.buf, out.buf, out.size, r, rs] + flat)
    return [out]
