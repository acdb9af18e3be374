"""What the conformance probe runs: every kernel family ambi generates, on small inputs
with known answers, compared with the numpy reference (each op's own ``kernel``).

The ops come from the registry, grouped by the kernel family that runs them
(``cl_ops.family``), so a new op is probed the day it is declared; no op is named here.
``CHECKS`` names the checks, which the probe's jobs and verdicts refer to. Special values (±0,
±inf, NaN, saturation at ±1) must match the reference bit for bit; other floats within
SPEC section 9's tolerances, grown by √K where K terms are summed.
"""
import math

import numpy as np

from .. import dtypes as dt
from ..ir.opdef import REGISTRY
from ..ir.types import TensorType
from ..errors import DeviceError
from . import cl_codegen, cl_ops, cl_reduce

N = 4096 + 37  # past the vector threshold, with a ragged tail
SPECIAL_F = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -2.5, 3.0, 1e30, -1e30,
             1e-30, 20.0, -20.0, 10.0, 100.0, 7.0, 2.0, -7.0, 0.25, -0.75]
SPECIAL_I = [0, 1, -1, 7, -7, 3, -3, 100, 2, -2, 2 ** 31 - 1, -2 ** 31, 5, -5, 31, 64]
NUMERIC = (dt.float32, dt.float64, dt.int32, dt.int64)


def ops_of(fam):
    """The primitive ops that kernel family ``fam`` (a ``cl_ops`` function) runs, by name."""
    return [op for _, op in sorted(REGISTRY.items()) if op.primitive and cl_ops.family(op) is fam]


# -- inputs ---------------------------------------------------------------------------------
def values(dtype, n, seed=0, tame=False):
    """n values of dtype: the special ones first, then random ones."""
    rng = np.random.default_rng(seed)
    if dtype.is_bool:
        return rng.integers(0, 2, n).astype(bool)
    if dtype.np.kind == "f":
        head = [] if tame else SPECIAL_F
        if dtype is dt.float32 and not tame:
            head = head + [9.5, -9.99]  # tanh near float32 saturation
        tail = rng.uniform(-5, 5, n)
    else:
        head = [v for v in SPECIAL_I if np.iinfo(dtype.np).min <= v <= np.iinfo(dtype.np).max]
        if tame:
            head = [v for v in head if abs(v) < 1000]
        tail = rng.integers(-50, 50, n)
    out = np.array(tail, dtype.np)
    out[:min(len(head), n)] = np.array(head[:n], dtype.np)
    return out


# -- comparison -----------------------------------------------------------------------------
def mismatch(ref, got, k_terms=1):
    """None when ``got`` matches the reference ``ref``; else where and how it differs."""
    ref, got = np.asarray(ref), np.asarray(got)
    if ref.shape != got.shape or ref.dtype != got.dtype:
        return f"shape/dtype {got.shape} {got.dtype}, expected {ref.shape} {ref.dtype}"
    if ref.dtype.kind != "f":
        bad = ref != got
    else:
        exact = np.isnan(ref) | np.isinf(ref) | (ref == 0) | (np.abs(ref) == 1)
        rtol, atol = (1e-5, 1e-6) if ref.dtype == np.float32 else (1e-12, 1e-12)
        grow = math.sqrt(k_terms)
        with np.errstate(invalid="ignore"):
            close = np.abs(got - ref) <= (atol + rtol * np.abs(ref)) * grow
            same = (np.isnan(ref) & np.isnan(got)) | (
                (ref == got) & (np.signbit(ref) == np.signbit(got)))
        bad = np.where(exact, ~same, ~(close | same))
    if not bad.any():
        return None
    i = np.unravel_index(np.argmax(bad), bad.shape)
    return (f"{int(bad.sum())} of {bad.size} wrong, first at {tuple(int(j) for j in i)}: "
            f"got {got[i]!r}, expected {ref[i]!r}")


# -- running ops on the device ---------------------------------------------------------------
def run_op(dev, op, arrays, params, dtypes):
    """``op`` on ``dev`` with uploaded inputs; (device results, reference results)."""
    params = op.fill_params(params)
    args = [dev.place(a, d) for a, d in zip(arrays, dtypes)]
    types = op.infer([TensorType(a.shape, d) for a, d in zip(arrays, dtypes)], params)
    got = [t.numpy() for t in cl_ops.run(dev, op, args, params, types)]
    ref = op.kernel(*arrays, **params)
    return got, (list(ref) if isinstance(ref, tuple) else [ref])


def check_op(dev, op, arrays, params, dtypes, k_terms=1):
    got, ref = run_op(dev, op, arrays, params, dtypes)
    for g, r in zip(got, ref):
        bad = mismatch(np.asarray(r, g.dtype) if np.ndim(r) == 0 else r, g, k_terms)
        if bad:
            return f"{op.name}{_describe(arrays, params)}: {bad}"
    return None


def _describe(arrays, params):
    shown = {k: v for k, v in params.items() if v is not None}
    return f"({', '.join(str(a.dtype) + str(list(a.shape)) for a in arrays)}; {shown})"


# -- elementwise: every template per dtype, in vector and scalar code ------------------------
def _instructions(dtype):
    """(op, operand dtypes, out dtype, params) for each elementwise op taking ``dtype``."""
    out = []
    for op in ops_of(cl_ops.elementwise_op):
        operand = [dt.bool_] + [dtype] * (op.arity - 1) if op.arity == 3 else [dtype] * op.arity
        targets = [{"dtype": d} for d in dt.ALL] if "dtype" in op.params else [{}]
        for params in targets:
            try:
                (t,) = op.infer([TensorType((1,), d) for d in operand], op.fill_params(params))
            except Exception:  # noqa: BLE001  (the op does not take this dtype)
                continue
            out.append((op, tuple(operand), t.dtype, params))
    return out


def _refs(instr):
    """Operand value ids: inputs 0 and 1 are of the dtype under test, 2 is a bool, 3 a tame
    copy of 0 (casts of special floats to ints are undefined in C)."""
    op, operand, out, params = instr
    if len(operand) == 3:
        return (2, 0, 1)
    if operand[0].np.kind == "f" and out.np.kind in "iub" and "dtype" in params:
        return (3,)
    return (0, 1)[:len(operand)]


def _inputs(dtype, layout):
    """[a, b, mask, tame a]: full operands, or b a row broadcast down a matrix (strided)."""
    shape = (N,) if layout == "full" else (64, 67)
    n = math.prod(shape)
    a, b = values(dtype, n, 1), values(dtype, n, 2)
    b[:len(SPECIAL_F)] = np.roll(a[:len(SPECIAL_F)], 3)  # special values meet each other
    arrays = [a.reshape(shape), b.reshape(shape), values(dt.bool_, n, 3).reshape(shape),
              values(dtype, n, 1, tame=True).reshape(shape)]
    if layout == "strided":
        arrays[1] = arrays[1][:1, :]
    return arrays


def check_elementwise(dev):
    """Each dtype's ops as fused bodies over full operands (vector code on chunked grids,
    for the non-bool results) and with a broadcast operand (scalar code that decodes
    indices, the same build as full operands' bool results)."""
    for dtype in NUMERIC + (dt.bool_,):
        if dtype is dt.float64 and not dev.fp64:
            continue
        instrs = _instructions(dtype)
        for layout, parts in (("full", (False, None)), ("strided", (None,))):
            arrays = _inputs(dtype, layout)
            for bools in parts:  # numeric results only (vectorizable), or everything
                bad = _run_body(dev, [i for i in instrs if bools is None or
                                      i[2].is_bool == bools], arrays)
                if bad:
                    return bad
    return None


def _reference(instr, arrays):
    op, operand, _, params = instr
    try:
        with np.errstate(all="ignore"):
            return op.kernel(*[arrays[r] for r in _refs(instr)], **op.fill_params(params))
    except (ValueError, ArithmeticError):  # the reference refuses these inputs: not checked
        return None


def _run_body(dev, instrs, arrays):
    refs = [_reference(i, arrays) for i in instrs]
    instrs = [i for i, r in zip(instrs, refs) if r is not None]
    refs = [r for r in refs if r is not None]
    if not instrs:
        return None
    dtype = dt.as_dtype(arrays[0].dtype)
    in_dtypes = (dtype, dtype, dt.bool_, dtype)
    body = tuple((i[0], _refs(i), i[1], i[2]) for i in instrs)
    shape = np.broadcast_shapes(*[a.shape for a in arrays])
    args = [dev.place(a, d) for a, d in zip(arrays, in_dtypes)]
    types = [TensorType(shape, d) for *_, d in body]
    outs = tuple(range(4, 4 + len(body)))
    got = [t.numpy() for t in cl_ops.elementwise(dev, body, outs, args, types)]
    for (op, operand, *_), g, ref in zip(instrs, got, refs):
        bad = mismatch(np.broadcast_to(np.asarray(ref, g.dtype), shape), g)
        if bad:
            return f"{op.name}({', '.join(d.name for d in operand)}) {list(shape)}: {bad}"
    return None


# -- reductions, matmul, windows, copies, random draws ---------------------------------------
def _ints(dtype, shape, seed, lo=-9, hi=10):
    """Small integers: every partial sum is exact, so any summation order gives the same
    bits and a mismatch is an indexing bug, never rounding."""
    return np.random.default_rng(seed).integers(lo, hi, shape).astype(dtype.np)


def check_reduce(dev):
    """Each reduction over contiguous terms (vector loads on chunked kernels), one of them in
    every dtype and over strided terms, and all of every element (two passes)."""
    cases = []
    for j, op in enumerate(ops_of(cl_reduce.reduce_op)):
        lo, hi = (-1, 2) if op.cl.get("init") == "1" else (-9, 10)  # products of ±1, 0
        for dtype in NUMERIC if j == 0 else (dt.float32,):
            x = _ints(dtype, (3, 5000), 4, lo, hi)
            axes = ((1, False), (0, True), (None, False)) if dtype is dt.float32 else ((1, False),)
            cases += [(op, x, {"axis": a, "keepdims": k}, dtype) for a, k in axes]
    for op in ops_of(cl_reduce.argreduce_op):
        x = _ints(dt.float32, (7, 300), 5)
        cases += [(op, x, {"axis": a}, dt.float32) for a in (0, 1)]
    for op, x, params, dtype in cases:
        if dtype is dt.float64 and not dev.fp64:
            continue
        bad = check_op(dev, op, [x], params, [dtype], k_terms=x.size)
        if bad:
            return bad
    return None


def check_matmul(dev):
    for op in ops_of(cl_ops.matmul_op):
        for dtype, a, b in ((dt.float32, (2, 37, 53), (53, 29)), (dt.float64, (65, 70), (70, 33))):
            if dtype is dt.float64 and not dev.fp64:
                continue
            x, y = _ints(dtype, a, 6), _ints(dtype, b, 7)
            bad = check_op(dev, op, [x, y], {}, [dtype, dtype], k_terms=a[-1])
            if bad:
                return bad
    return None


WINDOWS = [{"strides": 2, "padding": "SAME"}, {"strides": 1, "padding": "VALID"},
           {"ksize": 3, "strides": 2, "padding": "SAME"}, {"ksize": 2, "strides": 1}]


def check_windows(dev):
    x = _ints(dt.float32, (2, 9, 11, 3), 8)
    for op in ops_of(cl_ops.conv2d_op) + ops_of(cl_ops.max_pool_op):
        operands = [x] + ([_ints(dt.float32, (3, 3, 3, 5), 9)] if op.arity == 2 else [])
        for params in WINDOWS:
            if set(params) <= set(op.params):
                bad = check_op(dev, op, operands, params, [dt.float32] * len(operands), 27)
                if bad:
                    return bad
    return None


VIEWS = [{"perm": (2, 0, 1)}, {"shape": (3, 4, 5, 6)}, {"shape": (6, 20)}, {}]


def check_copies(dev):
    x = _ints(dt.float32, (4, 5, 6), 10)
    cases = [(op, [x], p) for op in ops_of(cl_ops.view_op) for p in VIEWS
             if set(p) <= set(op.params)]
    cases += [(op, [x, x[:, :2]], {"axis": 1}) for op in ops_of(cl_ops.concat_op)]
    cases += [(op, [x, np.array([3, -1, 0, 2, 2], np.int32)], {"axis": 1})
              for op in ops_of(cl_ops.gather_op)]
    for op, arrays, params in cases:
        dtypes = [dt.as_dtype(a.dtype) for a in arrays]
        try:
            op.infer([TensorType(a.shape, d) for a, d in zip(arrays, dtypes)],
                     op.fill_params(params))
        except Exception:  # noqa: BLE001  (a view whose params do not fit this input)
            continue
        bad = check_op(dev, op, arrays, params, dtypes)
        if bad:
            return bad
    return None


def check_random(dev):
    for op in ops_of(cl_ops.random_op):
        for dtype in (dt.float32,):  # the draw is computed in double for every dtype
            bad = check_op(dev, op, [], {"shape": (N,), "seed": 7, "dtype": dtype}, [])
            if bad:
                return bad
    return None


CHAIN_LENGTH = 5


def fused_chain():
    """A chain of unary float32 ops whose templates call functions (ambi's helpers first,
    then OpenCL's builtins), each taken while tame values stay finite and not whole: what a
    reduction computes without storing it (cl_graph merges them) and the timed workload."""
    x = values(dt.float32, 1000, 11, tame=True) / 5
    calls = [op for op in ops_of(cl_ops.elementwise_op) if op.arity == 1 and not op.params
             and dt.float32 in op.accepts and _calls_functions(op)]
    chain = []
    for op in sorted(calls, key=lambda op: not cl_codegen.helper_library([(op,)])):
        with np.errstate(all="ignore"):
            y = op.kernel(x)
        rounds = np.array_equal(y, np.round(y))  # floor, ceil: little left to check
        if len(chain) < CHAIN_LENGTH and y.dtype == x.dtype and np.isfinite(y).all() \
                and not rounds:
            chain.append(op)
            x = y
    return chain


def _calls_functions(op):
    """Whether the op's float32 template is a function call (``exp({0})``)."""
    try:
        return cl_codegen.template(op, (dt.float32,), dt.float32)[0].isalpha()
    except DeviceError:
        return False


def check_fused_reduce(dev):
    x = values(dt.float32, 3 * 5000, 11, tame=True).reshape(3, 5000) / 5
    chain = fused_chain()
    body = tuple((op, (j,), (dt.float32,), dt.float32) for j, op in enumerate(chain))
    ref = x
    for op in chain:
        ref = op.kernel(ref)
    for op in ops_of(cl_reduce.reduce_op)[:1]:
        for axis in (1, None):
            params = op.fill_params({"axis": axis})
            t = op.infer([TensorType(x.shape, dt.float32)], params)[0]
            got = cl_reduce.reduce_body(dev, body, len(chain), x.shape, op,
                                        [dev.place(x, dt.float32)], params, t).numpy()
            bad = mismatch(np.asarray(op.kernel(ref, **params), np.float32), got, x.size)
            if bad:
                names = "(".join(o.name for o in chain)
                return f"{op.name} of {names}(x), axis={axis}: {bad}"
    return None


CHECKS = {"elementwise": check_elementwise, "reduce": check_reduce, "matmul": check_matmul,
          "windows": check_windows, "copies": check_copies, "random": check_random,
          "fused_reduce": check_fused_reduce}
