"""Running one op on an OpenCL device: pick the kernel family its record's ``cl`` names.

An elementwise op's ``cl`` is its expression template; any other op's is a dict whose
``"kernel"`` names a family below (with the family's own template pieces, such as a
reduction's ``init`` and ``combine``). An op with neither has no device kernel: that is
a DeviceError naming it, never a silent trip through numpy. The ``host`` family is the
declared exception for ops that are host work by nature (print, Variable reads and
writes); ``control`` runs cond/while subgraphs on the device, reading the predicate back.
"""
import weakref

import numpy as np

from ..errors import DeviceError
from ..ir.ops_ir import ARG
from ..ir.types import norm_axes, norm_axis
from . import cl_cache, cl_codegen as cg, cl_kernels as ck

_entries = {}  # (context, family key) -> kernel: each source is rendered once
VECTOR_MIN = 4096  # smaller tensors take the scalar kernel that serves every shape
MATMUL_BLOCK = (8, 16)  # rows x columns of C per work-item (NOTES: 8x16 was best on PoCL)
TREE_LOCAL = 256  # work-group size of GPU tree reductions (at most the device's limit)
TREE_MAX_OUTPUTS_PER_UNIT = 64  # more outputs than this per compute unit: one item each


def run(dev, op, args, params, types):
    """Launch ``op`` on ``dev`` over CLTensors ``args``; returns the output CLTensors."""
    if op.elementwise and op.cl is not None:
        body = ((op, tuple(range(len(args))), tuple(a.dtype for a in args), types[0].dtype),)
        return elementwise(dev, body, (len(args),), args, types)
    family = FAMILIES.get(op.cl.get("kernel")) if isinstance(op.cl, dict) else None
    if family is None:
        raise DeviceError(f"op {op.name!r} has no OpenCL kernel yet; run it on the 'cpu' "
                          f"device (with am.device('cpu'): ...)")
    return family(dev, op, args, params, types, op.cl)


def has_kernel(op):
    """Whether ``op`` can run on an OpenCL device (the registry-driven test lists these)."""
    if op.decompose is not None:
        return True  # composites run as their primitives
    if op.elementwise:
        return op.cl is not None
    return isinstance(op.cl, dict) and op.cl.get("kernel") in FAMILIES


def _kernel(dev, key, make, name):
    entry = _entries.get((id(dev.ctx), key))
    if entry is None:
        src, kinds = make()
        entry = _entries[(id(dev.ctx), key)] = cl_cache.kernel(dev.ctx, src, name, kinds)
    return entry


def grid(dev, n, min_chunk=1024):
    """(work-items, items each): on a CPU a few contiguous chunks; on a GPU one each."""
    if dev.kernels == "gpu":
        return max(n, 1), 1
    chunk = max(min_chunk, -(-n // (dev.compute_units * 8)))
    return max(1, -(-n // chunk)), chunk


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _contiguous(shape):
    strides, s = [], 1
    for d in reversed(shape):
        strides.append(s)
        s *= d
    return strides[::-1]


def broadcast_strides(shape, out_shape):
    """Element strides of a contiguous ``shape`` read at ``out_shape``'s coordinates."""
    pad = len(out_shape) - len(shape)
    own = _contiguous(shape)
    return [0 if a < pad or shape[a - pad] == 1 else own[a - pad] for a in range(len(out_shape))]


# -- elementwise -------------------------------------------------------------------------
def elementwise(dev, body, outs, args, types):
    """One kernel for an elementwise ``body`` (one op eagerly, or a fused chain)."""
    key = (id(dev), dev.kernels, body, outs, *[(a.shape, a.dtype) for a in args])
    plan = _plans.get(key)
    if plan is None:
        if len(_plans) >= PLANS_KEEP:
            _plans.clear()
        plan = _plans[key] = _elementwise_plan(dev, body, outs, args, types)
    k, size, ints = plan
    results = [dev.empty(t.shape, t.dtype) for t in types]
    if k is not None:
        cl_cache.launch(dev, k, size, [a.buf for a in args] + [r.buf for r in results] + ints)
    return results


_plans = {}  # (device, body, operand shapes and dtypes) -> (kernel, global size, int args)
PLANS_KEEP = 4096


def _elementwise_plan(dev, body, outs, args, types):
    """The kernel, launch size and int arguments for operands of these shapes, worked out
    once per shape (an eager op's Python cost is mostly this)."""
    shape = types[0].shape
    n = _size(shape)
    if n == 0:
        return None, None, None
    in_dtypes = tuple(a.dtype for a in args)
    modes = tuple("full" if a.shape == shape else "scalar" if a.size == 1 else "strided"
                  for a in args)
    if (dev.kernels == "cpu" and n >= VECTOR_MIN and "strided" not in modes
            and cg.vectorizable(body, in_dtypes)):
        k = _kernel(dev, ("ew", body, outs, in_dtypes, modes), lambda: cg.elementwise_source(
            body, in_dtypes, outs, modes, cg.WIDTH), "elementwise")
        g, chunk = grid(dev, n // cg.WIDTH, 64)
        return k, (g,), [n, chunk]
    ndim = max(cg.MAXDIM, len(shape))
    k = _kernel(dev, ("ew", body, outs, in_dtypes, ndim), lambda: cg.elementwise_source(
        body, in_dtypes, outs, ndim=ndim), "elementwise")
    g, chunk = grid(dev, n)
    return k, (g,), [n, chunk] + _element_ints(args, shape, ndim)


def _element_ints(args, shape, ndim):
    """gen, the output dims, and per input its full-tensor flag and broadcast strides."""
    per_input, gen = [], 0
    for a in args:
        full = a.shape == shape
        strides = _pad(broadcast_strides(a.shape, shape), ndim, 0)
        gen |= not full and any(strides)
        per_input += [int(full)] + strides
    return [int(gen)] + _pad(list(shape), ndim, 1) + per_input


def _pad(values, ndim, fill):
    """Leading ``fill`` entries up to ``ndim`` (kernels take a fixed number of dims)."""
    return [fill] * (ndim - len(values)) + list(values)


# -- views and copies ------------------------------------------------------------------------
_probes = {}


def _affine(op, shape, params):
    """(offset, strides) in elements such that out[c] = in[offset + c . strides].

    The op's own numpy kernel is applied to a probe with no memory (itemsize 1), so its
    view's data pointer and strides are the answer; a full integer index returns a
    numpy scalar instead, which a small real probe answers.
    """
    key = (op, shape, tuple(sorted(params.items())))
    if key not in _probes:
        base = np.zeros(1, np.uint8)
        probe = np.lib.stride_tricks.as_strided(base, shape, _contiguous(shape))
        v = op.kernel(probe, **params)
        if isinstance(v, np.ndarray) and v.ndim:
            _probes[key] = (v.__array_interface__["data"][0] - base.ctypes.data, list(v.strides))
        else:
            real = np.arange(_size(shape), dtype=np.int64).reshape(shape)
            _probes[key] = (int(np.asarray(op.kernel(real, **params))), [])
    return _probes[key]


def view_op(dev, op, args, params, types, spec):
    x, t = args[0], types[0]
    if spec.get("alias"):  # same elements in the same order: share the buffer
        return [x.view(t.shape)]
    out = dev.empty(t.shape, t.dtype)
    if out.size == 0:
        return [out]
    off, strides = _affine(op, x.shape, params)
    ndim = max(cg.MAXDIM, len(t.shape))
    k = _kernel(dev, ("copy", t.dtype, ndim), lambda: ck.strided_copy_source(t.dtype, ndim),
                "strided_copy")
    g, chunk = grid(dev, out.size)
    cl_cache.launch(dev, k, (g,), [x.buf, out.buf, out.size, chunk, off]
                    + _pad(list(t.shape), ndim, 1) + _pad(strides, ndim, 0))
    return [out]


def concat_op(dev, op, args, params, types, spec):
    t = types[0]
    out = dev.empty(t.shape, t.dtype)
    if out.size == 0:
        return [out]
    axis = norm_axis(params["axis"], len(t.shape), op.name)
    inner, off = _size(t.shape[axis + 1:]), 0
    k = _kernel(dev, ("concat", t.dtype), lambda: ck.concat_source(t.dtype), "concat_part")
    for x in args:
        if x.size:
            g, chunk = grid(dev, x.size)
            cl_cache.launch(dev, k, (g,), [x.buf, out.buf, x.size, chunk, inner,
                                           x.shape[axis], t.shape[axis], off])
        off += x.shape[axis]
    return [out]


def gather_op(dev, op, args, params, types, spec):
    p, idx = args
    t = types[0]
    out = dev.empty(t.shape, t.dtype)
    if out.size == 0:
        return [out]
    a = norm_axis(params["axis"], len(p.shape), op.name)
    ind = idx.numpy()  # a kernel cannot raise: check on the host, as the cpu kernel does
    if ind.min() < -p.shape[a] or ind.max() >= p.shape[a]:
        raise IndexError(f"gather: an index is out of range for axis {a} of size {p.shape[a]}")
    k = _kernel(dev, ("gather", t.dtype, idx.dtype),
                lambda: ck.gather_source(t.dtype, idx.dtype), "gather")
    g, chunk = grid(dev, out.size)
    cl_cache.launch(dev, k, (g,), [p.buf, idx.buf, out.buf, out.size, chunk,
                                   _size(p.shape[a + 1:]), idx.size, p.shape[a]])
    return [out]


# -- reductions ------------------------------------------------------------------------------
def _merge(dims):
    """Drop size-1 dims and merge neighbours that are contiguous with each other."""
    out = []
    for size, stride in dims:
        if size == 1:
            continue
        if out and out[-1][1] == size * stride:
            out[-1] = (out[-1][0] * size, stride)
        else:
            out.append((size, stride))
    return out


def _split(shape, axes):
    dims = list(zip(shape, _contiguous(shape)))
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
    body, outs = _body(graph)
    shape = graph.out_type(graph.outputs[0]).shape
    kept, red = _split(shape, norm_axes(params["axis"], len(shape), op.name))
    return [_reduce(dev, args, types[0], kept, red, op.cl, (body, outs[0], shape))]


def merges_into_reduction(dev, shape, axis):
    """Whether a fused chain feeding this reduction should run inside it: not when the
    plain reduction would use vector loads (CPU devices, contiguous terms, many)."""
    kept, red = _split(shape, norm_axes(axis, len(shape), "reduce"))
    r = _size([s for s, _ in red])
    return not (dev.kernels == "cpu" and len(red) == 1 and red[0][1] == 1 and r >= VECTOR_MIN)


def _reduce(dev, x, t, kept, red, spec, fused=None):
    """A reduction in one pass, or two when few outputs would leave the device idle: the
    terms of each output are split into ``parts`` chunks, then each row of partials is
    reduced. A chunk is one work-item's on CPU kernels, one work-group's tree on GPU
    kernels (for outputs too few to give every work-item its own)."""
    out = dev.empty(t.shape, t.dtype)
    nout, r = out.size, _size([s for s, _ in red])
    if nout == 0:
        return out
    tree = _tree_size(dev, nout)
    workers = dev.compute_units * (4 if tree else 8)
    parts = 1
    if nout < workers and r >= 8192:
        parts = min(-(-workers // nout), r // 4096)
    rc = -(-r // parts)
    rc = -(-rc // cg.WIDTH) * cg.WIDTH
    parts = -(-r // rc) if r else 1
    target = out if parts == 1 else dev.empty((nout * parts,), t.dtype)
    _launch_reduce(dev, x, target, t.dtype, kept, red, parts, rc, r, spec, fused)
    if parts > 1:  # partial results, one row per output: reduce each row
        _launch_reduce(dev, target, out, t.dtype, [(nout, parts)] if nout > 1 else [],
                       [(parts, 1)], 1, parts, parts, spec)
    return out


def _tree_size(dev, nout):
    """Work-group size of a tree reduction, or 0 for one work-item per output chunk: GPU
    kernels use trees unless the outputs alone give every work-item one."""
    if dev.kernels != "gpu" or nout >= dev.compute_units * TREE_MAX_OUTPUTS_PER_UNIT:
        return 0
    return 1 << (min(TREE_LOCAL, dev.max_local).bit_length() - 1)


def _launch_reduce(dev, x, out, dtype, kept, red, parts, rc, r, spec, fused=None):
    init = ck.fill_value(spec["init"], dtype)
    combine = ck.by_kind(spec["combine"], dtype)
    nout = out.size // parts
    local = _tree_size(dev, nout)
    vector = (fused is None and dev.kernels == "cpu" and len(red) == 1 and red[0][1] == 1
              and r >= VECTOR_MIN)
    # one reduced dim (the common case) gets its own build, with no index decoding
    nk, nr = max(cg.MAXDIM, len(kept)), 1 if len(red) == 1 else max(cg.MAXDIM, len(red))
    kept, red = _pad(kept, nk, (1, 0)), _pad(red, nr, (1, 0))
    flat = [s for s, _ in kept] + [s for _, s in kept] + [s for s, _ in red] + [s for _, s in red]
    if fused is None:
        bufs, extra, load, body_key = [x.buf], [], None, None
    else:  # x: the chain's inputs
        (body, value, shape), in_dtypes = fused, tuple(a.dtype for a in x)
        ndim = max(cg.MAXDIM, len(shape))
        bufs, extra = [a.buf for a in x], _element_ints(x, shape, ndim)
        load, body_key = cg.element_value(body, in_dtypes, value, ndim), (body, value, in_dtypes)
    key = ("reduce", dtype, init, combine, nk, nr, vector, body_key, local)
    k = _kernel(dev, key, lambda: ck.reduce_source(dtype, init, combine, nk, nr, vector, load,
                                                   local), "reduce")
    cl_cache.launch(dev, k, (nout * parts * max(local, 1),),
                    bufs + [out.buf, nout, r, rc, parts] + flat + extra,
                    (local,) if local else None)


def argreduce_op(dev, op, args, params, types, spec):
    x, t = args[0], types[0]
    out = dev.empty(t.shape, t.dtype)
    if out.size == 0:
        return [out]
    if not x.shape or params["axis"] is None:  # over every element, flattened
        axis, r, rs = -1, x.size, 1
    else:
        axis = norm_axis(params["axis"], len(x.shape), op.name)
        r, rs = x.shape[axis], _contiguous(x.shape)[axis]
    kept = [] if axis < 0 else _merge([d for a, d in enumerate(zip(x.shape, _contiguous(x.shape)))
                                       if a != axis])
    better = ck.by_kind(spec["better"], x.dtype)
    nk = max(cg.MAXDIM, len(kept))
    kept = _pad(kept, nk, (1, 0))
    k = _kernel(dev, ("arg", x.dtype, better, nk), lambda: ck.argreduce_source(x.dtype, better, nk),
                "argreduce")
    flat = [s for s, _ in kept] + [s for _, s in kept]
    cl_cache.launch(dev, k, (out.size,), [x.buf, out.buf, out.size, r, rs] + flat)
    return [out]


# -- matmul and windows ----------------------------------------------------------------------
def matmul_op(dev, op, args, params, types, spec):
    a, b = args
    t = types[0]
    out = dev.empty(t.shape, t.dtype)
    if out.size == 0:
        return [out]
    batch = t.shape[:-2]
    (m, kk), n = a.shape[-2:], b.shape[-1]
    nb = max(cg.MAXDIM - 2, len(batch))
    sa = _pad(broadcast_strides(a.shape[:-2], batch), nb, 0)
    sb = _pad(broadcast_strides(b.shape[:-2], batch), nb, 0)
    if dev.kernels == "gpu":  # local-memory tiles, read straight from A and B
        k = _kernel(dev, ("tiled_matmul", t.dtype, nb),
                    lambda: ck.tiled_matmul_source(t.dtype, nb), "matmul")
        items = ck.TILE // ck.PER_ITEM
        cl_cache.launch(dev, k, (-(-n // ck.TILE) * items, -(-m // ck.TILE) * items,
                                 _size(batch)),
                        [a.buf, b.buf, out.buf, m, n, kk] + _pad(list(batch), nb, 1) + sa + sb,
                        (items, items, 1))
        return [out]
    rows, width = MATMUL_BLOCK
    ap, mp = _pack(dev, a, "a", rows, m, kk)
    bp, np_ = _pack(dev, b, "b", width, kk, n)
    k = _kernel(dev, ("matmul", t.dtype, nb, rows, width),
                lambda: ck.matmul_source(t.dtype, nb, rows, width), "matmul")
    cl_cache.launch(dev, k, (np_ // width, mp // rows, _size(batch)),
                    [ap.buf, bp.buf, out.buf, m, n, kk, mp, np_] + _pad(list(batch), nb, 1)
                    + sa + sb)
    return [out]


def _pack(dev, x, side, block, rows, cols):
    """x's matrices as zero-padded panels of ``block`` rows (A) or columns (B)."""
    count = _size(x.shape[:-2])
    padded = -(-(rows if side == "a" else cols) // block) * block
    inner = cols if side == "a" else rows
    p = dev.empty((count * padded * inner,), x.dtype)
    if p.size:
        k = _kernel(dev, ("pack", x.dtype, side, block),
                    lambda: ck.pack_source(x.dtype, side, block), "pack")
        g, chunk = grid(dev, p.size)
        cl_cache.launch(dev, k, (g,), [x.buf, p.buf, p.size, chunk, rows, cols, inner, padded])
    return p, padded


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _window_args(x_shape, out_shape, ksize, strides):
    """Geometry of an NHWC window op; SAME padding puts the odd pixel after (TensorFlow)."""
    (kh, kw), (sh, sw) = ksize, strides
    _, h, w, c = x_shape
    oh, ow = out_shape[1], out_shape[2]
    ph = max((oh - 1) * sh + kh - h, 0) // 2
    pw = max((ow - 1) * sw + kw - w, 0) // 2
    return [h, w, c, oh, ow, kh, kw, sh, sw, ph, pw]


def conv2d_op(dev, op, args, params, types, spec):
    x, f = args
    t = types[0]
    out = dev.empty(t.shape, t.dtype)
    if out.size == 0:
        return [out]
    geo = _window_args(x.shape, t.shape, f.shape[:2], _pair(params["strides"]))
    k = _kernel(dev, ("conv2d", t.dtype), lambda: ck.conv2d_source(t.dtype), "conv2d")
    g, chunk = grid(dev, out.size, 64)
    cl_cache.launch(dev, k, (g,), [x.buf, f.buf, out.buf, out.size, chunk] + geo + [f.shape[3]])
    return [out]


def max_pool_op(dev, op, args, params, types, spec):
    x, t = args[0], types[0]
    out = dev.empty(t.shape, t.dtype)
    if out.size == 0:
        return [out]
    geo = _window_args(x.shape, t.shape, _pair(params["ksize"]), _pair(params["strides"]))
    better = ck.by_kind(spec["combine"], t.dtype)
    k = _kernel(dev, ("pool", t.dtype, better), lambda: ck.max_pool_source(t.dtype, better),
                "max_pool2d")
    g, chunk = grid(dev, out.size, 64)
    cl_cache.launch(dev, k, (g,), [x.buf, out.buf, out.size, chunk] + geo + [x.shape[3]])
    return [out]


# -- random, host work, subgraphs ------------------------------------------------------------
def random_op(dev, op, args, params, types, spec):
    t = types[0]
    out = dev.empty(t.shape, t.dtype)
    if out.size == 0:
        return [out]
    seed = spec["seed"](params["seed"])
    keys = [int(spec["key"](seed, s)) for s in spec["streams"]] + [0]
    lo, hi = (float(params[p]) for p in spec["params"])
    dist = spec["dist"]
    k = _kernel(dev, ("random", t.dtype, dist), lambda: ck.random_source(t.dtype, dist), "draw")
    g, chunk = grid(dev, out.size)
    cl_cache.launch(dev, k, (g,), [out.buf, out.size, chunk, keys[0], keys[1], lo, hi])
    return [out]


def host_op(dev, op, args, params, types, spec):
    """Host work by nature: values come back to the host, results go out again."""
    out = op.kernel(*[a.numpy() for a in args], **params)
    outs = (out,) if op.nout == 1 else tuple(out or ())
    return [dev.place(v, ty.dtype) for v, ty in zip(outs, types)]


def control_op(dev, op, args, params, types, spec):
    """cond / while: the op's own kernel, its subgraphs run on this device."""
    return list(op.kernel(*args, run=dev.run_graph, **params))


_bodies = weakref.WeakKeyDictionary()  # fused subgraph -> its instructions


def fused_op(dev, op, args, params, types, spec):
    """A fused elementwise subgraph: one generated kernel for the whole chain."""
    body, outs = _body(params[spec["graph"]])
    return elementwise(dev, body, outs, args, types)


def _body(graph):
    if graph not in _bodies:
        _bodies[graph] = fused_body(graph)
    return _bodies[graph]


def fused_body(graph):
    """The subgraph as instructions: inputs are values 0.., each node the next value."""
    ids = {(n, 0): graph[n]["params"]["index"] for n in graph.inputs}
    body = []
    for n in graph.order():
        node = graph[n]
        if node["op"] is ARG:
            continue
        refs = tuple(ids[v] for v in graph.operands(n))
        in_dtypes = tuple(graph.out_type(v).dtype for v in graph.operands(n))
        ids[(n, 0)] = len(graph.inputs) + len(body)
        body.append((node["op"], refs, in_dtypes, node["types"][0].dtype))
    return tuple(body), tuple(ids[v] for v in graph.outputs)


FAMILIES = {"view": view_op, "concat": concat_op, "gather": gather_op, "reduce": reduce_op,
            "argreduce": argreduce_op, "matmul": matmul_op, "conv2d": conv2d_op,
            "max_pool2d": max_pool_op, "random": random_op, "host": host_op,
            "control": control_op, "fused": fused_op}
