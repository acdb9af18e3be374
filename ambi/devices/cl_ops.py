"""Running one op on an OpenCL device: pick the kernel family its record's ``cl`` names.

An elementwise op's ``cl`` is its expression template; any other op's is a dict whose
``"kernel"`` names a family below (with the family's own template pieces, such as a
reduction's ``init`` and ``combine``; reductions live in ``cl_reduce``). An op with
neither has no device kernel: that is a DeviceError naming it, never a silent trip
through numpy. The ``host`` family is the declared exception for ops that are host work
by nature (print, Variable reads and writes); ``control`` runs cond/while subgraphs on
the device, reading the predicate back.
"""
import numpy as np

from ..errors import DeviceError
from ..ir.types import norm_axis
from ..memo import remember
from . import cl_cache, cl_codegen as cg, cl_kernels as ck
from .cl_launch import (VECTOR_MIN, broadcast_strides, contiguous, element_ints, grid, launch,
                        pad, size)
from .cl_reduce import argreduce_op, reduce_op


def family(op):
    """The kernel family (a function below) that runs ``op`` on a device, or None."""
    if op.elementwise and op.cl is not None:
        return elementwise_op
    return FAMILIES.get(op.cl.get("kernel")) if isinstance(op.cl, dict) else None


def run(dev, op, args, params, types):
    """Launch ``op`` on ``dev`` over CLTensors ``args``; returns the output CLTensors."""
    fam = family(op)
    if fam is None:
        raise DeviceError(f"op {op.name!r} has no OpenCL kernel yet; run it on the 'cpu' "
                          f"device (with am.device('cpu'): ...)")
    if fam not in (elementwise_op, host_op, control_op) and all(t.size == 0 for t in types):
        return [dev.empty(t.shape, t.dtype) for t in types]  # nothing to compute
    return fam(dev, op, args, params, types, op.cl)


def has_kernel(op):
    """Whether ``op`` can run on an OpenCL device (the registry-driven test lists these)."""
    return op.decompose is not None or family(op) is not None  # composites: as primitives


def fused_graph(op, params):
    """The elementwise subgraph a ``fused`` family op computes."""
    return params[op.cl["graph"]]


def elementwise_op(dev, op, args, params, types, spec):
    """One elementwise op: its record's template, as a body of one instruction."""
    body = ((op, tuple(range(len(args))), tuple(a.dtype for a in args), types[0].dtype),)
    return elementwise(dev, body, (len(args),), args, types)


def elementwise(dev, body, outs, args, types):
    """One kernel for an elementwise ``body`` (one op eagerly, or a fused chain)."""
    key = (id(dev), dev.params, body, outs, *[(a.shape, a.dtype) for a in args])
    plan = _plans.get(key)
    if plan is None:
        plan = remember(_plans, key, _elementwise_plan(dev, body, outs, args, types),
                        PLANS_KEEP)
    k, global_size, ints = plan
    results = [dev.empty(t.shape, t.dtype) for t in types]
    if k is not None:
        launch(dev, k, global_size, [a.buf for a in args] + [r.buf for r in results] + ints)
    return results


_plans = {}  # (device, body, operand shapes and dtypes) -> (kernel, global size, int args)
PLANS_KEEP = 4096


def _elementwise_plan(dev, body, outs, args, types):
    """The kernel, launch size and int arguments for operands of these shapes, worked out
    once per shape (an eager op's Python cost is mostly this)."""
    shape = types[0].shape
    n = size(shape)
    if n == 0:
        return None, None, None
    in_dtypes = tuple(a.dtype for a in args)
    modes = tuple("full" if a.shape == shape else "scalar" if a.size == 1 else "strided"
                  for a in args)
    width = dev.params.width
    vector = dev.params.grid == "chunk" and width and n >= VECTOR_MIN
    if vector and "strided" not in modes and cg.vectorizable(body, in_dtypes):
        k = cl_cache.kernel(dev, ("ew", body, outs, in_dtypes, modes, width),
                            lambda: cg.elementwise_source(body, in_dtypes, outs, modes, width),
                            "elementwise")
        g, chunk = grid(dev, n // width, 64)
        return k, (g,), [n, chunk]
    ndim = max(cg.MAXDIM, len(shape))
    k = cl_cache.kernel(dev, ("ew", body, outs, in_dtypes, ndim), lambda: cg.elementwise_source(
        body, in_dtypes, outs, ndim=ndim), "elementwise")
    g, chunk = grid(dev, n)
    return k, (g,), [n, chunk] + element_ints(args, shape, ndim)


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
        probe = np.lib.stride_tricks.as_strided(base, shape, contiguous(shape))
        v = op.kernel(probe, **params)
        if isinstance(v, np.ndarray) and v.ndim:
            _probes[key] = (v.__array_interface__["data"][0] - base.ctypes.data, list(v.strides))
        else:
            real = np.arange(size(shape), dtype=np.int64).reshape(shape)
            _probes[key] = (int(np.asarray(op.kernel(real, **params))), [])
    return _probes[key]


def view_op(dev, op, args, params, types, spec):
    x, t = args[0], types[0]
    if spec.get("alias"):  # same elements in the same order: share the buffer
        return [x.view(t.shape)]
    out = dev.empty(t.shape, t.dtype)
    off, strides = _affine(op, x.shape, params)
    ndim = max(cg.MAXDIM, len(t.shape))
    k = cl_cache.kernel(dev, ("copy", t.dtype, ndim),
                        lambda: ck.strided_copy_source(t.dtype, ndim), "strided_copy")
    g, chunk = grid(dev, out.size)
    launch(dev, k, (g,), [x.buf, out.buf, out.size, chunk, off]
                    + pad(list(t.shape), ndim, 1) + pad(strides, ndim, 0))
    return [out]


def concat_op(dev, op, args, params, types, spec):
    t = types[0]
    out = dev.empty(t.shape, t.dtype)
    axis = norm_axis(params["axis"], len(t.shape), op.name)
    inner, off = size(t.shape[axis + 1:]), 0
    k = cl_cache.kernel(dev, (spec["kernel"], t.dtype), lambda: ck.concat_source(t.dtype),
                        "concat_part")
    for x in args:
        if x.size:
            g, chunk = grid(dev, x.size)
            launch(dev, k, (g,), [x.buf, out.buf, x.size, chunk, inner,
                                           x.shape[axis], t.shape[axis], off])
        off += x.shape[axis]
    return [out]


def gather_op(dev, op, args, params, types, spec):
    p, idx = args
    t = types[0]
    out = dev.empty(t.shape, t.dtype)
    a = norm_axis(params["axis"], len(p.shape), op.name)
    ind = idx.numpy()  # a kernel cannot raise: check on the host, as the cpu kernel does
    if ind.min() < -p.shape[a] or ind.max() >= p.shape[a]:
        raise IndexError(f"gather: an index is out of range for axis {a} of size {p.shape[a]}")
    k = cl_cache.kernel(dev, (spec["kernel"], t.dtype, idx.dtype),
                        lambda: ck.gather_source(t.dtype, idx.dtype), spec["kernel"])
    g, chunk = grid(dev, out.size)
    launch(dev, k, (g,), [p.buf, idx.buf, out.buf, out.size, chunk,
                                   size(p.shape[a + 1:]), idx.size, p.shape[a]])
    return [out]


# -- matmul and windows ----------------------------------------------------------------------
def matmul_op(dev, op, args, params, types, spec):
    a, b = args
    t = types[0]
    out = dev.empty(t.shape, t.dtype)
    batch = t.shape[:-2]
    (m, kk), n = a.shape[-2:], b.shape[-1]
    nb = max(cg.MAXDIM - 2, len(batch))
    sa = pad(broadcast_strides(a.shape[:-2], batch), nb, 0)
    sb = pad(broadcast_strides(b.shape[:-2], batch), nb, 0)
    items = ck.TILE // ck.PER_ITEM
    if dev.params.matmul == "tiled" and dev.max_local >= items * items:  # local-memory tiles
        k = cl_cache.kernel(dev, ("tiled_matmul", t.dtype, nb),
                            lambda: ck.tiled_matmul_source(t.dtype, nb), spec["kernel"])
        if k.max_local >= items * items:  # else the CPU shape below, which any device runs
            launch(dev, k, (-(-n // ck.TILE) * items, -(-m // ck.TILE) * items,
                                     size(batch)),
                            [a.buf, b.buf, out.buf, m, n, kk] + pad(list(batch), nb, 1)
                            + sa + sb, (items, items, 1))
            return [out]
    rows, width = dev.params.block
    ap, mp = _pack(dev, a, "a", rows, m, kk)
    bp, np_ = _pack(dev, b, "b", width, kk, n)
    k = cl_cache.kernel(dev, (spec["kernel"], t.dtype, nb, rows, width),
                        lambda: ck.matmul_source(t.dtype, nb, rows, width), spec["kernel"])
    launch(dev, k, (np_ // width, mp // rows, size(batch)),
                    [ap.buf, bp.buf, out.buf, m, n, kk, mp, np_] + pad(list(batch), nb, 1)
                    + sa + sb)
    return [out]


def _pack(dev, x, side, block, rows, cols):
    """x's matrices as zero-padded panels of ``block`` rows (A) or columns (B)."""
    count = size(x.shape[:-2])
    padded = -(-(rows if side == "a" else cols) // block) * block
    inner = cols if side == "a" else rows
    p = dev.empty((count * padded * inner,), x.dtype)
    if p.size:
        k = cl_cache.kernel(dev, ("pack", x.dtype, side),
                            lambda: ck.pack_source(x.dtype, side), "pack")
        units = p.size // block
        g, chunk = grid(dev, units, min_chunk=64)
        launch(dev, k, (g,), [x.buf, p.buf, units, chunk, rows, cols, inner, padded, block])
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
    k = cl_cache.kernel(dev, (spec["kernel"], t.dtype), lambda: ck.conv2d_source(t.dtype),
                        spec["kernel"])
    return _launch_window(dev, k, [x, f], out, (f.shape[0], f.shape[1]), params, f.shape[3])


def max_pool_op(dev, op, args, params, types, spec):
    x, t = args[0], types[0]
    out = dev.empty(t.shape, t.dtype)
    better = ck.by_kind(spec["combine"], t.dtype)
    k = cl_cache.kernel(dev, ("pool", t.dtype, better),
                        lambda: ck.max_pool_source(t.dtype, better), spec["kernel"])
    return _launch_window(dev, k, [x], out, _pair(params["ksize"]), params, x.shape[3])


def _launch_window(dev, k, ins, out, ksize, params, oc):
    """Launch a window kernel: a few output elements per work-item on CPUs."""
    geo = _window_args(ins[0].shape, out.shape, ksize, _pair(params["strides"]))
    g, chunk = grid(dev, out.size, 64)
    launch(dev, k, (g,), [a.buf for a in ins] + [out.buf, out.size, chunk] + geo + [oc])
    return [out]


# -- random, host work, subgraphs ------------------------------------------------------------
def random_op(dev, op, args, params, types, spec):
    t = types[0]
    out = dev.empty(t.shape, t.dtype)
    seed = spec["seed"](params["seed"])
    keys = [int(spec["key"](seed, s)) for s in spec["streams"]] + [0]
    lo, hi = (float(params[p]) for p in spec["params"])
    dist = spec["dist"]
    k = cl_cache.kernel(dev, ("random", t.dtype, dist), lambda: ck.random_source(t.dtype, dist),
                        "draw")
    g, chunk = grid(dev, out.size)
    launch(dev, k, (g,), [out.buf, out.size, chunk, keys[0], keys[1], lo, hi])
    return [out]


def host_op(dev, op, args, params, types, spec):
    """Host work by nature: values come back to the host, results go out again."""
    out = op.kernel(*[a.numpy() for a in args], **params)
    outs = (out,) if op.nout == 1 else tuple(out or ())
    return [dev.place(v, ty.dtype) for v, ty in zip(outs, types)]


def control_op(dev, op, args, params, types, spec):
    """cond / while: the op's own kernel, its subgraphs run on this device."""
    return list(op.kernel(*args, run=dev.run_graph, **params))


def fused_op(dev, op, args, params, types, spec):
    """A fused elementwise subgraph: one generated kernel for the whole chain."""
    body, outs = cg.body_of(fused_graph(op, params))
    return elementwise(dev, body, outs, args, types)


# The kernel-family table: the ``"kernel"`` a record's ``cl`` names -> the function that
# runs it. The one place in ambi/devices that knows families by name (docs/devices.md);
# a family's kernels are keyed and named by ``spec["kernel"]``, read from the record.
FAMILIES = {"view": view_op, "concat": concat_op, "gather": gather_op, "reduce": reduce_op,
            "argreduce": argreduce_op, "matmul": matmul_op, "conv2d": conv2d_op,
            "max_pool2d": max_pool_op, "random": random_op, "host": host_op,
            "control": control_op, "fused": fused_op}
